/**
 * `Collector`: writes the fleet stream into a central log root, exactly
 * once, through a durable pull consumer with explicit acks.
 *
 * Each message is checked ({@linkcode readFleetBatch}); a foreign one is
 * counted and terminated (never redelivered). A batch goes to the central
 * session `<host>.<session>` ({@linkcode centralSessionId}); under the file's
 * lock only the lines after the file's last key are written, so a message
 * redelivered after a crash between write and ack, or a batch cut
 * differently by a restarted shipper, is not written twice. A batch that
 * does not follow on the file's last line is not written at once: the
 * lines before it are looked up in the stream itself (the first message of
 * the subject whose last key is past the file's, found by a binary search
 * over stream sequences with `next_by_subj`) and written first. That is the
 * case when another collector sharing the consumer holds them, or when they
 * were delivered to a collector that died and wait for their ack timeout.
 * Since `ship` publishes a session's batches strictly in order, what the
 * stream does not hold is a real gap (deleted on the host before shipping,
 * or removed by the stream's limits): the batch is then written, and the gap
 * is  * reported and recorded, never papered over. Written data is fsynced before
 * the messages are acknowledged (one fsync per file for a burst of messages).
 *
 * @module
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { nanos } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
  type MsgRequest,
  type NextMsgRequest,
  type StoredMsg,
} from "@nats-io/jetstream";
import {
  FLEET_BATCH_HEADERS,
  type FleetBatch,
  readFleetBatch,
} from "../execution/fleet/batch_message.ts";
import { centralSessionId } from "../execution/fleet/central_session.ts";
import {
  compareLineKeys,
  formatLineKey,
  type LineKey,
  parseLineKey,
} from "../execution/fleet/line_key.ts";
import {
  connectNats,
  describeNatsError,
  type NatsConnectionOptions,
} from "../execution/fleet/nats_connection.ts";
import { FLEET_STATUS_SUBJECT_PREFIX } from "../execution/fleet/subjects.ts";
import { ensureFleetStream, type FleetStreamOptions } from "../execution/fleet/fleet_stream.ts";
import { SegmentCompactor } from "../execution/telemetry/segment_compactor.ts";
import { DEFAULT_ROTATE_BYTES } from "../execution/telemetry/options.ts";
import { Backoff, sleep } from "./backoff.ts";
import { type AppendOutcome, CentralSessionFile } from "./central_session_file.ts";
import {
  type CentralSessionMeta,
  readCentralSessionMeta,
  writeCentralSessionMeta,
  writeConsumerStatus,
  writeHostStatus,
} from "./collect_state.ts";
import { parseShipStatus } from "./ship_status.ts";

/** Settings of a {@linkcode Collector}. */
export interface CollectorOptions {
  /** The central log root. */
  baseDir: string;
  /** The stream, and how it is created when missing. */
  stream: FleetStreamOptions;
  /** The durable consumer's name (collectors with the same name share its work). */
  durable: string;
  /** The consumer's subject filter (`peak.exec.>`, or one host's `peak.exec.<host>.*`). */
  filterSubject: string;
  /** How to reach NATS. */
  connection: NatsConnectionOptions;
  /** The consumer's ack wait for a consumer created here, in milliseconds. Default 30 000. */
  ackWaitMs?: number;
  /** fdatasync written files before acknowledging. Default true. */
  fsync?: boolean;
  /** Central files rotate into segments at this size. Default 64 MiB. */
  rotateBytes?: number;
  /** Messages delivered and not yet acknowledged, for a consumer created here. Default 2048. */
  maxAckPending?: number;
  /** How often the consumer's state is recorded, in milliseconds. Default 2000. */
  statusIntervalMs?: number;
  /** Receives one human line per event worth telling. */
  log?: (line: string) => void;
}

