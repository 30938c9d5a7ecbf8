/**
 * `Shipper`: forwards every session of a log root to the fleet's JetStream
 * stream and remembers, per session, how far JetStream has acknowledged.
 *
 * Each pass over the sessions reads what is new since the session's
 * position (closed segments, compressed or not, then the active file),
 * cuts it into batches of complete lines, and publishes them in order, each
 * once the one before is acknowledged. A batch keeps
 * its bytes and `Nats-Msg-Id` until it is acknowledged, so a retry after a
 * timeout is dropped by the stream's duplicate window. The checkpoint (the
 * end of the acknowledged prefix) is written atomically every
 * `checkpointIntervalMs` and at stop; a restart resumes from it, and a batch
 * shipped again after a crash is recognised by `collect` from its `seq`s.
 *
 * When the server is unreachable nothing is lost: the files are the buffer,
 * the shipper retries with backoff, and retention keeps what is unshipped.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import {
  fleetBatchHeaders,
  fleetBatchMessageId,
  scanBatchLines,
} from "../execution/fleet/batch_message.ts";
import { type LineKey, START_LINE_KEY } from "../execution/fleet/line_key.ts";
import {
  connectNats,
  describeNatsError,
  type NatsConnectionOptions,
} from "../execution/fleet/nats_connection.ts";
import {
  markShippedRootSync,
  readShipCheckpointSync,
  readShipMarkerSync,
  shipCheckpointPath,
  ShipStateError,
  writeShipCheckpointSync,
} from "../execution/fleet/ship_checkpoint.ts";
import { fleetStatusSubject, fleetSubject } from "../execution/fleet/subjects.ts";
import { ensureFleetStream, type FleetStreamOptions } from "../execution/fleet/fleet_stream.ts";
import { openSessionView } from "../live/session_view.ts";
import { sessionIds } from "../live/session_ids.ts";
import { Backoff, sleep } from "./backoff.ts";
import { readSessionChunk } from "./session_chunk.ts";
import { SHIP_STATUS_FORMAT, type ShipStatus, STATUS_MAX_SESSIONS } from "./ship_status.ts";

/** Settings of a {@linkcode Shipper}. */
export interface ShipperOptions {
  /** The log root to ship. */
  baseDir: string;
  /** This host's id. */
  hostId: string;
  /** The stream, and how it is created when missing. */
  stream: FleetStreamOptions;
  /** How to reach NATS. */
  connection: NatsConnectionOptions;
  /** Largest batch body in bytes (capped below the server's max_payload). Default 256 KiB. */
  batchBytes?: number;
  /** Wait between passes when nothing was new, in milliseconds. Default 50. */
  pollMs?: number;
  /** How often dirty checkpoints are written, in milliseconds. Default 250. */
  checkpointIntervalMs?: number;
  /** How often the status is published, in milliseconds. Default 2000. */
  statusIntervalMs?: number;
  /** Milliseconds to wait for a batch's acknowledgement. Default 5000. */
  publishTimeoutMs?: number;
  /** Receives one human line per event worth telling (connected, retrying, skipped data). */
  log?: (line: string) => void;
}

/** Counters of a {@linkcode Shipper} since it started. */
export interface ShipperStats {
  /** Batches acknowledged (new or duplicate). */
  batches: number;
  /** Lines in acknowledged batches. */
  lines: number;
  /** Bytes in acknowledged batches. */
  bytes: number;
  /** Batches the stream reported as duplicates (already stored). */
  duplicates: number;
  /** Publishes that failed or timed out (retried). */
  publishErrors: number;
  /** Connection attempts that failed. */
  connectErrors: number;
  /** Bytes deleted from a session before they were shipped (reported, skipped). */
  deletedBytes: number;
  /** Lines too large for one message (reported, skipped). */
  oversizedLines: number;
  /** Whether a connection is up. */
  connected: boolean;
}

/** A configuration problem the shipper cannot retry its way out of. */
export class ShipConfigError extends Error {
  /** `message` says what to change. */
  constructor(message: string) {
    super(message);
    this.name = "ShipConfigError";
  }
}

interface OutBatch {
  data: Uint8Array;
  end: number;
  last: LineKey;
  lines: number;
  msgId: string;
  headers: Array<[string, string]>;
}

