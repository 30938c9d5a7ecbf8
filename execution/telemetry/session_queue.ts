/**
 * `SessionQueue`: one session's encoded lines waiting to be written (a
 * {@linkcode LineBuffer} the encoder writes into), and the drain that moves
 * them into its {@linkcode SessionFile} in batches, one write at a time;
 * plus the synchronous write of everything left, for the exit path.
 *
 * @module
 */
import type { ExecutionEvent } from "../events.ts";
import { formatWireTimestamp } from "../wire_time.ts";
import { LineBatch } from "./line_batch.ts";
import { LineBuffer } from "./line_buffer.ts";
import { EnvelopeCache, writeEventLine } from "./line_encoder.ts";
import { describeError } from "./problem_reporter.ts";
import { SessionFile, type SessionFileContext, UnsafeSessionFileError } from "./session_file.ts";

/** Upper bound of one write: large enough to amortise the syscall, small enough to hold the file lock briefly. */
const MAX_WRITE_BYTES = 1024 * 1024;

/** What a session queue needs from its logger besides the shared context. */
export interface SessionQueueHost extends SessionFileContext {
  /** Before `opening` opens its file: close another, idle one if the open-file cap is reached. */
  makeRoomToOpen(opening: SessionQueue): void;
  /** Something stays queued: make sure the flush timer runs. */
  requestFlushTimer(): void;
}

/** A run of events lost to the memory cap: one `TELEMETRY_DROPPED` line where the gap is. */
class DropRun {
  /** Events dropped in this run. */
  count = 1;
  /** The symbol and mode of the first dropped event, for the `TELEMETRY_DROPPED` line. */
  constructor(readonly symbol: string, readonly mode: string) {}
}

/**
 * `ok`: writing works (or was not tried yet); `failing`: the last open or
 * write failed, the queue waits for the timer (or a `flush()`) to retry;
 * `refused`: the file is unsafe, the session's events are refused for good.
 */
type Health = "ok" | "failing" | "refused";

/** Logical time of the last drain of any queue, for closing the least recently used file. */
let useClock = 0;

/**
 * One session's queue and drain. Its lines are in file order: the batch
 * being written (still at the front until it is written), then the rest.
 *
 * Each line carries its `seq` from the moment it is encoded: the next
 * number after the queue's last line. That is the file's numbering as long
 * as this writer alone appends to it; when the file's numbering moved (the
 * file was opened for the first time, or another process appended), the
 * queued lines are renumbered once before the next batch (see
 * {@linkcode SessionQueue.nextSeq}).
 */
export class SessionQueue {
  /** The session's file. */
  readonly file: SessionFile;
  /** The queued lines, written straight in by the encoder (see the logger's emit()). */
  readonly lines: LineBuffer = new LineBuffer();
  /** The encoded envelope of this session's lines, per symbol and mode. */
  readonly envelopes: EnvelopeCache = new EnvelopeCache();
  readonly #host: SessionQueueHost;
  /** The seq in the first queued line (the next line's when the queue is empty). */
  #firstSeq = 1;
  /** Events dropped since the last queued line, not yet reported. */
  #drop: DropRun | null = null;
  /** The batch handed to the file's stream whose outcome the drain has not collected yet. */
  #writing: LineBatch | null = null;
  /** Queue lines and bytes of `#writing` until it is settled (0 when none). */
  #writingLines = 0;
  #writingBytes = 0;
  /** The running drain; one per session at a time. */
  #draining: Promise<void> | null = null;
  /** A microtask will run (or join) the drain: emit() never writes on the caller's path. */
  #drainScheduled = false;
  /** A joiner asked for another round: what it saw queued is written before the drain ends. */
  #rerun = false;
  #health: Health = "ok";
  #lastUsed = 0;
  readonly #makeRoom = (): void => this.#host.makeRoomToOpen(this);

  /** The queue of session `sessionId`, writing to `path`. */
  constructor(readonly sessionId: string, path: string, host: SessionQueueHost) {
    this.#host = host;
    this.file = new SessionFile(sessionId, path, host);
  }

