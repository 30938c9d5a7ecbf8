/**
 * `JsonlExecutionLogger`: writes execution events as JSONL, one file per
 * session (`<baseDir>/<session_id>.jsonl`), fast enough to leave on in
 * production and without ever disturbing execution.
 *
 * How it works, in one paragraph: `emit()` encodes the event into a string
 * at once (so later mutation of the event cannot change what is written) and
 * appends it to the session's in-memory queue; nothing else happens on the
 * caller's path. A batch is written when a session has `batchBytes` queued
 * (scheduled as a microtask, so even a loop of `await`s on already-settled
 * promises makes progress) or after `flushIntervalMs`. Each session file has
 * one `WritableStream` whose chunks are batches of whole lines; its sink
 * appends a batch with a single `write(2)` on a file opened with `O_APPEND`,
 * which keeps lines from two processes apart. `seq` is assigned when a batch
 * is built, in file order, continuing from the last `seq` found in the file;
 * the sink writes under an exclusive file lock and renumbers the batch if
 * another process appended since, so `seq` rises over the whole file.
 *
 * @module
 */
import { encodeEventLinePrefix, encodeLinePrefix } from "./event_line.ts";
import type { ExecutionEvent, ExecutionEventEmitter } from "./events.ts";
import { formatWireTimestamp } from "./wire_time.ts";
import { DEFAULT_LOG_DIR } from "./log_root.ts";
import { assertValidSessionId, InvalidSessionIdError, isValidSessionId } from "./session_id.ts";

/**
 * A report of a telemetry problem (a disk error, a refused path, a dropped
 * event), handed to {@linkcode JsonlExecutionLoggerOptions.onError}.
 *
 * @example
 * ```ts
 * import type { TelemetryErrorReport } from "@peak-trade/execution";
 * const report: TelemetryErrorReport = {
 *   message: "peak-trade telemetry: cannot write logs/execution/s1.jsonl: …",
 *   path: "logs/execution/s1.jsonl",
 *   error: new Error("No space left on device"),
 *   suppressed: 0,
 * };
 * ```
 */
export interface TelemetryErrorReport {
  /** One line a person can act on: what failed, what happens to the events, what to check. */
  message: string;
  /** The session file concerned, or `null` when the problem is not tied to one file. */
  path: string | null;
  /** The underlying error. */
  error: unknown;
  /** How many problems were not reported since the previous report (rate limiting). */
  suppressed: number;
}

/**
 * Counters of a {@linkcode JsonlExecutionLogger}; all are event counts unless
 * the name says otherwise.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger } from "@peak-trade/execution";
 * const logger = new JsonlExecutionLogger();
 * const { written, dropped, errors, refused } = logger.stats;
 * console.log(written, dropped, errors, refused); // 0 0 0 0
 * await logger.close();
 * ```
 */
export interface TelemetryStats {
  /** Events written to their session file (the logger's own `TELEMETRY_DROPPED` reports excluded). */
  written: number;
  /** Events lost: beyond the buffer cap, emitted after `close()`, unencodable, or still unwritten at close. */
  dropped: number;
  /** Failed attempts: opening or writing a file, fsync, encoding an event. */
  errors: number;
  /** Events refused because of an invalid session id or an unsafe session file (a symlink). */
  refused: number;
  /** Events waiting in memory to be written. */
  buffered: number;
  /** Approximate size of the events waiting in memory, in bytes (UTF-16 code units). */
  bufferedBytes: number;
  /** Session files currently open. */
  openFiles: number;
}

/**
 * Options of {@linkcode JsonlExecutionLogger}.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger, type JsonlExecutionLoggerOptions } from "@peak-trade/execution";
 * const options: JsonlExecutionLoggerOptions = { baseDir: "logs/execution", fsync: true };
 * const logger = new JsonlExecutionLogger(options);
 * await logger.close();
 * ```
 */
export interface JsonlExecutionLoggerOptions {
  /**
   * The log root: session files are `<baseDir>/<session_id>.jsonl`. Created
   * on the first write.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /**
   * A session's queue is written as soon as it holds this many bytes of
   * encoded lines.
   * @default {65536}
   */
  batchBytes?: number;
  /**
   * Whatever is queued is written at the latest this many milliseconds after
   * it was emitted (also the retry delay after a disk error).
   * @default {100}
   */
  flushIntervalMs?: number;
  /**
   * Memory cap over all sessions, in bytes of encoded lines. Events emitted
   * while the cap is reached are dropped and counted, and a `TELEMETRY_DROPPED`
   * error event with the count is written once writing resumes.
   * @default {16777216} (16 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Call `fdatasync` after every batch, so that a resolved `flush()` means the
   * events are on disk, not only in the operating system's cache.
   * @default {false}
   */
  fsync?: boolean;
  /**
   * Write what is still queued when the process exits normally: end of the
   * script, `Deno.exit()`, and (with `handleSignals`) SIGINT and SIGTERM.
   * @default {true}
   */
  flushOnExit?: boolean;
  /**
   * Listen for SIGINT and SIGTERM: write what is queued, then exit with
   * 130 / 143 as the default action would. Pass `false` when the program
   * handles these signals itself (and call `close()` in its handler).
   * Only used when `flushOnExit` is true.
   * @default {true}
   */
  handleSignals?: boolean;
  /**
   * Session files kept open at most; beyond it the least recently written
   * idle file is closed (and reopened, with its seq, when needed again).
   * @default {32}
   */
  maxOpenFiles?: number;
  /**
   * Receives problem reports, at most one per `errorReportIntervalMs`.
   * @default writes `report.message` to standard error
   */
  onError?: (report: TelemetryErrorReport) => void;
  /**
   * Minimum time between two problem reports; problems in between are
   * counted in the next report's `suppressed`.
   * @default {60000}
   */
  errorReportIntervalMs?: number;
}

