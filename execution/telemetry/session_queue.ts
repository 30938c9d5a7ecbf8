/**
 * `SessionQueue`: one session's encoded lines waiting to be written, and the
 * drain that moves them into its {@linkcode SessionFile} in batches, one write
 * at a time; plus the synchronous write of everything left, for the exit path.
 *
 * @module
 */
import type { LineBatch } from "./line_batch.ts";
import { describeError } from "./problem_reporter.ts";
import { DropMarker, type NonAsciiLine, type QueuedItem } from "./queued_item.ts";
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

/**
 * The items a drain took from the queue and has not encoded into a batch
 * yet: `items[next..]`. They wait for the write before them, so the exit path
 * writes them after the batch being written and before the queue.
 */
interface Flight {
  readonly items: QueuedItem[];
  next: number;
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
 * One session's queue and drain. At any time its events are, in file order:
 * the batch being written, the rest of the flight, then the queue.
 */
export class SessionQueue {
  /** The session's file. */
  readonly file: SessionFile;
  readonly #host: SessionQueueHost;
  /** Queued events and drop markers, oldest first. */
  #pending: QueuedItem[] = [];
  /** UTF-16 code units of the queued events, kept for the `batchBytes` check of each emit. */
  #pendingChars = 0;
  #flight: Flight | null = null;
  /** The batch handed to the file's stream whose outcome the drain has not collected yet. */
  #writing: LineBatch | null = null;
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
  constructor(sessionId: string, path: string, host: SessionQueueHost) {
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

  /** Something is queued (not yet taken by a drain). */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** No drain runs and no batch is being written: the file may be closed. */
  get idle(): boolean {
    return this.#draining === null && this.#writing === null;
  }

  /** Logical time of the last drain, for the least-recently-used choice. */
  get lastUsed(): number {
    return this.#lastUsed;
  }

  /**
   * Queue an encoded line; returns the queue's size in UTF-16 code units.
   *
   * HOT PATH (once per emit()): one push, one addition.
   */
  push(line: string | NonAsciiLine): number {
    this.#pending.push(line);
    return this.#pendingChars += line.length;
  }

  /** Note an event dropped at the memory cap, where the gap is; writes soon if the disk is healthy. */
  noteDrop(symbol: string, mode: string): void {
    const last = this.#pending[this.#pending.length - 1];
    if (last instanceof DropMarker) {
      last.count++;
    } else {
      this.#pending.push(new DropMarker(symbol, mode));
    }
    // The cap was reached while the disk is healthy: write now instead of waiting.
    if (this.#health === "ok" && this.#draining === null) this.scheduleDrain();
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
    if (this.#pending.length === 0) return Promise.resolve();
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
    this.#host.counters.dropped += this.#releasePending();
    await this.file.close();
  }

  /**
   * Write every unwritten line synchronously: on the exit path (an `unload`
   * listener cannot wait for a promise), and under backpressure (the memory
   * cap is reached with `onFull: "block"`). The batch being written goes
   * first, then the rest of the flight, then the queue, so file order stays
   * seq order. Problems are counted and reported, never thrown; what could
   * not be written stays queued (and is retried, unless the process exits).
   */
  writeAllSync(reason: "exit" | "backpressure" = "exit"): void {
    if (this.#health === "refused") return;
    const { counters, reporter, settings } = this.#host;
    let writeFailed = false;
    // What an interrupted drain took but has not encoded yet goes before the queue (and
    // after the batch being written, written first).
    const flight = this.#flight;
    this.#flight = null;
    if (flight !== null && flight.next < flight.items.length) {
      this.#requeue(flight.items, flight.next);
      flight.next = flight.items.length;
    }
    try {
      const writing = this.#writing;
      if (writing !== null && !writing.done && this.file.isOpen) {
        this.file.writeSync(writing);
        // Writing later events after a gap would break seq order: stop here. A failed
        // batch stays not done, so a second exit pass (a signal, then unload) resumes it,
        // and the drain, when it resumes, puts its unwritten lines back in the queue.
        writeFailed = writing.error !== null;
        if (writeFailed) throw writing.error;
      }
      if (writing !== null && writing.done && !writing.accounted) {
        // Written (by its stream or just now): its memory is free now, not when the drain resumes.
        this.#accountWritten(writing.items, writing.from, writing.from + writing.count);
        writing.accounted = true;
      }
      // In as few writes as the size rotation allows (each batch fits the active file).
      while (this.#pending.length > 0) {
        this.file.ensureOpen(this.#makeRoom);
        const items = this.#pending;
        const batch = this.file.nextBatch(items, 0, items.length, Infinity);
        this.file.writeSync(batch);
        const lines = batch.completeLines();
        this.#accountWritten(items, 0, lines);
        batch.accounted = true;
        this.#pending = [];
        this.#pendingChars = 0;
        this.#requeue(items, lines);
        this.file.keepWritten(batch);
        // writeSync counted a failed write already.
        writeFailed = batch.error !== null;
        if (writeFailed) throw batch.error;
        if (settings.fsync && lines > 0) this.file.syncDataSync();
      }
    } catch (error) {
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
          `${this.#pending.length} events lost`,
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
      } while (this.#rerun && this.#pending.length > 0 && this.#health === "ok");
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
    if (this.#pending.length > 0) this.#host.requestFlushTimer();
  }

  async #drainOnce(): Promise<void> {
    if (this.#pending.length === 0 || this.#health === "refused") return;
    this.#lastUsed = ++useClock;
    const flight: Flight = { items: this.#pending, next: 0 };
    this.#pending = [];
    this.#pendingChars = 0;
    this.#flight = flight;
    try {
      await this.#writeFlight(flight);
    } finally {
      if (this.#flight === flight) this.#flight = null;
    }
  }

  /**
   * Write `flight.items[next..]` in batches of at most `MAX_WRITE_BYTES`, one
   * at a time. `next` moves past a batch when it is encoded, so at any await
   * the unwritten items are `#writing` followed by `items[next..]`: what the
   * exit path writes if the process ends here.
   */
  async #writeFlight(flight: Flight): Promise<void> {
    const { counters, reporter, settings } = this.#host;
    const items = flight.items;
    while (flight.next < items.length) {
      const start = flight.next;
      try {
        // Before every batch: a batch may follow another by a while (fsync), in which time
        // the file may have been removed or replaced; then it is reopened (or created).
        this.file.ensureOpen(this.#makeRoom);
      } catch (error) {
        this.#requeue(items, start);
        flight.next = items.length;
        this.#openFailed(error);
        return;
      }
      const batch = this.file.nextBatch(items, start, items.length, MAX_WRITE_BYTES);
      flight.next = start + batch.count;
      this.#writing = batch;
      try {
        await this.file.write(batch);
      } catch (error) {
        batch.error ??= error;
      }
      this.#writing = null;
      const lines = batch.completeLines();
      if (!batch.accounted) {
        this.#accountWritten(items, start, start + lines);
        batch.accounted = true;
      }
      if (this.#flight !== flight) {
        // The synchronous path took over the rest of the flight (it is queued or written). If
        // it stopped at this batch's failure, the batch's unwritten lines go back first.
        if (batch.error !== null && !batch.done) {
          this.file.keepWritten(batch);
          this.#requeue(items, start + lines, start + batch.count);
          this.#health = "failing";
        }
        return;
      }
      if (batch.error !== null) {
        this.file.keepWritten(batch);
        this.#requeue(items, start + lines);
        flight.next = items.length;
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

  /** Put `items[from, to)` back at the front of the queue (a failed or interrupted drain). */
  #requeue(items: QueuedItem[], from: number, to: number = items.length): void {
    const rest = items.slice(from, to);
    for (const item of rest) {
      if (!(item instanceof DropMarker)) this.#pendingChars += item.length;
    }
    this.#pending = rest.concat(this.#pending);
  }

  /** Count items `[from, to)` as written and release their memory. */
  #accountWritten(items: QueuedItem[], from: number, to: number): void {
    const counters = this.#host.counters;
    for (let i = from; i < to; i++) {
      const item = items[i];
      if (!(item instanceof DropMarker)) {
        counters.written++;
        counters.buffered--;
        counters.bufferedChars -= item.length;
      }
    }
  }

  /** Empty the queue; returns how many events it held (drop markers aside). */
  #releasePending(): number {
    const counters = this.#host.counters;
    let events = 0;
    for (const item of this.#pending) {
      if (!(item instanceof DropMarker)) {
        events++;
        counters.bufferedChars -= item.length;
      }
    }
    counters.buffered -= events;
    this.#pending = [];
    this.#pendingChars = 0;
    return events;
  }
}
