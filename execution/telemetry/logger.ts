/**
 * `JsonlExecutionLogger`: writes execution events as JSONL, one file per
 * session (`<baseDir>/<session_id>.jsonl`), fast enough to leave on in
 * production and without ever disturbing execution.
 *
 * How it works, in one paragraph: `emit()` encodes the event at once (so
 * later mutation of the event cannot change what is written), as UTF-8
 * bytes straight into the session's in-memory queue (`SessionQueue`), with
 * the next `seq`; nothing else happens on the caller's path. A batch is written when a session has
 * `batchBytes` queued (scheduled as a microtask, so even a loop of `await`s on
 * already-settled promises makes progress) or after `flushIntervalMs`. Each
 * session file (`SessionFile`) has one `WritableStream` whose chunks are
 * batches of whole lines; its sink appends a batch with a single `write(2)` on
 * a file opened with `O_APPEND`, which keeps lines from two processes apart.
 * `seq` continues from the last `seq` found in the file (the queue is
 * renumbered once when the file is first opened); the sink writes under an
 * exclusive file lock and renumbers the batch if another process appended
 * since, so `seq` rises over the whole file.
 *
 * Each session file rotates into closed segments (`SessionFile`: by size, at
 * the UTC day boundary, or on `rotate()`), compressed off the hot path by a
 * worker (`SegmentCompactor`); readers still see one session.
 *
 * This module routes events to their session, holds the memory cap (and what
 * happens at it: `onFull`), the flush timer, the open-file cap and the
 * counters, and runs `flush()`, `close()`, `rotate()` and the exit flush over
 * all sessions.
 *
 * @module
 */
import type { ExecutionEvent, ExecutionEventEmitter } from "../events.ts";
import { sessionFilePath } from "../log_root.ts";
import { InvalidSessionIdError, isValidSessionId } from "../session_id.ts";
import { registerExitFlush } from "./exit_hooks.ts";
import { writeEventLine, writeTimedEventLine } from "./line_encoder.ts";
import { EMIT_TIMED, type TimedEventSink } from "../timed_emit.ts";
import type { EventKind } from "../event_kinds.ts";
import {
  type JsonlExecutionLoggerOptions,
  type LoggerSettings,
  resolveLoggerSettings,
} from "./options.ts";
import { describeError, ProblemReporter } from "./problem_reporter.ts";
import { SessionQueue, type SessionQueueHost } from "./session_queue.ts";
import { TelemetryCounters, type TelemetryStats } from "./stats.ts";
import { SegmentCompactor } from "./segment_compactor.ts";

/** How long `close()` waits for closed segments to be compressed (the next writer finishes them). */
const COMPACTION_WAIT_MS = 60_000;

/**
 * `open`: events are queued; `exited`: the exit flush has run, so the process
 * is ending and each later emit() is written at once; `closed`: `close()` was
 * called, later emit() calls are dropped.
 */
type Phase = "open" | "exited" | "closed";

/**
 * Writes execution events as JSONL, one file per session: batched, bounded in
 * memory, safe against concurrent appenders and crashes, and never throwing
 * into the caller. See `docs/telemetry.md` for the guarantees of each mode.
 *
 * @example
 * ```ts
 * import { formatWireTimestamp, JsonlExecutionLogger } from "@peak-trade/execution";
 * const logger = new JsonlExecutionLogger({ baseDir: "logs/execution" });
 * logger.emit({
 *   ts: formatWireTimestamp(new Date()), session_id: "paper-1", symbol: "BTC-USD",
 *   mode: "paper", kind: "intent",
 *   payload: { side: "buy", quantity: 0.4, current_price: 100_000, strategy_key: null },
 * });
 * await logger.close();
 * console.log(logger.stats.written); // 1
 * ```
 */
export class JsonlExecutionLogger implements ExecutionEventEmitter, TimedEventSink {
  readonly #settings: LoggerSettings;
  readonly #counters = new TelemetryCounters();
  readonly #reporter: ProblemReporter;
  /** What every session queue and file of this logger shares. */
  readonly #host: SessionQueueHost;
  readonly #queues = new Map<string, SessionQueue>();
  /** The queue of the last event's session (queues are never removed from `#queues`). */
  #lastSessionId: unknown = undefined;
  #lastQueue: SessionQueue | null = null;
  #phase: Phase = "open";
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closing: Promise<void> | null = null;
  /** Removes the exit flush registration; `null` without `flushOnExit`. */
  readonly #unregisterExitFlush: (() => void) | null;
  /** Compresses closed segments off the hot path. */
  readonly #compactor: SegmentCompactor;