const DEFAULT_BATCH_BYTES = 64 * 1024;
const DEFAULT_FLUSH_INTERVAL_MS = 100;
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const DEFAULT_ERROR_REPORT_INTERVAL_MS = 60_000;
const DEFAULT_MAX_OPEN_FILES = 32;
/** Upper bound of one write: large enough to amortise the syscall, small enough to hold the file lock briefly. */
const MAX_WRITE_BYTES = 1024 * 1024;
/** ASCII lines are joined into strings of about this many characters before encoding. */
const RUN_CHARS = 16 * 1024;
/** First size of the reusable encode buffer. */
const MIN_SCRATCH_BYTES = 64 * 1024;
/** Step of the backwards scan for the last `seq` of an existing file. */
const TAIL_CHUNK_BYTES = 64 * 1024;
/** The backwards scan gives up (and starts at seq 1) after this many bytes without a `seq`. */
const MAX_TAIL_SCAN_BYTES = 64 * 1024 * 1024;
/** Attempts to finish one batch after short writes, before it is treated as an error. */
const MAX_SHORT_WRITES = 8;
const NEWLINE = 0x0a;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

const encoder = new TextEncoder();

/** A run of events lost to the buffer cap, kept in the queue where the gap is. */
class DropMarker {
  count = 1;
  constructor(readonly symbol: string, readonly mode: string) {}
}

/** The line prefix of an event with a character above U+007F (see `#encodeBatch`). */
class NonAsciiLine {
  constructor(readonly text: string) {}
  get length(): number {
    return this.text.length;
  }
}

/**
 * A queued event, its line prefix (see `encodeEventLinePrefix`) as a plain
 * string when it is pure ASCII; or a run of drops.
 */
type QueuedItem = string | NonAsciiLine | DropMarker;

/** One chunk of a session's stream: whole encoded lines and, after the write, its outcome. */
interface LineBatch {
  bytes: Uint8Array;
  /** The queued items `[from, from + count)` the bytes encode, to renumber them if needed. */
  items: QueuedItem[];
  from: number;
  count: number;
  /** The seq just before the batch's first line. */
  seqBefore: number;
  /** Bytes of complete lines handed to the kernel. */
  written: number;
  error: unknown;
  /** Completely written (by the stream or by the exit path): never written again. */
  done: boolean;
}

/** State of one session file. */
interface SessionSink {
  readonly sessionId: string;
  readonly path: string;
  /** Queued events and drop markers, oldest first. */
  pending: QueuedItem[];
  pendingChars: number;
  /** Last seq handed out for this file. */
  seq: number;
  file: Deno.FsFile | null;
  ino: number | null;
  dev: number;
  /** Size of the file after our last write: if it differs, another process appended. */
  size: number;
  writer: WritableStreamDefaultWriter<LineBatch> | null;
  /** The file ends inside a line (a crash or a short write): the next write starts with `\n`. */
  torn: boolean;
  /** Batches handed to the stream whose outcome the drain has not collected yet. */
  queued: Set<LineBatch>;
  /**
   * The items a drain took from `pending` and has not encoded into a batch
   * yet: `items[next..]`. They wait for the write before them, so the exit
   * path must write them (after `queued`, before `pending`).
   */
  inflight: { items: QueuedItem[]; next: number } | null;
  draining: Promise<void> | null;
  /** Logical time of the last drain, for closing the least recently used file. */
  lastUsed: number;
  rerun: boolean;
  drainScheduled: boolean;
  failing: boolean;
  refused: boolean;
}

/** The path resolves to something we must not write through (a symlink, a swapped file). */
class UnsafeSessionFileError extends Error {
  constructor(path: string, why: string) {
    super(`refusing to write ${path}: ${why}`);
    this.name = "UnsafeSessionFileError";
  }
}