/** Counters of a {@linkcode Collector} since it started. */
export interface CollectorStats {
  /** Messages received (including redeliveries and foreign ones). */
  messages: number;
  /** Lines written to central files. */
  lines: number;
  /** Bytes written. */
  bytes: number;
  /** Lines received that were already written (redeliveries, re-cut batches). */
  duplicateLines: number;
  /** Lines skipped because their key went backwards. */
  outOfOrderLines: number;
  /** Messages that were not fleet batches (counted, terminated). */
  foreign: number;
  /** Gaps written past (reported). */
  gaps: number;
  /** Messages read back from the stream to fill a hole before a batch. */
  filled: number;
  /** Torn tails cut from central files (a crash mid-write). */
  repairs: number;
  /** Writes that failed (the message is delivered again). */
  writeErrors: number;
  /** Connection attempts that failed. */
  connectErrors: number;
  /** Whether a connection is up. */
  connected: boolean;
}

/** A configuration problem the collector cannot retry its way out of. */
export class CollectConfigError extends Error {
  /** `message` says what to change. */
  constructor(message: string) {
    super(message);
    this.name = "CollectConfigError";
  }
}

const LOG_REPEAT_MS = 30_000;
/** Central files kept open at once (a fleet has thousands of sessions a day). */
const MAX_OPEN_FILES = 256;
/** Most messages written before their fsync and acks. */
const ACK_GROUP = 64;
/**
 * Longest wait between a write and its fsync and acks: a burst of messages
 * shares one fsync per file (group commit) for a few milliseconds of latency.
 */
const ACK_DELAY_MS = 5;

/**
 * A `STREAM.MSG.GET` request for the first message of `subject` at or after
 * `seq`. The server takes `next_by_subj` since 2.9 (Debian's 2.9.10 does);
 * the client types it for direct gets only, which an operator's stream may
 * not allow, so the request is typed here as the client's `MsgRequest`.
 */
function nextBySubject(subject: string, seq: number): MsgRequest {
  const request: NextMsgRequest = { next_by_subj: subject, seq };
  return request as unknown as MsgRequest;
}