  /** Create a logger; nothing is opened until the first event of a session is written. */
  constructor(options: JsonlExecutionLoggerOptions = {}) {
    const settings = resolveLoggerSettings(options);
    this.#settings = settings;
    this.#reporter = new ProblemReporter(settings.onError, settings.errorReportIntervalMs);
    this.#compactor = new SegmentCompactor((job, error) => {
      this.#counters.errors++;
      this.#reporter.report(
        null,
        new Error(error),
        `could not ${job.kind === "compact" ? `compress segment ${job.index} of` : "repair"} ` +
          `session ${job.sessionId}: ${error} (its plain copy is kept and read as it is; the ` +
          `next writer retries)`,
      );
    });
    this.#host = {
      settings,
      counters: this.#counters,
      reporter: this.#reporter,
      compactor: this.#compactor,
      makeRoomToOpen: (opening) => this.#makeRoomToOpen(opening),
      requestFlushTimer: () => this.#requestFlushTimer(),
    };
    this.#unregisterExitFlush = settings.flushOnExit
      ? registerExitFlush(() => {
        if (this.#phase === "open") this.#phase = "exited";
        this.#writeAllSync();
      }, settings.handleSignals)
      : null;
  }

  /** The log root this logger writes under. */
  get baseDir(): string {
    return this.#settings.baseDir;
  }

  /** A snapshot of the counters (see {@linkcode TelemetryStats}). */
  get stats(): TelemetryStats {
    let openFiles = 0;
    for (const queue of this.#queues.values()) if (queue.file.isOpen) openFiles++;
    return this.#counters.snapshot(openFiles);
  }

  /**
   * The file a session's events are written to.
   *
   * @throws {InvalidSessionIdError} when `sessionId` is not a valid session id.
   */
  pathFor(sessionId: string): string {
    return sessionFilePath(this.#settings.baseDir, sessionId);
  }

  /**
   * Queue one event for its session file. Synchronous, no I/O, never throws.
   *
   * HOT PATH: one map lookup, the line written as bytes into the session's
   * queue (with the next `seq`), a size check and a commit.
   */
  emit(event: ExecutionEvent): void {
    this.#enqueue(
      event.session_id,
      event,
      Number.NaN,
      event.symbol,
      event.mode,
      event.kind,
      event.payload,
    );
  }

  /**
   * The pipeline's fast path (`timed_emit.ts`): the same as `emit()` of the
   * event with `ts: formatWireTimestamp(micros)`, without building it.
   */
  [EMIT_TIMED](
    micros: number,
    sessionId: string,
    symbol: string,
    mode: string,
    kind: EventKind,
    payload: Record<string, unknown>,
  ): void {
    this.#enqueue(sessionId, null, micros, symbol, mode, kind, payload);
  }

  /** Queue an event, given whole (`event`) or as its fields and time (`micros`). */
  #enqueue(
    sessionId: unknown,
    event: ExecutionEvent | null,
    micros: number,
    symbol: unknown,
    mode: unknown,
    kind: unknown,
    payload: unknown,
  ): void {
    const counters = this.#counters;
    try {
      if (this.#phase === "closed") {
        counters.dropped++;
        this.#reporter.report(
          null,
          new Error("emit() after close()"),
          "an event was emitted after close() and dropped (close the logger after the last execution)",
        );
        return;
      }
      // The session of the last event first: a process mostly writes one session at a time.
      let queue = sessionId === this.#lastSessionId && this.#lastQueue !== null
        ? this.#lastQueue
        : this.#queues.get(sessionId as string);
      if (queue === undefined) {
        if (!isValidSessionId(sessionId)) {
          counters.refused++;
          const error = new InvalidSessionIdError(sessionId);
          this.#reporter.report(null, error, `refused an event: ${error.message}`);
          return;
        }
        queue = new SessionQueue(sessionId, this.pathFor(sessionId), this.#host);
        this.#queues.set(sessionId, queue);
      }
      this.#lastSessionId = sessionId;
      this.#lastQueue = queue;
      if (queue.refused) {
        counters.refused++;
        return;
      }
      // Encoded now (so later mutation of the event changes nothing), behind the queue's last
      // line; it is queued by the commit below.
      const lines = queue.lines;
      let end = encodeLine(queue, event, micros, sessionId, symbol, mode, kind, payload);
      let size = end - lines.end;
      const cap = this.#settings.maxBufferedBytes;
      if (counters.bufferedBytes + size > cap) {
        // Backpressure: the caller waits for the disk instead of losing the event.
        if (this.#settings.onFull === "block") {
          this.#writeHealthySync();
          end = -1; // the queue moved: encode again below
        }
        if (counters.bufferedBytes + size > cap) {
          counters.dropped++;
          queue.noteDrop(String(symbol), String(mode));
          this.#requestFlushTimer();
          return;
        }
      }
      if (end < 0 || queue.hasOpenDrop) {
        // The report of earlier drops goes first, and takes the seq before this event's.
        queue.closeDropRun();
        end = encodeLine(queue, event, micros, sessionId, symbol, mode, kind, payload);
        size = end - lines.end;
      }
      lines.commit(end);
      counters.bufferedBytes += size;
      counters.buffered++;
      if (this.#phase === "exited") {
        // After the exit flush (from another `unload` listener, say): no later turn will
        // come, so write it now.
        this.#writeAllSync();
        return;
      }
      if (queue.queuedBytes >= this.#settings.batchBytes && !queue.failing) {
        queue.scheduleDrain();
      } else {
        this.#requestFlushTimer();
      }
    } catch (error) {
      // An unencodable payload (a bigint, a cycle) or a bug: never the caller's problem.
      counters.dropped++;
      counters.errors++;
      this.#reporter.report(
        null,
        error,
        `could not encode an event (${describeError(error)}); it was dropped`,
      );
    }
  }

  /**
   * Write everything emitted so far (and retry failed sessions now). Resolves
   * when every batch has been handed to the operating system (with `fsync`:
   * is on disk), or has failed and stays queued; never rejects. Check
   * `stats` for errors.
   */
  async flush(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.drain()));
  }

  /**
   * Close the session's active file into a segment now (after writing what
   * is queued for it), as the size and daily triggers do; the segment is
   * compressed off the hot path. A session without a file (or with an empty
   * one) has nothing to rotate. Never rejects; problems go to `onError`.
   *
   * @throws {InvalidSessionIdError} when `sessionId` is not a valid session id.
   */
  async rotate(sessionId: string): Promise<void> {
    if (!isValidSessionId(sessionId)) throw new InvalidSessionIdError(sessionId);
    if (this.#phase === "closed") return;
    let queue = this.#queues.get(sessionId);
    if (queue === undefined) {
      queue = new SessionQueue(sessionId, this.pathFor(sessionId), this.#host);
      this.#queues.set(sessionId, queue);
    }
    await queue.rotate();
  }

  /**
   * Flush, then close every file and stop the timer, and wait for closed
   * segments to be compressed. Events still unwritten (the disk keeps
   * failing) are counted as dropped. Later `emit()` calls are dropped and
   * counted. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    this.#phase = "closed";
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    await this.flush();
    for (const queue of this.#queues.values()) await queue.close();
    await this.#compactor.idle(COMPACTION_WAIT_MS);
    this.#unregisterExitFlush?.();
  }

  /** Under backpressure: write every session whose disk works, synchronously. */
  #writeHealthySync(): void {
    for (const queue of this.#queues.values()) {
      if (!queue.failing && !queue.refused) queue.writeAllSync("backpressure");
    }
  }

  /** Make sure queued events are written within `flushIntervalMs` (not after close()). */
  #requestFlushTimer(): void {
    if (this.#timer !== null || this.#phase === "closed") return;
    const timer = setTimeout(() => {
      this.#timer = null;
      for (const queue of this.#queues.values()) {
        if (queue.hasPending) void queue.drain();
      }
    }, this.#settings.flushIntervalMs);
    // A pending flush must not keep the process alive: the exit hook writes what is left.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Before opening a file for `opening`: keep at most `maxOpenFiles` open. */
  #makeRoomToOpen(opening: SessionQueue): void {
    let open = 0;
    let victim: SessionQueue | null = null;
    for (const queue of this.#queues.values()) {
      if (!queue.file.isOpen) continue;
      open++;
      const idle = queue !== opening && queue.idle;
      if (idle && (victim === null || queue.lastUsed < victim.lastUsed)) victim = queue;
    }
    if (open >= this.#settings.maxOpenFiles && victim !== null) victim.file.closeSync();
  }

  /** The exit path: write every session's unwritten lines synchronously. */
  #writeAllSync(): void {
    for (const queue of this.#queues.values()) queue.writeAllSync();
  }
}

/**
 * An event's line written behind `queue`'s last line, not yet committed (given whole, or as its
 * fields and time for the pipeline's fast path); returns where the line ends.
 */
function encodeLine(
  queue: SessionQueue,
  event: ExecutionEvent | null,
  micros: number,
  sessionId: unknown,
  symbol: unknown,
  mode: unknown,
  kind: unknown,
  payload: unknown,
): number {
  return event !== null
    ? writeEventLine(queue.lines, event, queue.nextSeq, queue.envelopes)
    : writeTimedEventLine(
      queue.lines,
      micros,
      sessionId as string,
      symbol as string,
      mode as string,
      kind as string,
      payload as Record<string, unknown>,
      queue.nextSeq,
      queue.envelopes,
    );
}