/**
 * Process-wide exit hooks, shared by all loggers: one `unload` listener and,
 * while a logger with `handleSignals` is open, one SIGINT and one SIGTERM
 * listener. Each open logger registers its synchronous flush here.
 */
const exitFlushers = new Set<() => void>();
let unloadHookInstalled = false;
let signalUsers = 0;
const signalHandlers: [Deno.Signal, () => void][] = [];

function runExitFlushers(): void {
  for (const flush of exitFlushers) {
    try {
      flush();
    } catch {
      // An exit path must never throw; the logger counted the error already.
    }
  }
}

function installExitHooks(handleSignals: boolean): void {
  if (!unloadHookInstalled) {
    globalThis.addEventListener("unload", runExitFlushers);
    unloadHookInstalled = true;
  }
  if (!handleSignals) return;
  if (signalUsers++ > 0) return;
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    const handler = (): void => {
      runExitFlushers();
      Deno.exit(code);
    };
    try {
      Deno.addSignalListener(signal, handler);
      signalHandlers.push([signal, handler]);
    } catch {
      // Not every platform knows every signal (Windows has no SIGTERM listener).
    }
  }
}

function releaseSignalHooks(): void {
  if (--signalUsers > 0) return;
  for (const [signal, handler] of signalHandlers.splice(0)) {
    try {
      Deno.removeSignalListener(signal, handler);
    } catch {
      // Already gone.
    }
  }
}

