/**
 * Following a session file as it grows: new events from an offset for as
 * long as an `AbortSignal` allows, across a torn tail, truncation,
 * replacement and a file that does not exist yet.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import type { FollowItem } from "./types.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { completeLinesEndSync, readAt } from "./backward_lines.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "../execution/wire/line_stream.ts";
import { decodeEventLine } from "../execution/wire/line_decoder.ts";
import { toTimelineRow } from "./timeline.ts";
import {
  FINGERPRINT_BYTES,
  fingerprintAt,
  openSessionFile,
  openSessionFileSync,
  sameBytes,
} from "./session_file.ts";

/**
 * Options of {@linkcode followExecution}.
 *
 * @example
 * ```ts
 * import type { FollowOptions } from "@peak-trade/execution";
 * const options: FollowOptions = { from: 0, pollIntervalMs: 100, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface FollowOptions {
  /**
   * The log root holding `<sessionId>.jsonl`.
   *
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /**
   * Byte offset to start from (a line start, such as the `end` of the last
   * event seen). Default: the end of the last complete line when
   * `followExecution` is called, or 0 for a file that does not exist yet.
   */
  from?: number;
  /** Stop following when this signal aborts. */
  signal?: AbortSignal;
  /**
   * Longest wait between two looks at the file, in milliseconds. File-system
   * events wake the follower sooner; this poll is the fallback.
   *
   * @default {250}
   */
  pollIntervalMs?: number;
  /**
   * Longest line read, in bytes; longer lines are skipped.
   *
   * @default {1048576}
   */
  maxLineBytes?: number;
}

/** Bytes read per look at the file, so a far-behind follower catches up in bounded memory. */
const READ_BYTES = 4 * 1024 * 1024;
const DEFAULT_POLL_MS = 250;

