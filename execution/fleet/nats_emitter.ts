/**
 * `NatsExecutionEmitter`: publishes execution events straight from the
 * trading process to the fleet's JetStream stream, for processes without a
 * local disk. Where a disk exists, write JSONL with `JsonlExecutionLogger`
 * and forward it with `peak-trade ship` instead: the files are then the
 * buffer and nothing is lost when the process dies.
 *
 * Semantics (see docs/fleet.md):
 * - `emit()` encodes the event at once and queues it in memory; it never
 *   blocks and never throws. A background loop publishes each session's
 *   queue in batches (the same message format as `ship`), one batch per
 *   session in flight, and keeps a batch until JetStream acknowledged it.
 * - At least once: a batch is retried with the same `Nats-Msg-Id` until it
 *   is acknowledged, so a retry within the stream's duplicate window is
 *   stored once, and `collect` drops any later copy by its `seq`.
 * - `seq` continues from the last batch the stream holds for the host and
 *   session (looked up on the first publish), so a restarted process does
 *   not reuse numbers. One process per host id and session.
 * - While the server is unreachable, events wait in memory up to
 *   `maxBufferedBytes`; beyond it new events are dropped and counted (memory
 *   stays bounded). Events not acknowledged when the process dies, or when
 *   `close()` gives up, are lost and counted in `stats.dropped`.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { ExecutionEvent, ExecutionEventEmitter } from "../events.ts";
import { isValidSessionId } from "../session_id.ts";
import { EnvelopeCache, writeEventLine } from "../telemetry/line_encoder.ts";
import { LineBuffer } from "../telemetry/line_buffer.ts";
import {
  describeError,
  ProblemReporter,
  type TelemetryErrorReport,
} from "../telemetry/problem_reporter.ts";
import { fleetBatchHeaders, fleetBatchMessageId } from "./batch_message.ts";
import { assertValidHostId } from "./host_id.ts";
import { type LineKey, parseLineKey, START_LINE_KEY } from "./line_key.ts";
import { connectNats, describeNatsError, type NatsConnectionOptions } from "./nats_connection.ts";
import { DEFAULT_FLEET_STREAM, fleetSubject } from "./subjects.ts";
import { ensureFleetStream } from "./fleet_stream.ts";
import { FLEET_BATCH_HEADERS } from "./batch_message.ts";

/**
 * Options of {@linkcode NatsExecutionEmitter}: where to connect, and how it batches.
 *
 * @example
 * ```ts
 * import type { NatsExecutionEmitterOptions } from "@peak-trade/execution";
 * const options: NatsExecutionEmitterOptions = { servers: "127.0.0.1:4222", hostId: "ny4-01" };
 * ```
 */
export interface NatsExecutionEmitterOptions extends NatsConnectionOptions {
  /** This process's host id (the subject and the central session id name it). */
  hostId: string;
  /**
   * The stream (created with file storage when missing).
   * @default {"PEAK_EXEC"}
   */
  stream?: string;
  /**
   * A batch is published once a session has this many bytes queued.
   * @default {262144}
   */
  batchBytes?: number;
  /**
   * Whatever is queued is published at the latest this many milliseconds after it was emitted.
   * @default {20}
   */
  flushIntervalMs?: number;
  /**
   * Memory cap over all sessions, in bytes of encoded lines; beyond it new events are dropped.
   * @default {16777216}
   */
  maxBufferedBytes?: number;
  /**
   * Milliseconds to wait for JetStream's acknowledgement of a batch before retrying it.
   * @default {5000}
   */
  publishTimeoutMs?: number;
  /**
   * Receives problem reports (connection lost, drops), at most one per minute.
   * @default writes `report.message` to standard error
   */
  onError?: (report: TelemetryErrorReport) => void;
}

/**
 * Counters of a {@linkcode NatsExecutionEmitter}.
 *
 * @example
 * ```ts
 * import type { NatsEmitterStats } from "@peak-trade/execution";
 * const empty: NatsEmitterStats = {
 *   emitted: 0, acknowledged: 0, duplicates: 0, dropped: 0, refused: 0, buffered: 0, retries: 0,
 *   connected: false,
 * };
 * ```
 */