function defaultOnError(report: TelemetryErrorReport): void {
  try {
    Deno.stderr.writeSync(encoder.encode(report.message + "\n"));
  } catch {
    // Nowhere left to report to.
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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
export class JsonlExecutionLogger implements ExecutionEventEmitter {
  readonly #baseDir: string;
  readonly #batchChars: number;
  readonly #flushIntervalMs: number;
  readonly #maxBufferedChars: number;
  readonly #maxOpenFiles: number;
  readonly #fsync: boolean;
  readonly #onError: (report: TelemetryErrorReport) => void;
  readonly #errorReportIntervalMs: number;
  readonly #handleSignals: boolean;
  /** The exit flush has run: the process is ending, and each later emit() is written at once. */
  #exited = false;
  readonly #exitFlusher: (() => void) | null;

  readonly #sinks = new Map<string, SessionSink>();
  #bufferedChars = 0;
  #buffered = 0;
  #written = 0;
  #dropped = 0;
  #errors = 0;
  #refused = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  #nextReportAt = 0;
  #suppressed = 0;
  #useClock = 0;
  /** Reused by every batch encode (see `#encodeBatch`); grows to the largest batch. */
  #scratch = new Uint8Array(0);

  /** Create a logger; nothing is opened until the first event of a session is written. */
  constructor(options: JsonlExecutionLoggerOptions = {}) {
    this.#baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
    this.#batchChars = positive(options.batchBytes, DEFAULT_BATCH_BYTES);
    this.#flushIntervalMs = positive(options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS);
    this.#maxBufferedChars = positive(options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES);
    this.#maxOpenFiles = Math.floor(positive(options.maxOpenFiles, DEFAULT_MAX_OPEN_FILES));
    this.#fsync = options.fsync ?? false;
    this.#onError = options.onError ?? defaultOnError;
    this.#errorReportIntervalMs = Math.max(
      0,
      options.errorReportIntervalMs ?? DEFAULT_ERROR_REPORT_INTERVAL_MS,
    );
    const flushOnExit = options.flushOnExit ?? true;
    this.#handleSignals = flushOnExit && (options.handleSignals ?? true);
    if (flushOnExit) {
      this.#exitFlusher = () => {
        this.#exited = true;
        this.#flushSync();
      };
      exitFlushers.add(this.#exitFlusher);
      installExitHooks(this.#handleSignals);
    } else {
      this.#exitFlusher = null;
    }
  }

  /** The log root this logger writes under. */
  get baseDir(): string {
    return this.#baseDir;
  }

  /** A snapshot of the counters (see {@linkcode TelemetryStats}). */
  get stats(): TelemetryStats {
    let openFiles = 0;
    for (const sink of this.#sinks.values()) if (sink.file !== null) openFiles++;
    return {
      written: this.#written,
      dropped: this.#dropped,
      errors: this.#errors,
      refused: this.#refused,
      buffered: this.#buffered,
      bufferedBytes: this.#bufferedChars,
      openFiles,
    };
  }

  /**
   * The file a session's events are written to.
   *
   * @throws {InvalidSessionIdError} when `sessionId` is not a valid session id.
   */
  pathFor(sessionId: string): string {
    assertValidSessionId(sessionId);
    return `${this.#baseDir.replace(/[\\/]+$/, "")}/${sessionId}.jsonl`;
  }

  /**
   * Queue one event for its session file; `seq` is assigned when it is
   * written. Synchronous, no I/O, never throws.
   *
   * HOT PATH: one map lookup, one encode, one array push.
   */
  emit(event: ExecutionEvent): void {
    try {
      if (this.#closed) {
        this.#dropped++;
        this.#problem(
          null,
          new Error("emit() after close()"),
          "an event was emitted after close() and dropped (close the logger after the last execution)",
        );
        return;
      }
      const sessionId = event.session_id;
      let sink = this.#sinks.get(sessionId);
      if (sink === undefined) {
        if (!isValidSessionId(sessionId)) {
          this.#refused++;
          const error = new InvalidSessionIdError(sessionId);
          this.#problem(null, error, `refused an event: ${error.message}`);
          return;
        }
        sink = this.#newSink(sessionId);
        this.#sinks.set(sessionId, sink);
      }
      if (sink.refused) {
        this.#refused++;
        return;
      }
      const encoded = encodeLinePrefix(event);
      const line = encoded.ascii ? encoded.line : new NonAsciiLine(encoded.line);
      if (this.#bufferedChars + line.length > this.#maxBufferedChars) {
        this.#drop(sink, event);
        return;
      }
      sink.pending.push(line);
      sink.pendingChars += line.length;
      this.#bufferedChars += line.length;
      this.#buffered++;
      if (this.#exited) {
        // After the exit flush (from another `unload` listener, say): no later turn will
        // come, so write it now.
        this.#flushSync();
        return;
      }
      if (sink.pendingChars >= this.#batchChars && !sink.failing) {
        if (!sink.drainScheduled) {
          sink.drainScheduled = true;
          queueMicrotask(() => {
            sink.drainScheduled = false;
            void this.#drain(sink);
          });
        }
      } else if (this.#timer === null) {
        this.#armTimer();
      }
    } catch (error) {
      // An unencodable payload (a bigint, a cycle) or a bug: never the caller's problem.
      this.#dropped++;
      this.#errors++;
      this.#problem(
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
    await Promise.all([...this.#sinks.values()].map((sink) => this.#drain(sink)));
  }

  /**
   * Flush, then close every file and stop the timer. Events still unwritten
   * (the disk keeps failing) are counted as dropped. Later `emit()` calls are
   * dropped and counted. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    await this.flush();
    for (const sink of this.#sinks.values()) {
      // A flush() called while closing may have started a drain since: let it finish first.
      while (sink.draining !== null) await sink.draining;
      this.#dropped += this.#releasePending(sink);
      await this.#closeFile(sink);
    }
    if (this.#exitFlusher !== null) {
      exitFlushers.delete(this.#exitFlusher);
      if (this.#handleSignals) releaseSignalHooks();
    }
  }

  #newSink(sessionId: string): SessionSink {
    return {
      sessionId,
      path: this.pathFor(sessionId),
      pending: [],
      pendingChars: 0,
      seq: 0,
      file: null,
      ino: null,
      dev: 0,
      size: 0,
      writer: null,
      torn: false,
      queued: new Set(),
      inflight: null,
      draining: null,
      lastUsed: 0,
      rerun: false,
      drainScheduled: false,
      failing: false,
      refused: false,
    };
  }

  #drop(sink: SessionSink, event: ExecutionEvent): void {
    this.#dropped++;
    const last = sink.pending[sink.pending.length - 1];
    if (last instanceof DropMarker) {
      last.count++;
    } else {
      sink.pending.push(new DropMarker(String(event.symbol), String(event.mode)));
    }
    if (!sink.failing && !sink.drainScheduled && sink.draining === null) {
      // The cap was reached while the disk is healthy: write now instead of waiting.
      sink.drainScheduled = true;
      queueMicrotask(() => {
        sink.drainScheduled = false;
        void this.#drain(sink);
      });
    }
    if (this.#timer === null) this.#armTimer();
  }

  #armTimer(): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timer = null;
      for (const sink of this.#sinks.values()) {
        if (sink.pending.length > 0) void this.#drain(sink);
      }
    }, this.#flushIntervalMs);
    // A pending flush must not keep the process alive: the exit hook writes what is left.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /**
   * Run (or join) the session's drain loop; one drain per session at a time.
   * A joiner sets `rerun`, so what it saw queued is written before the
   * promise resolves.
   */
  #drain(sink: SessionSink): Promise<void> {
    if (sink.draining !== null) {
      sink.rerun = true;
      return sink.draining;
    }
    if (sink.pending.length === 0) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    sink.draining = promise;
    void this.#drainLoop(sink, resolve);
    return promise;
  }

  async #drainLoop(sink: SessionSink, done: () => void): Promise<void> {
    try {
      do {
        sink.rerun = false;
        await this.#drainOnce(sink);
      } while (sink.rerun && sink.pending.length > 0 && !sink.failing && !sink.refused);
    } catch (error) {
      // A bug, not a disk error (those are handled where they happen): never unhandled.
      this.#errors++;
      this.#problem(sink.path, error, `telemetry drain failed: ${describeError(error)}`);
    } finally {
      // Cleared in the same turn as the loop's last check: an event emitted after it starts a
      // new drain instead of joining one that will not look at the queue again.
      sink.draining = null;
      done();
    }
    if (sink.pending.length > 0 && this.#timer === null) this.#armTimer();
  }

  async #drainOnce(sink: SessionSink): Promise<void> {
    if (sink.pending.length === 0 || sink.refused) return;
    sink.lastUsed = ++this.#useClock;
    const inflight = { items: sink.pending, next: 0 };
    sink.pending = [];
    sink.pendingChars = 0;
    sink.inflight = inflight;
    try {
      await this.#writeInflight(sink, inflight);
    } finally {
      if (sink.inflight === inflight) sink.inflight = null;
    }
  }

  /**
   * Write `inflight.items[next..]` in batches of at most `MAX_WRITE_BYTES`,
   * one at a time. `next` moves past a batch when it is encoded, so at any
   * await the unwritten items are the stream's `queued` batch followed by
   * `items[next..]`: what the exit path writes if the process ends here.
   */
  async #writeInflight(
    sink: SessionSink,
    inflight: { items: QueuedItem[]; next: number },
  ): Promise<void> {
    const items = inflight.items;
    while (inflight.next < items.length) {
      const start = inflight.next;
      try {
        // Before every batch: a batch may follow another by a while (fsync), in which time
        // the file may have been removed or replaced; then it is reopened (or created).
        this.#openSync(sink);
      } catch (error) {
        this.#requeue(sink, items, start);
        inflight.next = items.length;
        this.#openFailed(sink, error);
        return;
      }
      const batch = this.#encodeBatch(sink, items, start, items.length, MAX_WRITE_BYTES);
      inflight.next = start + batch.count;
      sink.queued.add(batch);
      try {
        await sink.writer!.write(batch);
      } catch (error) {
        batch.error ??= error;
      }
      sink.queued.delete(batch);
      // The exit path took over (and wrote) the rest: nothing is left to this drain.
      if (sink.inflight !== inflight) return;
      const lines = batch.written === batch.bytes.length
        ? inflight.next - start
        : countNewlines(batch.bytes, batch.written);
      this.#accountWritten(items, start, start + lines);
      if (batch.error !== null) {
        sink.seq = batch.seqBefore + lines;
        this.#requeue(sink, items, start + lines);
        inflight.next = items.length;
        sink.failing = true;
        this.#problem(
          sink.path,
          batch.error,
          `cannot write ${sink.path}: ${describeError(batch.error)}; ${this.#buffered} events ` +
            `kept in memory and retried every ${this.#flushIntervalMs} ms (check that the ` +
            `directory exists, is writable and the disk has space)`,
        );
        return;
      }
    }
    sink.failing = false;
  }

  /** Put `items[from..]` back at the front of the session's queue (a failed drain). */
  #requeue(sink: SessionSink, items: QueuedItem[], from: number): void {
    const rest = items.slice(from);
    for (const item of rest) {
      if (!(item instanceof DropMarker)) sink.pendingChars += item.length;
    }
    sink.pending = rest.concat(sink.pending);
  }

  /**
   * Encode queued items `[from, end)` as complete lines, numbering them from
   * `sink.seq + 1` (and advancing it), until the batch holds `maxBytes`.
   *
   * HOT PATH: runs of ASCII lines are joined into one string and encoded into
   * a reusable buffer with one `encodeInto` (a memcpy for V8's one-byte
   * strings; a call per line costs more than the copy); a non-ASCII line is
   * encoded on its own, since it would turn a joined run into a two-byte
   * string that is slower to transcode. The batch is then copied out once.
   */
  #encodeBatch(
    sink: SessionSink,
    items: QueuedItem[],
    from: number,
    end: number,
    maxBytes: number,
  ): LineBatch {
    const seqBefore = sink.seq;
    let length = 0;
    let run = "";
    let i = from;
    for (; i < end && length + run.length < maxBytes; i++) {
      const item = items[i];
      const seq = ++sink.seq;
      if (typeof item === "string") {
        run += item + seq + "}\n";
        if (run.length < RUN_CHARS) continue;
      } else if (item instanceof NonAsciiLine) {
        length = this.#appendText(length, run);
        run = item.text + seq + "}\n";
      } else {
        length = this.#appendText(length, run);
        run = this.#dropReportLine(sink, item, seq);
      }
      length = this.#appendText(length, run);
      run = "";
    }
    length = this.#appendText(length, run);
    return {
      bytes: this.#scratch.slice(0, length),
      items,
      from,
      count: i - from,
      seqBefore,
      written: 0,
      error: null,
      done: false,
    };
  }

  /** Encode `text` into the scratch buffer at `length`; returns the new length. */
  #appendText(length: number, text: string): number {
    if (text === "") return length;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.#reserve(length, text.length * 3);
    return length + encoder.encodeInto(text, this.#scratch.subarray(length)).written;
  }

  /** Make room for `more` bytes after the first `length` of the scratch buffer. */
  #reserve(length: number, more: number): void {
    if (this.#scratch.length - length >= more) return;
    const grown = new Uint8Array(
      Math.max(this.#scratch.length * 2, length + more, MIN_SCRATCH_BYTES),
    );
    grown.set(this.#scratch.subarray(0, length));
    this.#scratch = grown;
  }

  /** The complete `TELEMETRY_DROPPED` line that stands for a run of dropped events. */
  #dropReportLine(sink: SessionSink, marker: DropMarker, seq: number): string {
    return encodeEventLinePrefix({
      ts: formatWireTimestamp(new Date()),
      session_id: sink.sessionId,
      symbol: marker.symbol,
      mode: marker.mode,
      kind: "error",
      payload: {
        error: `telemetry buffer full: ${marker.count} events dropped`,
        code: "TELEMETRY_DROPPED",
        stacktrace: null,
        dropped: marker.count,
      },
    }) + seq + "}\n";
  }

  /** Count items `[from, to)` as written and release their memory. */
  #accountWritten(items: QueuedItem[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const item = items[i];
      if (!(item instanceof DropMarker)) {
        this.#written++;
        this.#buffered--;
        this.#bufferedChars -= item.length;
      }
    }
  }

  /** Empty the session's queue; returns how many events it held (drop markers aside). */
  #releasePending(sink: SessionSink): number {
    let events = 0;
    for (const item of sink.pending) {
      if (!(item instanceof DropMarker)) {
        events++;
        this.#bufferedChars -= item.length;
      }
    }
    this.#buffered -= events;
    sink.pending = [];
    sink.pendingChars = 0;
    return events;
  }

  #openFailed(sink: SessionSink, error: unknown): void {
    if (error instanceof UnsafeSessionFileError) {
      sink.refused = true;
      this.#refused += this.#releasePending(sink);
      this.#problem(sink.path, error, `${error.message}; events of this session are refused`);
      return;
    }
    sink.failing = true;
    this.#errors++;
    this.#problem(
      sink.path,
      error,
      `cannot open ${sink.path}: ${describeError(error)}; ${this.#buffered} events kept in ` +
        `memory and retried every ${this.#flushIntervalMs} ms (check that ${this.#baseDir} ` +
        `is a writable directory)`,
    );
  }

  /**
   * Open the session file if needed (synchronously: once per file, off the
   * emit path), refusing symlinks and anything but a regular file, and
   * reopen it when it was removed or replaced since.
   */
  #openSync(sink: SessionSink): void {
    if (sink.file !== null) {
      let current: Deno.FileInfo | null = null;
      try {
        current = Deno.lstatSync(sink.path);
      } catch {
        // Removed (with its directory, perhaps): reopen below.
      }
      if (current !== null && current.ino === sink.ino && current.dev === sink.dev) return;
      this.#closeFileSync(sink);
    }
    this.#closeIdleFileIfFull(sink);
    Deno.mkdirSync(this.#baseDir, { recursive: true });
    let before: Deno.FileInfo | null = null;
    try {
      before = Deno.lstatSync(sink.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (before !== null) {
      if (before.isSymlink) throw new UnsafeSessionFileError(sink.path, "it is a symbolic link");
      if (!before.isFile) throw new Error(`${sink.path} exists and is not a regular file`);
    }
    // createNew (O_EXCL) never follows a symlink planted after the check above.
    const file = Deno.openSync(sink.path, {
      read: true,
      append: true,
      create: before === null,
      createNew: before === null,
    });
    try {
      const info = file.statSync();
      const after = Deno.lstatSync(sink.path);
      if (after.isSymlink || after.ino !== info.ino || after.dev !== info.dev) {
        throw new UnsafeSessionFileError(sink.path, "the file was replaced while it was opened");
      }
      const tail = readTailState(file, info.size);
      sink.seq = Math.max(sink.seq, tail.lastSeq);
      sink.torn = !tail.endsWithNewline;
      sink.size = info.size;
      sink.ino = info.ino;
      sink.dev = info.dev;
    } catch (error) {
      file.close();
      throw error;
    }
    sink.file = file;
    sink.writer = this.#streamFor(sink, file).getWriter();
  }

  /** Before opening a file for `opening`: keep at most `maxOpenFiles` open. */
  #closeIdleFileIfFull(opening: SessionSink): void {
    let open = 0;
    let victim: SessionSink | null = null;
    for (const sink of this.#sinks.values()) {
      if (sink.file === null) continue;
      open++;
      const idle = sink !== opening && sink.draining === null && sink.queued.size === 0;
      if (idle && (victim === null || sink.lastUsed < victim.lastUsed)) victim = sink;
    }
    if (open >= this.#maxOpenFiles && victim !== null) this.#closeFileSync(victim);
  }

  /** The session's stream: each chunk is a batch of whole lines, appended in one write. */
  #streamFor(sink: SessionSink, file: Deno.FsFile): WritableStream<LineBatch> {
    return new WritableStream<LineBatch>({
      write: async (batch) => {
        if (batch.done) return;
        this.#writeBatchSync(sink, file, batch);
        // From here on the exit path must not write this batch again; a failed batch stays
        // not done, and the exit path resumes it from `batch.written`.
        if (batch.error === null) batch.done = true;
        if (this.#fsync && batch.written > 0) {
          try {
            await file.syncData();
          } catch (error) {
            this.#errors++;
            this.#problem(
              sink.path,
              error,
              `fsync of ${sink.path} failed: ${describeError(error)}`,
            );
          }
        }
      },
      close: () => {
        try {
          file.close();
        } catch {
          // Closed by the exit path or a reopen already.
        }
      },
    });
  }

  /**
   * Append a batch, from `batch.written` on, holding an exclusive advisory
   * lock on the file. Under the lock, a file that grew since our last write
   * (another process appends to the same session) is caught up with first: its
   * torn tail is noted and the batch is renumbered after the file's last
   * `seq`, so seq rises strictly over the whole file. With `O_APPEND` one
   * `write(2)` lands as one piece. A short write that ends inside a line leaves
   * a torn fragment: it is terminated with `\n` and the whole line is written
   * again, so every event still ends up as one complete line. Sets `written`
   * (always at a line boundary) and `error`.
   */
  #writeBatchSync(sink: SessionSink, file: Deno.FsFile, batch: LineBatch): void {
    let pos = batch.written;
    batch.error = null;
    let locked = false;
    try {
      try {
        file.lockSync(true);
        locked = true;
      } catch {
        // No lock support (some network file systems): append without one; each
        // O_APPEND write still lands whole, only seq may interleave between writers.
      }
      // A partly written batch keeps its numbers: its first lines are in the file already.
      if (pos === 0) this.#catchUp(sink, file, batch);
      const bytes = batch.bytes;
      for (let attempt = 0; pos < bytes.length; attempt++) {
        if (attempt === MAX_SHORT_WRITES) {
          throw new Error("the disk keeps accepting partial writes");
        }
        if (sink.torn) {
          if (file.writeSync(NEWLINE_BYTES) !== 1) throw new Error("could not write a newline");
          sink.torn = false;
        }
        const n = file.writeSync(pos === 0 ? bytes : bytes.subarray(pos));
        const end = pos + n;
        if (end === bytes.length) {
          pos = end;
          break;
        }
        if (n === 0) continue;
        const lastNewline = bytes.lastIndexOf(NEWLINE, end - 1);
        if (lastNewline + 1 !== end) sink.torn = true;
        if (lastNewline >= pos) pos = lastNewline + 1;
      }
      sink.size = file.statSync().size;
    } catch (error) {
      batch.error = error;
      this.#errors++;
    } finally {
      if (locked) {
        try {
          file.unlockSync();
        } catch {
          // Closing the file releases the lock anyway.
        }
      }
    }
    batch.written = pos;
  }

  /**
   * With the file locked: if it grew since our last write, read its tail and
   * renumber the batch after the highest `seq` there.
   */
  #catchUp(sink: SessionSink, file: Deno.FsFile, batch: LineBatch): void {
    const size = file.statSync().size;
    if (size === sink.size) return;
    const tail = readTailState(file, size);
    sink.torn = !tail.endsWithNewline;
    sink.size = size;
    if (tail.lastSeq <= batch.seqBefore) return;
    sink.seq = tail.lastSeq;
    const renumbered = this.#encodeBatch(
      sink,
      batch.items,
      batch.from,
      batch.from + batch.count,
      Infinity,
    );
    batch.bytes = renumbered.bytes;
    batch.seqBefore = renumbered.seqBefore;
  }

  /** Close a session file (the stream's close also closes the file). */
  async #closeFile(sink: SessionSink): Promise<void> {
    const writer = sink.writer;
    sink.writer = null;
    sink.file = null;
    sink.ino = null;
    if (writer !== null) {
      try {
        await writer.close();
      } catch {
        // The file is gone with the stream either way.
      }
    }
  }

  #closeFileSync(sink: SessionSink): void {
    const file = sink.file;
    const writer = sink.writer;
    sink.file = null;
    sink.writer = null;
    sink.ino = null;
    try {
      file?.close();
    } catch {
      // Already closed.
    }
    writer?.releaseLock();
  }

  /**
   * The exit path: write every queued line synchronously (an `unload`
   * listener cannot wait for a promise). Batches already handed to a stream
   * but not yet written go first, so file order stays seq order.
   */
  #flushSync(): void {
    for (const sink of this.#sinks.values()) {
      if (sink.refused) continue;
      let writeFailed = false;
      // What an interrupted drain took but has not encoded yet goes before the queue (and
      // after its batch in `queued`, written first).
      const inflight = sink.inflight;
      sink.inflight = null;
      if (inflight !== null && inflight.next < inflight.items.length) {
        this.#requeue(sink, inflight.items, inflight.next);
        inflight.next = inflight.items.length;
      }
      try {
        if (sink.file !== null) {
          for (const batch of sink.queued) {
            if (batch.done) continue;
            this.#writeBatchSync(sink, sink.file, batch);
            // Writing later events after a gap would break seq order: stop here. A failed
            // batch stays not done, so a second exit pass (a signal, then unload) resumes it.
            writeFailed = batch.error !== null;
            if (writeFailed) throw batch.error;
            batch.done = true;
          }
        }
        if (sink.pending.length === 0) continue;
        this.#openSync(sink);
        const items = sink.pending;
        const batch = this.#encodeBatch(sink, items, 0, items.length, Infinity);
        batch.done = true;
        this.#writeBatchSync(sink, sink.file!, batch);
        const lines = batch.written === batch.bytes.length
          ? items.length
          : countNewlines(batch.bytes, batch.written);
        this.#accountWritten(items, 0, lines);
        sink.pending = items.slice(lines);
        sink.seq = batch.seqBefore + lines;
        // #writeBatchSync counted a failed write already.
        writeFailed = batch.error !== null;
        if (writeFailed) throw batch.error;
        if (this.#fsync && lines > 0) sink.file!.syncDataSync();
      } catch (error) {
        if (!writeFailed) this.#errors++;
        this.#problem(
          sink.path,
          error,
          `could not write ${sink.path} at exit: ${describeError(error)}; ` +
            `${sink.pending.length} events lost`,
        );
      }
    }
  }

  /** Count a problem (unless counted already) and report it, at most once per interval. */
  #problem(path: string | null, error: unknown, message: string): void {
    const now = Date.now();
    if (now < this.#nextReportAt) {
      this.#suppressed++;
      return;
    }
    this.#nextReportAt = now + this.#errorReportIntervalMs;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    try {
      this.#onError({
        message: `peak-trade telemetry: ${message}` +
          (suppressed > 0 ? ` (${suppressed} more problems since the last report)` : ""),
        path,
        error,
        suppressed,
      });
    } catch {
      // A failing reporter must not turn into an exception in the pipeline.
    }
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Number of `\n` bytes in `bytes[0, end)`: the complete lines of a partly written batch. */
function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) {
    count++;
  }
  return count;
}