/** Collects the fleet stream into a central log root (see the module documentation). */
export class Collector {
  readonly #o: Required<Omit<CollectorOptions, "log">> & { log: (line: string) => void };
  readonly #files = new Map<string, CentralSessionFile>();
  readonly #metas = new Map<string, CentralSessionMeta>();
  #jsm: JetStreamManager | null = null;
  readonly #compactor: SegmentCompactor;
  #toAck: JsMsg[] = [];
  #touched = new Set<CentralSessionFile>();
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #lastLogged = new Map<string, number>();
  #hostWrites = new Map<string, number>();
  readonly #stats: CollectorStats = {
    messages: 0,
    lines: 0,
    bytes: 0,
    duplicateLines: 0,
    outOfOrderLines: 0,
    foreign: 0,
    gaps: 0,
    filled: 0,
    repairs: 0,
    writeErrors: 0,
    connectErrors: 0,
    connected: false,
  };

  /** A collector with `options` (nothing happens until {@linkcode run}). */
  constructor(options: CollectorOptions) {
    this.#o = {
      ackWaitMs: 30_000,
      fsync: true,
      rotateBytes: DEFAULT_ROTATE_BYTES,
      maxAckPending: 2048,
      statusIntervalMs: 2000,
      ...options,
      log: options.log ?? (() => {}),
    };
    this.#compactor = new SegmentCompactor((job, error) => {
      this.#problem(
        "compact",
        `could not compress segment ${job.index} of ${job.sessionId}: ${error}`,
      );
    });
  }

  /** A snapshot of the counters. */
  get stats(): CollectorStats {
    return { ...this.#stats };
  }

  /**
   * Collect until `signal` aborts: connect (retrying while the server is
   * unreachable), make sure the stream and the durable consumer exist, then
   * write what arrives. Throws {@linkcode CollectConfigError} when the
   * consumer exists with another subject filter.
   */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff();
    try {
      while (!signal.aborted) {
        let nc: NatsConnection;
        try {
          nc = await connectNats({
            name: `peak-collect ${this.#o.durable}`,
            ...this.#o.connection,
          });
        } catch (err) {
          this.#stats.connectErrors++;
          const wait = backoff.next();
          this.#problem(
            "connect",
            `cannot connect: ${describeNatsError(err, this.#o.connection.servers)}; retrying in ` +
              `${(wait / 1000).toFixed(1)} s`,
          );
          await sleep(wait, signal);
          continue;
        }
        backoff.reset();
        this.#lastLogged.clear();
        this.#o.log(`connected to ${nc.getServer()}`);
        this.#stats.connected = true;
        const statuses = this.#subscribeStatuses(nc);
        try {
          await this.#serve(nc, signal);
        } finally {
          this.#stats.connected = false;
          this.#flush();
          statuses.unsubscribe();
          try {
            await nc.close();
          } catch {
            // already closed
          }
        }
      }
    } finally {
      this.#flush();
      for (const file of this.#files.values()) file.close();
      await this.#compactor.idle();
    }
  }

  #problem(kind: string, message: string): void {
    const now = Date.now();
    const last = this.#lastLogged.get(kind);
    if (last !== undefined && now - last < LOG_REPEAT_MS) return;
    this.#lastLogged.set(kind, now);
    this.#o.log(message);
  }

  /** Keep each host's latest status (at most one write per host and second). */
  #subscribeStatuses(nc: NatsConnection): Subscription {
    return nc.subscribe(`${FLEET_STATUS_SUBJECT_PREFIX}.*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const status = parseShipStatus(msg.string());
        if (status === null) return;
        const now = Date.now();
        if (now - (this.#hostWrites.get(status.host_id) ?? 0) < 1000) return;
        this.#hostWrites.set(status.host_id, now);
        try {
          writeHostStatus(this.#o.baseDir, { status, received_at: new Date(now).toISOString() });
        } catch (error) {
          this.#problem("host-status", `cannot record the status of ${status.host_id}: ${error}`);
        }
      },
    });
  }

  async #serve(nc: NatsConnection, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff();
    while (!signal.aborted && !nc.isClosed()) {
      try {
        await ensureFleetStream(nc, this.#o.stream, "peak.exec.probe.probe");
        await this.#ensureConsumer(nc);
        backoff.reset();
        await this.#consume(nc, signal);
      } catch (err) {
        if (err instanceof CollectConfigError) throw err;
        const wait = backoff.next();
        this.#problem(
          "consume",
          `${describeNatsError(err, this.#o.connection.servers)}; retrying in ` +
            `${(wait / 1000).toFixed(1)} s`,
        );
        await sleep(wait, signal);
      }
    }
  }

  async #ensureConsumer(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc);
    const { stream } = this.#o.stream;
    let filter: string | undefined;
    try {
      filter = (await jsm.consumers.info(stream, this.#o.durable)).config.filter_subject;
    } catch (err) {
      const missing = err instanceof JetStreamApiError &&
        err.code === JetStreamApiCodes.ConsumerNotFound;
      if (!missing) throw err;
      try {
        await jsm.consumers.add(stream, {
          durable_name: this.#o.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: this.#o.filterSubject,
          ack_wait: nanos(this.#o.ackWaitMs),
          max_ack_pending: this.#o.maxAckPending,
          max_deliver: -1,
        });
        this.#o.log(
          `durable consumer ${this.#o.durable} created on ${stream} for ${this.#o.filterSubject}`,
        );
        return;
      } catch {
        // Another collector created it meanwhile: check it below.
        filter = (await jsm.consumers.info(stream, this.#o.durable)).config.filter_subject;
      }
    }
    if ((filter ?? "") !== this.#o.filterSubject) {
      throw new CollectConfigError(
        `consumer ${this.#o.durable} on ${stream} takes ${filter || "every subject"}, not ` +
          `${this.#o.filterSubject}: pass --filter ${filter || ">"} to share it, or name ` +
          "another consumer with --durable",
      );
    }
  }

  async #consume(nc: NatsConnection, signal: AbortSignal): Promise<void> {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    this.#jsm = jsm;
    const consumer = await js.consumers.get(this.#o.stream.stream, this.#o.durable);
    // Bytes, not messages, bound what is fetched ahead (batches are up to 1 MiB each).
    const messages = await consumer.consume({ max_bytes: 16 * 1024 * 1024 });
    const stop = (): void => void messages.close();
    signal.addEventListener("abort", stop, { once: true });
    const statusTimer = setInterval(async () => {
      try {
        const info = await jsm.consumers.info(this.#o.stream.stream, this.#o.durable);
        writeConsumerStatus(this.#o.baseDir, {
          stream: this.#o.stream.stream,
          durable: this.#o.durable,
          filter_subject: this.#o.filterSubject,
          num_pending: info.num_pending,
          num_ack_pending: info.num_ack_pending,
          at: new Date().toISOString(),
        });
      } catch {
        // Only a report: the next one follows.
      }
    }, this.#o.statusIntervalMs);
    try {
      for await (const message of messages) {
        await this.#handle(message);
        if (signal.aborted) break;
      }
    } finally {
      clearInterval(statusTimer);
      signal.removeEventListener("abort", stop);
      this.#flush();
      await messages.close();
    }
  }

  /** One message: check it, write it (or hold it back), and queue its ack. */
  async #handle(message: JsMsg): Promise<void> {
    this.#stats.messages++;
    const batch = readFleetBatch(
      message.subject,
      (name) => message.headers?.get(name) || undefined,
      message.data,
    );
    if ("foreign" in batch) {
      this.#stats.foreign++;
      this.#problem(
        "foreign",
        `skipped a message on ${message.subject} that is not a fleet batch (${batch.foreign}); ` +
          `${this.#stats.foreign} so far`,
      );
      message.term(`not a peak-exec batch: ${batch.foreign}`);
      return;
    }
    const id = centralSessionId(batch.hostId, batch.sessionId);
    let outcome: AppendOutcome | "wait";
    try {
      this.#recordSession(id, batch);
      const file = this.#file(id);
      let position: LineKey | null = null;
      outcome = await file.append(batch, (p) => {
        position = p;
        return "wait";
      });
      if (outcome === "wait") {
        await this.#fill(id, file, message, position!);
        outcome = await file.append(batch, () => "write");
      }
      this.#touched.add(file);
    } catch (err) {
      this.#stats.writeErrors++;
      this.#problem(
        "write",
        `cannot write ${id}: ${err instanceof Error ? err.message : err}; the batch is delivered ` +
          "again (nothing is lost: it stays in the stream until written)",
      );
      message.nak(1000);
      await sleep(250);
      return;
    }
    this.#count(id, batch, outcome as AppendOutcome);
    this.#toAck.push(message);
    if (this.#toAck.length >= ACK_GROUP) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), ACK_DELAY_MS);
  }

  /**
   * Write the session's batches that the stream holds before `message` and
   * after `position` (the file's last key), in stream order.
   */
  async #fill(
    id: string,
    file: CentralSessionFile,
    message: JsMsg,
    position: LineKey,
  ): Promise<void> {
    const jsm = this.#jsm!;
    const stream = this.#o.stream.stream;
    const subject = message.subject;
    const upto = message.info.streamSequence;
    const next = async (seq: number): Promise<StoredMsg | null> => {
      const stored = await jsm.streams.getMessage(stream, nextBySubject(subject, seq));
      return stored === null || stored.seq >= upto ? null : stored;
    };
    const past = (stored: StoredMsg): boolean => {
      const last = parseLineKey(stored.header?.get(FLEET_BATCH_HEADERS.lastKey));
      return last !== null && compareLineKeys(last, position) > 0;
    };
    // The first of the subject's messages before `upto` whose last key is past the file's:
    // last keys rise with the stream sequence (ship publishes a session in order).
    let lo = 1;
    let hi = upto;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const stored = await next(mid);
      if (stored === null || past(stored)) hi = mid;
      else lo = mid + 1;
    }
    for (let stored = await next(lo); stored !== null; stored = await next(stored.seq + 1)) {
      const header = stored.header;
      const earlier = readFleetBatch(
        stored.subject,
        (name) => header?.get(name) || undefined,
        stored.data,
      );
      if ("foreign" in earlier) continue;
      const outcome = await file.append(earlier, () => "write");
      if (outcome === "wait") continue;
      this.#stats.filled++;
      this.#count(id, earlier, outcome);
    }
  }

  #count(id: string, batch: FleetBatch, outcome: AppendOutcome): void {
    this.#stats.lines += outcome.written;
    this.#stats.bytes += outcome.bytes;
    this.#stats.duplicateLines += outcome.duplicates;
    this.#stats.outOfOrderLines += outcome.outOfOrder;
    if (outcome.repairedBytes > 0) {
      this.#stats.repairs++;
      this.#o.log(`${id}: cut a torn last line (${outcome.repairedBytes} bytes) before writing`);
    }
    if (outcome.rotatedInto !== null) {
      this.#compactor.compact(this.#o.baseDir, id, outcome.rotatedInto);
    }
    if (outcome.outOfOrder > 0) {
      this.#problem(
        `order:${id}`,
        `${id}: skipped ${outcome.outOfOrder} lines whose seq went backwards in the host's file`,
      );
    }
    if (outcome.gap !== null) {
      this.#stats.gaps++;
      const after = formatLineKey(outcome.gap.after);
      const first = formatLineKey(outcome.gap.first);
      this.#o.log(
        `${id}: gap: the lines after key ${after} and before ${first} never arrived ` +
          `(not in the stream: deleted on ${batch.hostId} before shipping, or removed by the ` +
          "stream's limits); recorded, writing on",
      );
      const meta = this.#metas.get(id);
      if (meta !== undefined) {
        meta.gaps.push({ after, first, at: new Date().toISOString() });
        meta.gap_count++;
        writeCentralSessionMeta(this.#o.baseDir, meta);
      }
    }
  }

  /** Record where a central session comes from, once (before its first line is written). */
  #recordSession(id: string, batch: FleetBatch): void {
    if (this.#metas.has(id)) return;
    let meta = readCentralSessionMeta(this.#o.baseDir, id);
    if (meta === null) {
      meta = {
        central_session_id: id,
        host_id: batch.hostId,
        session_id: batch.sessionId,
        first_seen: new Date().toISOString(),
        gaps: [],
        gap_count: 0,
      };
      writeCentralSessionMeta(this.#o.baseDir, meta);
    }
    this.#metas.set(id, meta);
  }

  /** The central file of `id`; at most {@linkcode MAX_OPEN_FILES} stay open (least recently used closed). */
  #file(id: string): CentralSessionFile {
    let file = this.#files.get(id);
    if (file !== undefined) {
      this.#files.delete(id); // re-inserted below: the map's order is the order of use
    } else {
      file = new CentralSessionFile(this.#o.baseDir, id, this.#o.rotateBytes);
      if (this.#files.size >= MAX_OPEN_FILES) {
        const [oldest, idle] = this.#files.entries().next().value!;
        idle.close(); // syncs first; its messages are acknowledged by the next flush
        this.#files.delete(oldest);
      }
    }
    this.#files.set(id, file);
    return file;
  }

  /** fsync what was written, then acknowledge the messages it came from. */
  #flush(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    if (this.#toAck.length === 0) return;
    try {
      if (this.#o.fsync) { for (const file of this.#touched) file.sync(); }
    } catch (err) {
      // Unacknowledged, the messages come again; what reached the file is recognised then.
      this.#problem("sync", `fsync failed: ${err instanceof Error ? err.message : err}`);
      this.#toAck = [];
      this.#touched.clear();
      return;
    }
    this.#touched.clear();
    for (const message of this.#toAck) message.ack();
    this.#toAck = [];
  }
}