/** The follower behind {@linkcode followExecution}. */
class ExecutionFollower implements AsyncIterableIterator<FollowItem> {
  #path: string;
  #dir: string;
  #name: string;
  #position: number | null;
  #ino: number | null | undefined = undefined;
  /** The last bytes before `#fingerprintEnd`, as read: they must not change while we follow. */
  #fingerprint: Uint8Array | null = null;
  #fingerprintEnd = -1;
  #pollMs: number;
  #maxLine: number;
  #queue: FollowItem[] = [];
  #stopped = false;
  #skipping = false;
  #userSignal: AbortSignal | undefined;
  #onAbort = (): void => this.#stop();
  #wake: (() => void) | null = null;
  /** The watcher reported a change since the current look began. */
  #changed = false;
  #watcher: Deno.FsWatcher | null = null;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FollowOptions) {
    this.#path = path;
    this.#dir = dirname(path);
    this.#name = basename(path);
    this.#position = options.from ?? null;
    this.#pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.#maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (this.#position === null) this.#startAtEnd();
    this.#userSignal = options.signal;
    if (this.#userSignal?.aborted) this.#stopped = true;
    else this.#userSignal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Fix the default start now, when following begins (not at the first
   * `next()`): the end of the last complete line, or 0 when the file does not
   * exist yet (everything it will hold is new).
   */
  #startAtEnd(): void {
    let file: Deno.FsFile | null = null;
    try {
      file = openSessionFileSync(this.#path);
    } catch {
      // Unreadable now (permissions): start from 0 and let the first look report it.
    }
    if (file === null) {
      this.#position = 0;
      return;
    }
    try {
      const info = file.statSync();
      this.#ino = info.ino;
      this.#position = completeLinesEndSync(file, info.size);
    } finally {
      file.close();
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<FollowItem> {
    return this;
  }

  next(): Promise<IteratorResult<FollowItem>> {
    // Calls are served one at a time, in order.
    const result = this.#busy.then(() => this.#next());
    this.#busy = result.catch(() => undefined);
    return result;
  }

  return(): Promise<IteratorResult<FollowItem>> {
    this.#stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  async #next(): Promise<IteratorResult<FollowItem>> {
    while (true) {
      const item = this.#queue.shift();
      if (item !== undefined) return { done: false, value: item };
      if (this.#stopped) return { done: true, value: undefined };
      try {
        // Watch before looking, and note changes from here on: a write that lands while the
        // look runs must wake the wait after it, not leave it to the poll.
        this.#ensureWatcher();
        this.#changed = false;
        if (!(await this.#look())) await this.#wait();
      } catch (err) {
        this.#stop();
        throw err;
      }
    }
  }

  /** Look at the file once; true when something was queued or more is readable now. */
  async #look(): Promise<boolean> {
    const file = await openSessionFile(this.#path);
    if (file === null) return false;
    try {
      const info = await file.stat();
      if (this.#ino === undefined) {
        this.#ino = info.ino;
      } else if (info.ino !== this.#ino) {
        this.#ino = info.ino;
        return this.#reset("replaced");
      }
      const position = this.#position ?? 0;
      if (info.size < position) return this.#reset("truncated");
      if (position > 0) {
        // Same inode, not shorter: but truncated and regrown, or a new file on a reused inode?
        const seen = await fingerprintAt(file, position);
        if (
          this.#fingerprint !== null && this.#fingerprintEnd === position &&
          !sameBytes(seen, this.#fingerprint)
        ) {
          return this.#reset("truncated");
        }
        this.#fingerprint = seen;
        this.#fingerprintEnd = position;
      }
      if (info.size === position) return false;
      const chunk = await readAt(file, position, Math.min(READ_BYTES, info.size - position));
      const queued = this.#take(chunk, position);
      this.#rememberConsumed(chunk, position);
      return queued || position + chunk.length < info.size;
    } finally {
      file.close();
    }
  }

  /** After `#take`: the fingerprint of the new position, from the bytes just read. */
  #rememberConsumed(chunk: Uint8Array, position: number): void {
    const end = this.#position ?? 0;
    if (end === position) return;
    const consumed = chunk.subarray(0, end - position);
    if (consumed.length >= FINGERPRINT_BYTES) {
      this.#fingerprint = consumed.slice(consumed.length - FINGERPRINT_BYTES);
    } else {
      const before = this.#fingerprint ?? new Uint8Array(0);
      const joined = new Uint8Array(before.length + consumed.length);
      joined.set(before);
      joined.set(consumed, before.length);
      this.#fingerprint = joined.slice(Math.max(0, joined.length - FINGERPRINT_BYTES));
    }
    this.#fingerprintEnd = end;
  }

  #reset(reason: "truncated" | "replaced"): boolean {
    this.#fingerprint = null;
    this.#fingerprintEnd = -1;
    this.#position = 0;
    this.#skipping = false;
    this.#queue.push({ type: "reset", reason, end: 0 });
    return true;
  }

  /** Queue the complete lines of `chunk` (read at `position`); true when any was queued. */
  #take(chunk: Uint8Array, position: number): boolean {
    let start = 0;
    if (this.#skipping) {
      // Inside a line longer than the cap: drop bytes up to its end.
      const nl = chunk.indexOf(0x0a);
      if (nl === -1) {
        this.#position = position + chunk.length;
        return false;
      }
      this.#skipping = false;
      start = nl + 1;
    }
    const splitter = new LineSplitter({
      startOffset: position + start,
      maxLineBytes: this.#maxLine,
    });
    const before = this.#queue.length;
    splitter.push(chunk.subarray(start), (line) => {
      if (line.status !== "line") return;
      const verdict = decodeEventLine(line.bytes, line.offset, line.end);
      if (typeof verdict !== "object") return;
      this.#queue.push({
        type: "event",
        event: verdict,
        row: toTimelineRow(verdict),
        end: line.end,
      });
    });
    // The fragment after the last newline (a torn tail) is read again once its newline arrives.
    this.#position = splitter.lineStart;
    if (splitter.lineStart === position + start && chunk.length - start > this.#maxLine + 1) {
      this.#skipping = true;
      this.#position = position + chunk.length;
    }
    return this.#queue.length > before;
  }

  /** Sleep until the poll interval passes, the file system reports a change, or a stop. */
  #wait(): Promise<void> {
    if (this.#stopped || this.#changed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#pollMs);
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

  /** A file-system watch is only a hint that wakes the poll early (events duplicate and drop). */
  #ensureWatcher(): void {
    if (this.#watcher !== null || this.#stopped) return;
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(this.#dir, { recursive: false });
    } catch {
      return; // no directory yet, or no watch support: the poll covers it
    }
    this.#watcher = watcher;
    (async () => {
      try {
        for await (const event of watcher) {
          if (event.paths.some((p) => basename(p) === this.#name)) {
            this.#changed = true;
            this.#wake?.();
          }
        }
      } catch {
        // watcher closed or failed: the poll covers it
      }
    })();
  }

  #stop(): void {
    if (this.#stopped && this.#watcher === null) return;
    this.#stopped = true;
    this.#userSignal?.removeEventListener("abort", this.#onAbort);
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    this.#watcher = null;
    this.#wake?.();
  }
}

/**
 * Follow a session: yield each new complete event from `from` (default: the
 * end of the file) for as long as `signal` allows. Waits for a file that does
 * not exist yet; a torn tail is held back until its newline arrives; when the
 * file is truncated or replaced it yields `{type: "reset"}` and restarts from
 * offset 0. File-system events only wake it early; a poll is the fallback.
 * The watcher and timers are released on abort or when the consumer stops.
 *
 * Throws `InvalidSessionIdError` for an invalid session id and `RangeError`
 * for a negative or fractional `from` or a non-positive `pollIntervalMs`.
 *
 * @example
 * ```ts
 * import { followExecution } from "@peak-trade/execution";
 * // Follow for five seconds (a dashboard would abort when its client leaves).
 * const signal = AbortSignal.timeout(5_000);
 * for await (const item of followExecution("demo", { signal, from: 0 })) {
 *   if (item.type === "event") console.log(item.end, item.row.description);
 *   else console.warn(`log ${item.reason}; reading again from the start`);
 * }
 * ```
 */
export function followExecution(
  sessionId: string,
  options: FollowOptions = {},
): AsyncIterableIterator<FollowItem> {
  const path = sessionFilePath(options.baseDir ?? DEFAULT_LOG_DIR, sessionId);
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
    throw new RangeError(`from: expected a byte offset (an integer ≥ 0), got ${options.from}`);
  }
  const poll = options.pollIntervalMs;
  if (poll !== undefined && !(Number.isFinite(poll) && poll > 0)) {
    throw new RangeError(`pollIntervalMs: expected a positive number of milliseconds, got ${poll}`);
  }
  return new ExecutionFollower(path, options);
}