interface ShipSession {
  id: string;
  subject: string;
  /** Acknowledged up to here (logical offset). */
  offset: number;
  lastKey: LineKey;
  lines: number;
  /** Batches cut up to here (≥ offset). */
  readOffset: number;
  /** Key of the last line cut into a batch; `null` after data that was deleted unshipped. */
  readKey: LineKey | null;
  unacked: OutBatch[];
  dirty: boolean;
  /** Logical end of the session when last looked at. */
  end: number;
}

type PublishResult = { ack: PubAck } | { error: unknown };

const LF = 0x0a;
const DEFAULT_BATCH_BYTES = 256 * 1024;
/** Room for headers in a message. */
const HEADER_ROOM = 8 * 1024;
/** Bytes read from one session per pass, so one busy session does not starve the others. */
const PASS_BYTES = 8 * 1024 * 1024;
/** Bytes read at once; a line longer than this cannot be shipped (it is reported and skipped). */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Sessions shipped at once. */
const SESSIONS_AT_ONCE = 8;
/** Repeated identical problems are logged at most this often. */
const LOG_REPEAT_MS = 30_000;

/** Ships a log root to JetStream (see the module documentation). */
export class Shipper {
  readonly #o: Required<Omit<ShipperOptions, "log">> & { log: (line: string) => void };
  readonly #sessions = new Map<string, ShipSession>();
  readonly #stats: ShipperStats = {
    batches: 0,
    lines: 0,
    bytes: 0,
    duplicates: 0,
    publishErrors: 0,
    connectErrors: 0,
    deletedBytes: 0,
    oversizedLines: 0,
    connected: false,
  };
  #batchBytes: number;
  #js: JetStreamClient | null = null;
  #behindSince: number | null = null;
  #lastError: string | null = null;
  #lastLogged = new Map<string, number>();
  #sessionsTotal = 0;

  /** A shipper with `options` (nothing happens until {@linkcode run}). */
  constructor(options: ShipperOptions) {
    this.#o = {
      batchBytes: DEFAULT_BATCH_BYTES,
      pollMs: 50,
      checkpointIntervalMs: 250,
      statusIntervalMs: 2000,
      publishTimeoutMs: 5000,
      ...options,
      log: options.log ?? (() => {}),
    };
    this.#batchBytes = this.#o.batchBytes;
  }

  /** A snapshot of the counters. */
  get stats(): ShipperStats {
    return { ...this.#stats };
  }

  /**
   * Ship until `signal` aborts: connect (retrying with backoff while the
   * server is unreachable), make sure the stream exists, then pass over the
   * sessions again and again. Writes the checkpoints before it returns.
   * Throws {@linkcode ShipConfigError} when the log root was shipped under
   * another host id or stream.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#claimRoot();
    const backoff = new Backoff();
    while (!signal.aborted) {
      let nc: NatsConnection;
      try {
        nc = await connectNats({ name: `peak-ship ${this.#o.hostId}`, ...this.#o.connection });
      } catch (err) {
        this.#stats.connectErrors++;
        const wait = backoff.next();
        this.#problem(
          "connect",
          `cannot connect: ${describeNatsError(err, this.#o.connection.servers)}; ` +
            `retrying in ${(wait / 1000).toFixed(1)} s (nothing is lost: the files are the buffer)`,
        );
        await sleep(wait, signal);
        continue;
      }
      backoff.reset();
      this.#o.log(`connected to ${nc.getServer()}`);
      this.#lastLogged.clear();
      this.#stats.connected = true;
      try {
        await this.#serve(nc, signal);
      } finally {
        this.#stats.connected = false;
        this.#writeCheckpoints();
        try {
          await nc.close();
        } catch {
          // already closed
        }
      }
    }
    this.#writeCheckpoints();
  }

  /** Refuse a root shipped as another host or to another stream; mark it shipped. */
  #claimRoot(): void {
    let marker = null;
    try {
      marker = readShipMarkerSync(this.#o.baseDir);
    } catch (err) {
      if (!(err instanceof ShipStateError)) throw err;
      this.#o.log(`${err.message}: writing it again`);
    }
    if (
      marker !== null &&
      (marker.host_id !== this.#o.hostId || marker.stream !== this.#o.stream.stream)
    ) {
      throw new ShipConfigError(
        `${this.#o.baseDir} is shipped as host ${marker.host_id} to stream ${marker.stream} ` +
          `(since ${marker.since}); shipping it as ${this.#o.hostId} to ` +
          `${this.#o.stream.stream} would send every event again under another name. Pass ` +
          `--host-id ${marker.host_id} --stream ${marker.stream}, or remove ` +
          `${this.#o.baseDir}/.fleet/ship to start over`,
      );
    }
    markShippedRootSync(this.#o.baseDir, this.#o.hostId, this.#o.stream.stream);
  }

  /** Log a problem once per kind and per {@linkcode LOG_REPEAT_MS}. */
  #problem(kind: string, message: string): void {
    this.#lastError = message;
    const now = Date.now();
    const last = this.#lastLogged.get(kind);
    if (last !== undefined && now - last < LOG_REPEAT_MS) return;
    this.#lastLogged.set(kind, now);
    this.#o.log(message);
  }

  async #serve(nc: NatsConnection, signal: AbortSignal): Promise<void> {
    // Short waits: the client reconnects by itself; a publish only has to catch the moment.
    const backoff = new Backoff(250, 5000);
    let streamReady = false;
    let lastCheckpoint = Date.now();
    let lastStatus = 0;
    while (!signal.aborted && !nc.isClosed()) {
      if (!streamReady) {
        streamReady = await this.#ensureStream(nc, backoff, signal);
        if (!streamReady) continue;
        backoff.reset();
      }
      let busy = false;
      let failed = false;
      try {
        busy = await this.#pass(signal);
        backoff.reset();
      } catch (err) {
        failed = true;
        this.#stats.publishErrors++;
        // No stream answers (an operator deleted it?): make sure of it again before retrying.
        if (/no responders|NoResponders|503/i.test(String(err))) streamReady = false;
        this.#problem(
          "publish",
          `publish failed: ${describeNatsError(err, this.#o.connection.servers)}; retrying ` +
            "(nothing is lost: unacknowledged batches are sent again)",
        );
      }
      const now = Date.now();
      if (now - lastCheckpoint >= this.#o.checkpointIntervalMs) {
        this.#writeCheckpoints();
        lastCheckpoint = now;
      }
      if (now - lastStatus >= this.#o.statusIntervalMs) {
        this.#publishStatus(nc);
        lastStatus = now;
      }
      if (failed) await sleep(backoff.next(), signal);
      else if (!busy) await sleep(this.#o.pollMs, signal);
    }
  }

  /** Create or check the stream; false (after a wait) when that failed. */
  async #ensureStream(nc: NatsConnection, backoff: Backoff, signal: AbortSignal): Promise<boolean> {
    try {
      const state = await ensureFleetStream(
        nc,
        this.#o.stream,
        fleetSubject(this.#o.hostId, "probe"),
      );
      this.#o.log(
        `stream ${this.#o.stream.stream} ${state.origin === "created" ? "created" : "found"} ` +
          `(${state.storage} storage, subjects ${state.subjects.join(", ")}, duplicate window ` +
          `${state.duplicateWindowMs / 1000} s)`,
      );
    } catch (err) {
      const wait = backoff.next();
      this.#problem(
        "stream",
        `stream ${this.#o.stream.stream}: ${describeNatsError(err, this.#o.connection.servers)}` +
          `; retrying in ${(wait / 1000).toFixed(1)} s`,
      );
      await sleep(wait, signal);
      return false;
    }
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.#batchBytes = Math.max(1024, Math.min(this.#o.batchBytes, maxPayload - HEADER_ROOM));
    this.#js = jetstream(nc, { timeout: this.#o.publishTimeoutMs });
    return true;
  }

  /** One pass over every session; true when anything was shipped. */
  async #pass(signal: AbortSignal): Promise<boolean> {
    let ids: Set<string>;
    try {
      ids = await sessionIds(this.#o.baseDir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      ids = new Set(); // no log root yet: nothing to ship
    }
    this.#sessionsTotal = ids.size;
    for (const id of this.#sessions.keys()) {
      if (ids.has(id)) continue;
      // Deleted (by retention, once shipped): a new session of that id starts from 0.
      this.#sessions.delete(id);
      try {
        Deno.removeSync(shipCheckpointPath(this.#o.baseDir, id));
      } catch {
        // never written, or already removed
      }
    }
    // Sessions are shipped side by side (each strictly in order), so a host with several
    // sessions keeps several batches moving; at most SESSIONS_AT_ONCE, to bound memory.
    let busy = false;
    const queue = [...ids];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined && !signal.aborted; id = queue.shift()) {
        if (await this.#shipSession(this.#session(id))) busy = true;
      }
    };
    const workers = Array.from({ length: Math.min(SESSIONS_AT_ONCE, queue.length) }, worker);
    const results = await Promise.allSettled(workers);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    let behind = false;
    for (const s of this.#sessions.values()) if (s.end > s.offset) behind = true;
    if (!behind) this.#behindSince = null;
    else this.#behindSince ??= Date.now();
    return busy;
  }

  #session(id: string): ShipSession {
    let session = this.#sessions.get(id);
    if (session !== undefined) return session;
    let checkpoint = null;
    try {
      checkpoint = readShipCheckpointSync(this.#o.baseDir, id);
    } catch (err) {
      if (!(err instanceof ShipStateError)) throw err;
      this.#o.log(`${err.message}: shipping ${id} again from its start (collect drops repeats)`);
    }
    const offset = checkpoint?.offset ?? 0;
    const lastKey = checkpoint?.last_key ?? START_LINE_KEY;
    session = {
      id,
      subject: fleetSubject(this.#o.hostId, id),
      offset,
      lastKey,
      lines: checkpoint?.lines ?? 0,
      readOffset: offset,
      readKey: lastKey,
      unacked: [],
      dirty: false,
      end: offset,
    };
    this.#sessions.set(id, session);
    return session;
  }

  /** Ship what is new in one session (at most {@linkcode PASS_BYTES}); true when anything was. */
  async #shipSession(s: ShipSession): Promise<boolean> {
    let shipped = false;
    if (s.unacked.length > 0) {
      await this.#publishUnacked(s);
      shipped = true;
    }
    using view = await openSessionView(this.#o.baseDir, s.id);
    s.end = Math.max(view.end, s.offset);
    for (let budget = PASS_BYTES; budget > 0;) {
      const chunk = await readSessionChunk(view, s.readOffset, CHUNK_BYTES);
      if (chunk.kind === "none") break;
      if (chunk.kind === "deleted") {
        this.#stats.deletedBytes += chunk.end - chunk.start;
        this.#o.log(
          `${s.id}: bytes ${chunk.start}-${chunk.end} were deleted before they were shipped ` +
            "(retention without the shipping guard?); continuing after them, collect reports the gap",
        );
        this.#skipTo(s, chunk.end, null);
        continue;
      }
      if (chunk.kind === "shrunk") {
        this.#o.log(
          `${s.id}: the session now ends at byte ${chunk.end}, before the shipped position ` +
            `${chunk.start} (truncated or replaced); shipping it again from its start`,
        );
        s.unacked = [];
        s.offset = s.readOffset = 0;
        s.lastKey = START_LINE_KEY;
        s.readKey = START_LINE_KEY;
        s.dirty = true;
        continue;
      }
      if (chunk.kind === "long-line") {
        this.#stats.oversizedLines++;
        this.#o.log(
          `${s.id}: the line at bytes ${chunk.start}-${chunk.end} is too large for one message; ` +
            "skipped (collect reports the gap)",
        );
        this.#skipTo(s, chunk.end, s.readKey);
        continue;
      }
      budget -= chunk.bytes.length;
      this.#cut(s, chunk.bytes, chunk.start);
      await this.#publishUnacked(s);
      shipped = true;
    }
    return shipped;
  }

  /** Continue after bytes that are not shipped (deleted data, a line too large). */
  #skipTo(s: ShipSession, offset: number, key: LineKey | null): void {
    s.readOffset = offset;
    s.readKey = key;
    if (s.unacked.length === 0) {
      s.offset = offset;
      s.dirty = true;
    }
  }

  /** Cut `bytes` (complete lines starting at logical `start`) into batches. */
  #cut(s: ShipSession, bytes: Uint8Array, start: number): void {
    for (let pos = 0; pos < bytes.length;) {
      let end = Math.min(bytes.length, pos + this.#batchBytes);
      if (end < bytes.length) {
        const nl = bytes.lastIndexOf(LF, end - 1);
        end = nl >= pos ? nl + 1 : bytes.indexOf(LF, pos) + 1;
      }
      const body = bytes.subarray(pos, end);
      const previous = s.readKey ?? START_LINE_KEY;
      const scan = scanBatchLines(body, previous)!;
      if (body.length > this.#batchBytes) {
        // One line larger than a message: skip it, keeping the keys counted.
        this.#stats.oversizedLines++;
        this.#o.log(
          `${s.id}: a line of ${body.length} bytes is too large for one message; skipped`,
        );
        this.#skipTo(s, start + end, scan.last);
        pos = end;
        continue;
      }
      const description = {
        hostId: this.#o.hostId,
        sessionId: s.id,
        prevKey: s.readKey,
        firstKey: scan.first,
        lastKey: scan.last,
        lines: scan.count,
        offset: start + pos,
      };
      s.unacked.push({
        data: body,
        end: start + end,
        last: scan.last,
        lines: scan.count,
        msgId: fleetBatchMessageId(this.#o.hostId, s.id, scan.first, scan.last),
        headers: fleetBatchHeaders(description),
      });
      s.readOffset = start + end;
      s.readKey = scan.last;
      pos = end;
    }
  }

  /**
   * Publish the session's unacknowledged batches one after the other: the
   * next only once the last is acknowledged, so the stream holds a session's
   * batches in order even across a lost connection (a batch sent before a
   * disconnect may be lost while the one after it, buffered by the client,
   * is stored). `collect` relies on it: a hole in a session's batches in the
   * stream is then a real gap. Sessions are shipped in turn, so a host with
   * several sessions still keeps several batches moving.
   */
  async #publishUnacked(s: ShipSession): Promise<void> {
    while (s.unacked.length > 0) {
      const batch = s.unacked[0];
      const result = await this.#publish(s, batch);
      if ("error" in result) throw result.error;
      s.unacked.shift();
      s.offset = batch.end;
      s.lastKey = batch.last;
      s.lines += batch.lines;
      s.dirty = true;
      this.#stats.batches++;
      this.#stats.lines += batch.lines;
      this.#stats.bytes += batch.data.length;
      if (result.ack.duplicate) this.#stats.duplicates++;
    }
  }

  /** Publish one batch; the promise never rejects. */
  #publish(s: ShipSession, batch: OutBatch): Promise<PublishResult> {
    const h = natsHeaders();
    for (const [name, value] of batch.headers) h.set(name, value);
    return this.#js!.publish(s.subject, batch.data, {
      msgID: batch.msgId,
      headers: h,
      timeout: this.#o.publishTimeoutMs,
    }).then((ack) => ({ ack }), (error) => ({ error }));
  }

  #writeCheckpoint(s: ShipSession): void {
    if (!s.dirty) return;
    try {
      writeShipCheckpointSync(this.#o.baseDir, {
        session_id: s.id,
        host_id: this.#o.hostId,
        stream: this.#o.stream.stream,
        offset: s.offset,
        last_key: s.lastKey,
        lines: s.lines,
        updated_at: new Date().toISOString(),
      });
      s.dirty = false;
    } catch (err) {
      this.#problem(
        "checkpoint",
        `cannot write the checkpoint of ${s.id}: ${err instanceof Error ? err.message : err} ` +
          "(a restart would send some batches again; collect drops them)",
      );
    }
  }

  #writeCheckpoints(): void {
    for (const s of this.#sessions.values()) this.#writeCheckpoint(s);
  }

  /** The status published on `peak.fleet.status.<host>`. */
  status(): ShipStatus {
    const sessions = [...this.#sessions.values()]
      .sort((a, b) => (b.end - b.offset) - (a.end - a.offset))
      .slice(0, STATUS_MAX_SESSIONS)
      .map((s) => ({ session_id: s.id, shipped_offset: s.offset, end_offset: s.end }));
    let behind = 0;
    for (const s of this.#sessions.values()) behind += Math.max(0, s.end - s.offset);
    return {
      format: SHIP_STATUS_FORMAT,
      host_id: this.#o.hostId,
      stream: this.#o.stream.stream,
      at: new Date().toISOString(),
      connected: this.#stats.connected,
      behind_bytes: behind,
      behind_since: this.#behindSince === null ? null : new Date(this.#behindSince).toISOString(),
      sessions,
      sessions_total: this.#sessionsTotal,
      shipped_lines: this.#stats.lines,
      shipped_batches: this.#stats.batches,
      last_error: this.#lastError,
    };
  }

  #publishStatus(nc: NatsConnection): void {
    try {
      nc.publish(fleetStatusSubject(this.#o.hostId), JSON.stringify(this.status()));
    } catch {
      // Only a report: the next one follows in a few seconds.
    }
  }
}