export interface NatsEmitterStats {
  /** Events accepted by `emit()`. */
  emitted: number;
  /** Events in batches JetStream acknowledged. */
  acknowledged: number;
  /** Batches JetStream reported as duplicates (already stored: a retry). */
  duplicates: number;
  /** Events lost: over the memory cap, emitted after `close()`, or unacknowledged at close. */
  dropped: number;
  /** Events refused for an invalid session id, or that could not be encoded. */
  refused: number;
  /** Events waiting (queued or in flight). */
  buffered: number;
  /** Publishes retried after an error or timeout. */
  retries: number;
  /** Whether a connection is up now. */
  connected: boolean;
}

interface Batch {
  /** The batch's lines (a copy of the front of the session's line buffer). */
  data: Uint8Array;
  lines: number;
  msgId: string;
  headers: Array<[string, string]>;
  last: LineKey;
}

interface EmitterSession {
  id: string;
  subject: string;
  /**
   * The complete lines waiting, the batch in flight first, encoded straight
   * into one buffer (as the JSONL logger queues them). Until the stream's
   * last key is known (`last` is `null`) they are numbered from 1, and once
   * renumbered after it.
   */
  lines: LineBuffer;
  /** The session's encoded line envelopes (one cache per session, as the logger keeps). */
  envelopes: EnvelopeCache;
  /** The `seq` of the next emitted event. */
  nextSeq: number;
  inFlight: Batch | null;
  /** The key of the last line handed to a batch; `null` until looked up in the stream. */
  last: LineKey | null;
}
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * Publishes execution events to NATS JetStream from the process itself
 * (see the module documentation for its at-least-once semantics and what
 * happens while the server is down).
 *
 * @example
 * ```ts
 * import { formatWireTimestamp, NatsExecutionEmitter } from "@peak-trade/execution";
 * const emitter = new NatsExecutionEmitter({ servers: "127.0.0.1:4222", hostId: "ny4-01" });
 * emitter.emit({
 *   ts: formatWireTimestamp(new Date()), session_id: "paper-1", symbol: "BTC-USD",
 *   mode: "paper", kind: "intent",
 *   payload: { side: "buy", quantity: 0.4, current_price: 100_000, strategy_key: null },
 * });
 * // Wait up to a second for the acknowledgement; without a server the event is counted as dropped.
 * await emitter.close({ timeoutMs: 1000 });
 * console.log(emitter.stats.acknowledged + emitter.stats.dropped); // 1
 * ```
 */