/** What the end of an existing session file says: its last `seq` and whether it ends a line. */
interface TailState {
  lastSeq: number;
  endsWithNewline: boolean;
}

/**
 * Scan an existing file backwards for the highest `seq` of the last lines that
 * carry one. Robust to a torn last line and to garbage: lines that are not
 * JSON objects with a non-negative integer `seq` are skipped.
 */
function readTailState(file: Deno.FsFile, size: number): TailState {
  if (size === 0) return { lastSeq: 0, endsWithNewline: true };
  const decoder = new TextDecoder();
  let end = size;
  let carry = new Uint8Array(0);
  let endsWithNewline = true;
  while (end > 0 && size - end < MAX_TAIL_SCAN_BYTES) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const buf = new Uint8Array(end - start + carry.length);
    file.seekSync(start, Deno.SeekMode.Start);
    readFullySync(file, buf.subarray(0, end - start));
    buf.set(carry, end - start);
    if (end === size) endsWithNewline = buf[buf.length - 1] === NEWLINE;
    // Before the first newline of a chunk that does not start the file is part of a longer line.
    const cut = start > 0 ? buf.indexOf(NEWLINE) : -1;
    if (start > 0 && cut === -1) {
      carry = buf;
      end = start;
      continue;
    }
    let best = -1;
    for (const line of decoder.decode(buf.subarray(cut + 1)).split("\n")) {
      if (!line.includes('"seq"')) continue;
      try {
        const value: unknown = JSON.parse(line);
        if (value !== null && typeof value === "object" && "seq" in value) {
          const seq = value.seq;
          if (typeof seq === "number" && Number.isSafeInteger(seq) && seq > best) best = seq;
        }
      } catch {
        // A torn or foreign line: keep looking.
      }
    }
    if (best >= 0) return { lastSeq: best, endsWithNewline };
    carry = buf.slice(0, Math.max(cut, 0));
    end = start;
  }
  return { lastSeq: 0, endsWithNewline };
}

function readFullySync(file: Deno.FsFile, into: Uint8Array): void {
  let offset = 0;
  while (offset < into.length) {
    const n = file.readSync(into.subarray(offset));
    if (n === null || n === 0) throw new Error("the file shrank while its tail was read");
    offset += n;
  }
}