  /** Events of this session are refused for good (its file is unsafe). */
  get refused(): boolean {
    return this.#health === "refused";
  }

  /** The last open or write failed; writing resumes on the timer or a `flush()`. */
  get failing(): boolean {
    return this.#health === "failing";
  }

  /** Something is queued that no drain has taken yet. */
  get hasPending(): boolean {
    return this.lines.lines > this.#writingLines || this.#drop !== null;
  }

  /** Bytes queued that no drain has taken yet (what `batchBytes` is compared with). */
  get queuedBytes(): number {
    return this.lines.byteLength - this.#writingBytes;
  }

  /** Events were dropped since the last queued line (their report goes before the next). */
  get hasOpenDrop(): boolean {
    return this.#drop !== null;
  }

  /** No drain runs and no batch is being written: the file may be closed. */
  get idle(): boolean {
    return this.#draining === null && this.#writing === null;
  }

  /** Logical time of the last drain, for the least-recently-used choice. */
  get lastUsed(): number {
    return this.#lastUsed;
  }

  /** The seq the next queued line carries. */
  get nextSeq(): number {
    return this.#firstSeq + this.lines.lines;
  }

  /** Note an event dropped at the memory cap, where the gap is; writes soon if the disk is healthy. */
  noteDrop(symbol: string, mode: string): void {
    if (this.#drop !== null) {
      this.#drop.count++;
    } else {
      this.#drop = new DropRun(symbol, mode);
    }
    // The cap was reached while the disk is healthy: write now instead of waiting.
    if (this.#health === "ok" && this.#draining === null) this.scheduleDrain();
  }

  /** Queue the `TELEMETRY_DROPPED` line of the open drop run, if any (before the next line). */
  closeDropRun(): void {
    const run = this.#drop;
    if (run === null) return;
    this.#drop = null;
    const report = {
      ts: formatWireTimestamp(new Date()),
      session_id: this.sessionId,
      symbol: run.symbol,
      mode: run.mode,
      kind: "error",
      payload: {
        error: `telemetry buffer full: ${run.count} events dropped`,
        code: "TELEMETRY_DROPPED",
        stacktrace: null,
        dropped: run.count,
      },
    } as ExecutionEvent;
    this.lines.commit(writeEventLine(this.lines, report, this.nextSeq, this.envelopes), true);
  }

  /** Run (or join) the drain a microtask later, off the caller's path. */
  scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      void this.drain();
    });
  }

  /**
   * Run (or join) the drain now. A joiner sets `rerun`, so what it saw
   * queued is written before the promise resolves. Never rejects.
   */
  drain(): Promise<void> {
    if (this.#draining !== null) {
      this.#rerun = true;
      return this.#draining;
    }
    if (!this.hasPending) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#draining = promise;
    void this.#drainLoop(resolve);
    return promise;
  }

  /**
   * Wait for the drain, count what is still queued as dropped and close the
   * file (the logger's `close()`).
   */
  async close(): Promise<void> {
    // A flush() called while closing may have started a drain since: let it finish first.
    while (this.#draining !== null) await this.#draining;
    // Lines kept after a failed write (retried every flush interval) get one more try now: a
    // passing failure (another writer rotating the file) must not lose them at close.
    if (this.hasPending && this.#health !== "refused") await this.drain();
    while (this.#draining !== null) await this.#draining;
    this.#host.counters.dropped += this.#releasePending();
    await this.file.close();
  }

  /**
   * Write every unwritten line synchronously: on the exit path (an `unload`
   * listener cannot wait for a promise), and under backpressure (the memory
   * cap is reached with `onFull: "block"`). The batch being written goes
   * first, then the rest, so file order stays seq order. Problems are
   * counted and reported, never thrown; what could not be written stays
   * queued (and is retried, unless the process exits).
   */
  writeAllSync(reason: "exit" | "backpressure" = "exit"): void {
    if (this.#health === "refused") return;
    const { counters, reporter, settings } = this.#host;
    let writeFailed = false;
    try {
      const writing = this.#writing;
      if (writing !== null && !writing.done) {
        this.file.ensureOpen(this.#makeRoom);
        this.file.writeSync(writing);
        // Writing later events after a gap would break seq order: stop here. A failed
        // batch stays not done, so a second exit pass (a signal, then unload) resumes it,
        // and the drain, when it resumes, collects its outcome.
        writeFailed = writing.error !== null;
        if (writeFailed) throw writing.error;
      }
      // Written (by its stream or just now): its memory is free now, not when the drain resumes.
      if (writing !== null && !writing.accounted) this.#settle(writing);
      this.closeDropRun();
      // In as few writes as the size rotation allows (each batch fits the active file).
      while (this.lines.lines > 0) {
        this.file.ensureOpen(this.#makeRoom);
        const batch = this.#takeBatch(Infinity, this.lines.lines);
        this.file.writeSync(batch);
        const lines = this.#settle(batch);
        // writeSync counted a failed write already.
        writeFailed = batch.error !== null;
        if (writeFailed) throw batch.error;
        if (settings.fsync && lines > 0) this.file.syncDataSync();
      }
    } catch (error) {
      if (error instanceof UnsafeSessionFileError) {
        this.#openFailed(error);
        return;
      }
      if (!writeFailed) counters.errors++;
      if (reason === "backpressure") {
        this.#health = "failing";
        this.#host.requestFlushTimer();
        reporter.report(
          this.file.path,
          error,
          `could not write ${this.file.path}: ${describeError(error)}; ` +
            `${counters.buffered} events kept in memory and retried every ` +
            `${settings.flushIntervalMs} ms; events beyond the memory cap are dropped meanwhile`,
        );
        return;
      }
      reporter.report(
        this.file.path,
        error,
        `could not write ${this.file.path} at exit: ${describeError(error)}; ` +
          `${this.lines.lines} events lost`,
      );
    }
  }

  /**
   * `logger.rotate()`: write what is queued, then close the file into a
   * segment (if it has any bytes). Problems are reported, never thrown.
   */
  async rotate(): Promise<void> {
    this.file.requestRotation();
    await this.drain();
    if (this.#health === "refused") return;
    try {
      this.file.rotateNowSync(this.#makeRoom);
    } catch (error) {
      this.#host.counters.errors++;
      this.#host.reporter.report(
        this.file.path,
        error,
        `could not rotate ${this.file.path}: ${describeError(error)}`,
      );
    }
  }

  async #drainLoop(done: () => void): Promise<void> {
    const { counters, reporter } = this.#host;
    try {
      do {
        this.#rerun = false;
        await this.#drainOnce();
      } while (this.#rerun && this.hasPending && this.#health === "ok");
    } catch (error) {
      // A bug, not a disk error (those are handled where they happen): never unhandled.
      counters.errors++;
      reporter.report(this.file.path, error, `telemetry drain failed: ${describeError(error)}`);
    } finally {
      // Cleared in the same turn as the loop's last check: an event emitted after it starts a
      // new drain instead of joining one that will not look at the queue again.
      this.#draining = null;
      done();
    }
    if (this.hasPending) this.#host.requestFlushTimer();
  }

  /**
   * Write what is queued now in batches of at most `MAX_WRITE_BYTES`, one at
   * a time. At any await the unwritten lines are `#writing` followed by the
   * rest of the queue: what the exit path writes if the process ends here.
   */
  async #drainOnce(): Promise<void> {
    if (this.#health === "refused") return;
    this.#lastUsed = ++useClock;
    const { counters, reporter, settings } = this.#host;
    this.closeDropRun();
    let remaining = this.lines.lines;
    while (remaining > 0) {
      try {
        // Before every batch: a batch may follow another by a while (fsync), in which time
        // the file may have been closed (the open-file cap); then it is reopened (or created).
        this.file.ensureOpen(this.#makeRoom);
      } catch (error) {
        this.#openFailed(error);
        return;
      }
      const batch = this.#takeBatch(MAX_WRITE_BYTES, remaining);
      this.#writing = batch;
      this.#writingLines = batch.count;
      this.#writingBytes = batch.bytes.length;
      this.lines.pinned = true;
      try {
        await this.file.write(batch);
      } catch (error) {
        batch.error ??= error;
      }
      this.#writing = null;
      // The synchronous path took over meanwhile (and wrote the rest, or reported).
      if (batch.accounted) return;
      remaining -= this.#settle(batch);
      if (batch.error instanceof UnsafeSessionFileError) {
        // The path was swapped for a symlink (or the like) since the file was opened.
        this.#openFailed(batch.error);
        return;
      }
      if (batch.error !== null) {
        this.#health = "failing";
        reporter.report(
          this.file.path,
          batch.error,
          `cannot write ${this.file.path}: ${describeError(batch.error)}; ${counters.buffered} ` +
            `events kept in memory and retried every ${settings.flushIntervalMs} ms (check ` +
            `that the directory exists, is writable and the disk has space)`,
        );
        return;
      }
    }
    this.#health = "ok";
  }

  /**
   * The next batch from the front of the queue: at most `limit` lines, about
   * `maxBytes` and no more than fits before the size rotation (a segment
   * stays within `rotateBytes` unless a single line is larger). Renumbers
   * the queue first when the file's numbering moved.
   */
  #takeBatch(maxBytes: number, limit: number): LineBatch {
    const expected = this.file.seq + 1;
    if (this.#firstSeq !== expected) {
      this.lines.renumber(0, expected);
      this.#firstSeq = expected;
    }
    const count = this.lines.fit(this.file.room(maxBytes), limit);
    const batch = new LineBatch(
      this.lines.front(this.lines.bytesOf(count)),
      count,
      this.#firstSeq - 1,
    );
    this.file.claim(batch);
    return batch;
  }

  /**
   * Collect a batch's outcome: its complete lines leave the queue and are
   * counted as written; after a failure the rest keep their place at the
   * front. Returns the lines written.
   */
  #settle(batch: LineBatch): number {
    const lines = batch.completeLines();
    this.lines.pinned = false;
    this.#writingLines = 0;
    this.#writingBytes = 0;
    const released = this.lines.consume(lines);
    this.#firstSeq += lines;
    const counters = this.#host.counters;
    counters.written += released.events;
    counters.buffered -= released.events;
    counters.bufferedBytes -= released.eventBytes;
    batch.accounted = true;
    if (batch.error !== null) this.file.keepWritten(batch);
    return lines;
  }

  #openFailed(error: unknown): void {
    const { counters, reporter, settings } = this.#host;
    const path = this.file.path;
    if (error instanceof UnsafeSessionFileError) {
      this.#health = "refused";
      counters.refused += this.#releasePending();
      reporter.report(path, error, `${error.message}; events of this session are refused`);
      return;
    }
    this.#health = "failing";
    counters.errors++;
    reporter.report(
      path,
      error,
      `cannot open ${path}: ${describeError(error)}; ${counters.buffered} events kept in ` +
        `memory and retried every ${settings.flushIntervalMs} ms (check that ` +
        `${settings.baseDir} is a writable directory)`,
    );
  }

  /** Empty the queue; returns how many events it held (the logger's own reports aside). */
  #releasePending(): number {
    const counters = this.#host.counters;
    this.#drop = null;
    // A batch still out is released with the rest: its drain must not collect it again.
    if (this.#writing !== null) this.#writing.accounted = true;
    this.lines.pinned = false;
    this.#writingLines = 0;
    this.#writingBytes = 0;
    const lines = this.lines.lines;
    const released = this.lines.consume(lines);
    this.#firstSeq += lines;
    counters.buffered -= released.events;
    counters.bufferedBytes -= released.eventBytes;
    return released.events;
  }
}