export class NatsExecutionEmitter implements ExecutionEventEmitter {
  readonly #options: NatsExecutionEmitterOptions;
  readonly #stream: string;
  readonly #batchBytes: number;
  readonly #flushMs: number;
  readonly #maxBuffered: number;
  readonly #reporter: ProblemReporter;
  readonly #sessions = new Map<string, EmitterSession>();
  #bufferedBytes = 0;
  #stats: Omit<NatsEmitterStats, "connected" | "buffered"> = {
    emitted: 0,
    acknowledged: 0,
    duplicates: 0,
    dropped: 0,
    refused: 0,
    retries: 0,
  };
  #buffered = 0;
  #nc: NatsConnection | null = null;
  #streamReady = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closing = false;
  #closed: Promise<void> | null = null;
  #waiters: Array<{ target: number; resolve: () => void }> = [];
  /** A wake-up that came while the loop was busy: its next sleep returns at once. */
  #woken = false;
  #lostAtClose = 0;

  /** Create an emitter; nothing connects until the first event. */
  constructor(options: NatsExecutionEmitterOptions) {
    assertValidHostId(options.hostId);
    this.#options = options;
    this.#stream = options.stream ?? DEFAULT_FLEET_STREAM;
    this.#batchBytes = positive(options.batchBytes, 256 * 1024);
    this.#flushMs = positive(options.flushIntervalMs, 20);
    this.#maxBuffered = positive(options.maxBufferedBytes, 16 * 1024 * 1024);
    this.#reporter = new ProblemReporter(options.onError, 60_000);
  }

  /** A snapshot of the counters. */
  get stats(): NatsEmitterStats {
    return {
      ...this.#stats,
      buffered: this.#buffered,
      connected: this.#nc !== null && !this.#nc.isClosed(),
    };
  }

  /** Queue one event for its session (synchronous, no I/O, never throws). */
  emit(event: ExecutionEvent): void {
    try {
      if (this.#closing) {
        this.#stats.dropped++;
        return;
      }
      const sessionId = event.session_id;
      if (!isValidSessionId(sessionId)) {
        this.#stats.refused++;
        this.#reporter.report(null, null, `refused an event: invalid session id`);
        return;
      }
      if (this.#bufferedBytes >= this.#maxBuffered) {
        this.#dropForCap();
        return;
      }
      let session = this.#sessions.get(sessionId);
      if (session === undefined) {
        session = {
          id: sessionId,
          subject: fleetSubject(this.#options.hostId, sessionId),
          lines: new LineBuffer(),
          envelopes: new EnvelopeCache(),
          nextSeq: 1,
          inFlight: null,
          last: null,
        };
        this.#sessions.set(sessionId, session);
      }
      const lines = session.lines;
      const end = writeEventLine(lines, event, session.nextSeq, session.envelopes);
      const size = end - lines.end;
      if (this.#bufferedBytes + size > this.#maxBuffered) {
        this.#dropForCap();
        return;
      }
      lines.commit(end);
      session.nextSeq++;
      this.#bufferedBytes += size;
      this.#buffered++;
      this.#stats.emitted++;
      this.#start();
      if (lines.byteLength >= this.#batchBytes) this.#signal();
      else this.#armTimer();
    } catch (error) {
      this.#stats.refused++;
      this.#reporter.report(null, error, `could not encode an event (${describeError(error)})`);
    }
  }

  #dropForCap(): void {
    this.#stats.dropped++;
    this.#reporter.report(
      null,
      null,
      `dropped an event: ${this.#bufferedBytes} bytes wait for NATS already ` +
        `(maxBufferedBytes); is the server reachable?`,
    );
  }

  /**
   * Resolve once every event emitted before the call was acknowledged (or
   * dropped), or after `timeoutMs` (default: no limit; while the server is
   * unreachable it waits).
   */
  flush(timeoutMs?: number): Promise<void> {
    const target = this.#stats.emitted;
    if (this.#settledCount() >= target) return Promise.resolve();
    this.#signal();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ target, resolve });
    if (timeoutMs === undefined) return promise;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Stop accepting events, wait up to `timeoutMs` (default 10 s) for the
   * queued ones to be acknowledged, count the rest as dropped, and close the
   * connection. Never rejects.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#closeOnce(options.timeoutMs ?? 10_000);
    return this.#closed;
  }

  async #closeOnce(timeoutMs: number): Promise<void> {
    await this.flush(timeoutMs);
    this.#closing = true;
    this.#signal();
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#loop;
    const lost = this.#buffered;
    if (lost > 0) {
      this.#stats.dropped += lost;
      this.#lostAtClose += lost;
      this.#buffered = 0;
      this.#reporter.report(
        null,
        null,
        `closed with ${lost} events not acknowledged by NATS; they are lost`,
      );
    }
    for (const session of this.#sessions.values()) {
      session.lines = new LineBuffer();
      session.inFlight = null;
    }
    this.#bufferedBytes = 0;
    this.#settle(true);
    try {
      await this.#nc?.close();
    } catch {
      // already closed
    }
  }

  /** Queued events that reached an end: acknowledged, or lost at close. */
  #settledCount(): number {
    return this.#stats.acknowledged + this.#lostAtClose;
  }

  #settle(all = false): void {
    const settled = this.#settledCount();
    this.#waiters = this.#waiters.filter((w) => {
      if (!all && settled < w.target) return true;
      w.resolve();
      return false;
    });
  }

  /** Wake the loop now, or at its next sleep when it is busy. */
  #signal(): void {
    if (this.#wake !== null) this.#wake();
    else this.#woken = true;
  }

  #armTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#signal();
    }, this.#flushMs);
  }

  #start(): void {
    this.#loop ??= this.#run().catch((error) => {
      this.#reporter.report(null, error, `the NATS emitter stopped: ${describeError(error)}`);
    });
  }

  /** The background loop: connect, then publish each session's batches until closed. */
  async #run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.#closing) {
      let progressed = false;
      try {
        const nc = await this.#connection();
        for (const session of this.#sessions.values()) {
          if (this.#closing) break;
          if (await this.#publishNext(nc, session)) progressed = true;
        }
        delay = RETRY_MIN_MS;
      } catch (error) {
        this.#stats.retries++;
        this.#streamReady = false; // checked again before the retry (deleted, or never made)
        this.#reporter.report(
          null,
          error,
          `cannot publish to NATS (${
            describeNatsError(error, this.#options.servers)
          }); events wait in memory and are retried`,
        );
        await this.#sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        continue;
      }
      if (!progressed) await this.#sleep(null);
    }
  }

  /** Sleep until woken, or `ms` (with `null`: until woken). */
  #sleep(ms: number | null): Promise<void> {
    if (this.#closing || this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      const wake = (): void => done();
      this.#wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.#wake = null;
    });
  }

  async #connection(): Promise<NatsConnection> {
    if (this.#nc === null || this.#nc.isClosed()) {
      this.#nc = await connectNats({ ...this.#options, name: `peak-emit ${this.#options.hostId}` });
      this.#streamReady = false;
    }
    if (!this.#streamReady) {
      await ensureFleetStream(
        this.#nc,
        { stream: this.#stream },
        fleetSubject(this.#options.hostId, "probe"),
      );
      this.#streamReady = true;
    }
    return this.#nc;
  }

  /** Publish the session's batch in flight, or its next one; true when one was acknowledged. */
  async #publishNext(nc: NatsConnection, session: EmitterSession): Promise<boolean> {
    if (session.inFlight === null && session.lines.lines === 0) return false;
    const js = await import("@nats-io/jetstream");
    const nats = await import("@nats-io/transport-node");
    if (session.last === null) {
      const last = await this.#lastKey(nc, session.subject);
      // The lines queued meanwhile were numbered from 1: number them after the stream's last
      // (longer numbers: the bytes waiting are counted again).
      if (last.seq !== 0 && session.lines.lines > 0) {
        const before = session.lines.byteLength;
        session.lines.renumber(0, last.seq + 1);
        this.#bufferedBytes += session.lines.byteLength - before;
      }
      session.nextSeq = last.seq + 1 + session.lines.lines;
      session.last = last;
    }
    if (session.inFlight === null) session.inFlight = this.#nextBatch(session, session.last);
    const batch = session.inFlight;
    const headers = nats.headers();
    for (const [name, value] of batch.headers) headers.set(name, value);
    const ack = await js.jetstream(nc).publish(session.subject, batch.data, {
      msgID: batch.msgId,
      headers,
      timeout: this.#options.publishTimeoutMs ?? 5000,
    });
    if (ack.duplicate) this.#stats.duplicates++;
    session.inFlight = null;
    const released = session.lines.consume(batch.lines);
    this.#bufferedBytes -= released.eventBytes;
    // A drained queue gives its memory back: a process with many sessions, each idle most of
    // the time, must not keep a buffer (64 KiB or more) for every session it ever had.
    if (session.lines.lines === 0) session.lines = new LineBuffer();
    this.#stats.acknowledged += batch.lines;
    this.#buffered -= batch.lines;
    this.#settle();
    return true;
  }

  /** The key of the last line the stream holds for `subject` (the start when none). */
  async #lastKey(nc: NatsConnection, subject: string): Promise<LineKey> {
    const js = await import("@nats-io/jetstream");
    const jsm = await js.jetstreamManager(nc);
    // `null` when the stream holds nothing for the subject.
    const stored = await jsm.streams.getMessage(this.#stream, { last_by_subj: subject });
    return parseLineKey(stored?.header?.get(FLEET_BATCH_HEADERS.lastKey)) ?? START_LINE_KEY;
  }

  /** Cut the next batch off the session's queue, numbering its lines after `previous`. */
  #nextBatch(session: EmitterSession, previous: LineKey): Batch {
    const queued = session.lines;
    const lines = queued.fit(this.#batchBytes, queued.lines);
    // A copy: a retry must publish the same bytes, whatever the buffer does meanwhile.
    const data = queued.front(queued.bytesOf(lines)).slice();
    const seq = previous.seq + lines;
    const first = { seq: previous.seq + 1, n: 0 };
    const last = { seq, n: 0 };
    session.last = last;
    const description = {
      hostId: this.#options.hostId,
      sessionId: session.id,
      prevKey: previous,
      firstKey: first,
      lastKey: last,
      lines,
      offset: null,
    };
    return {
      data,
      lines,
      msgId: fleetBatchMessageId(this.#options.hostId, session.id, first, last),
      headers: fleetBatchHeaders(description),
      last,
    };
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
