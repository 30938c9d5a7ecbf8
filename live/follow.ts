/**
 * Following a session as it grows: new events from a logical offset for as
 * long as an `AbortSignal` allows, across rotation into segments, a torn
 * tail, truncation, replacement and a file that does not exist yet.
 *
 * @module
 */
import type { FollowItem } from "./types.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "../execution/wire/line_stream.ts";
import { decodeEventLine } from "../execution/wire/line_decoder.ts";
import {
  type PositionalReader,
  readFully,
  readFullySync,
} from "../execution/wire/positional_reader.ts";
import { toTimelineRow } from "./timeline.ts";
import {
  FINGERPRINT_BYTES,
  fingerprintAt,
  openSessionFileSync,
  sameBytes,
  type SessionEnd,
} from "./session_file.ts";
import { openSessionView, type SessionPart, type SessionView } from "./session_view.ts";
import type { RegularFile } from "../execution/wire/regular_file.ts";

/** The part holding logical offset `position` (the last part starting at or before it). */
function partAt(view: SessionView, position: number): SessionPart | null {
  let found: SessionPart | null = null;
  for (const part of view.parts) {
    if (part.start <= position) found = part;
    else break;
  }
  return found;
}

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
/** Reads up to this size are synchronous (see `#look`). */
const SYNC_READ_BYTES = 256 * 1024;
const DEFAULT_POLL_MS = 250;

/**
 * `length` bytes from `position` (fewer at the end). A live tail's few new
 * lines are read in place (a round trip through the thread pool costs more
 * than the read); a catch-up's big reads stay off the event loop.
 */
async function readAt(
  reader: PositionalReader,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const chunk = new Uint8Array(length);
  const filled = length <= SYNC_READ_BYTES && reader.readSync !== undefined
    ? readFullySync(reader as Required<PositionalReader>, position, chunk)
    : await readFully(reader, position, chunk);
  return chunk.subarray(0, filled);
}

/** The follower behind {@linkcode followExecution}. */
class ExecutionFollower implements AsyncIterableIterator<FollowItem> {
  #baseDir: string;
  #sessionId: string;
  #path: string;
  /** Logical offset of the next line to read. */
  #position: number | null;
  /** Identity and logical start of the active file last looked at (`undefined`: none yet). */
  #active: { ino: number; dev: number; base: number } | undefined = undefined;
  /** The last bytes before `#fingerprintEnd` of the active file, as read: they must not change. */
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
  /** The inode the watcher watches. */
  #watchedIno: number | null = null;
  /** The session file's name as the last `#ensureWatcher` saw it: a regular file's identity. */
  #named: { ino: number; dev: number } | null = null;
  /**
   * The active file, held open between looks with its identity and logical
   * start: while the name still points to it, a look reads its new bytes
   * without opening the session again (no rotation or replacement can have
   * happened: an inode is not reused while it is open).
   */
  #held: { file: RegularFile; ino: number; dev: number; base: number } | null = null;
  /** A look is under way (it may be reading the held file). */
  #looking = false;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(baseDir: string, sessionId: string, options: FollowOptions) {
    this.#baseDir = baseDir;
    this.#sessionId = sessionId;
    this.#path = sessionFilePath(baseDir, sessionId);
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
   * `next()`): the end of the last complete line (logical), or 0 when the
   * session does not exist yet (everything it will hold is new).
   */
  #startAtEnd(): void {
    let end: SessionEnd | null = null;
    try {
      end = openSessionFileSync(this.#path);
    } catch {
      // Unreadable now (permissions): start from 0 and let the first look report it.
    }
    if (end === null) {
      this.#position = 0;
      return;
    }
    try {
      this.#active = end.active ?? undefined;
      this.#position = end.completeEndSync(end.statSync().size);
    } finally {
      end.close();
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

  /**
   * Look at the session once; true when something was queued or more is
   * readable now. A position in a closed segment is read from that segment
   * (to its end, then the next part): a rotation costs no event and repeats
   * none. A new active file that does not start further on than the last
   * one (no segment was closed in between) replaced it.
   */
  async #look(): Promise<boolean> {
    this.#looking = true;
    try {
      return await this.#lookOnce();
    } finally {
      this.#looking = false;
      // A stop during the look left the held file to it: a read may have been under way.
      if (this.#stopped) this.#release();
    }
  }

  async #lookOnce(): Promise<boolean> {
    const held = this.#held;
    const named = this.#named;
    if (
      held !== null && named !== null && named.ino === held.ino && named.dev === held.dev &&
      (this.#position ?? 0) >= held.base
    ) {
      // The usual look at a live tail: an fstat and a read, instead of the six or more system
      // calls of opening the session (on a virtual machine each costs most after a quiet spell).
      return await this.#readActive(held.file, held.base, held.file.stat().size);
    }
    this.#release();
    using view = await openSessionView(this.#baseDir, this.#sessionId);
    if (!view.found) return false;
    const active = view.activePart;
    const stat = view.activeStat;
    if (active !== null && stat !== null) {
      const seen = this.#active;
      this.#active = { ino: stat.ino, dev: stat.dev, base: active.start };
      // A file that starts elsewhere is another file, even on a reused inode.
      const changed = seen !== undefined &&
        (seen.ino !== stat.ino || seen.dev !== stat.dev || seen.base !== active.start);
      if (changed && active.start <= seen.base) {
        return this.#reset("replaced", active.start);
      }
    }
    let position = Math.max(this.#position ?? 0, view.firstStart);
    let part = partAt(view, position);
    if (part === null) return false;
    if (part.kind !== "active" && position >= part.start + part.size) {
      // At the end of a closed part: go on with the next one.
      const next = view.parts[view.parts.indexOf(part) + 1];
      if (next === undefined) return false;
      part = next;
      position = next.start;
      this.#position = position;
    }
    if (part.kind === "active") {
      const file = view.keepActive()!;
      this.#held = { file, ino: stat!.ino, dev: stat!.dev, base: part.start };
      return await this.#readActive(file, part.start, part.size);
    }
    // A closed part never changes: nothing to fingerprint.
    this.#fingerprint = null;
    this.#fingerprintEnd = -1;
    const local = position - part.start;
    if (part.size === local) return false;
    const reader = view.openPart(part);
    if (reader === null) return true; // deleted meanwhile: the next look skips past it
    let chunk: Uint8Array;
    const requested = Math.min(READ_BYTES, part.size - local);
    try {
      chunk = await readAt(reader, local, requested);
    } finally {
      reader.close();
    }
    if (chunk.length === 0) {
      // A closed part shorter than its manifest says (damaged): go past it instead of spinning.
      this.#position = part.start + part.size;
      return true;
    }
    this.#take(chunk, position);
    if (local + chunk.length >= part.size || chunk.length < requested) {
      // A closed part never grows: a fragment at its end (a crashed session archived, a damaged
      // segment) is torn, as every reader counts it. Without this, the next look would read the
      // fragment again, and again: a loop of microtasks that starves the event loop.
      this.#position = part.start + part.size;
      this.#skipping = false;
    }
    return true;
  }

  /**
   * Read the active file's new bytes (`size` now, its logical start `base`)
   * from the position on; true when something was queued or more is
   * readable now. A file shorter than the position, or whose bytes before
   * it changed, was truncated (and maybe regrown): reset.
   */
  async #readActive(file: RegularFile, base: number, size: number): Promise<boolean> {
    const position = Math.max(this.#position ?? 0, base);
    const local = position - base;
    if (size < local) return this.#reset("truncated", base);
    if (local > 0) {
      // Same file, not shorter: but truncated and regrown, or a new file on a reused inode?
      const seen = fingerprintAt(file, local);
      if (
        this.#fingerprint !== null && this.#fingerprintEnd === position &&
        !sameBytes(seen, this.#fingerprint)
      ) {
        return this.#reset("truncated", base);
      }
      this.#fingerprint = seen;
      this.#fingerprintEnd = position;
    }
    if (size === local) return false;
    const chunk = await readAt(file, local, Math.min(READ_BYTES, size - local));
    if (chunk.length === 0) return false;
    const queued = this.#take(chunk, position);
    this.#rememberConsumed(chunk, position);
    return queued || position + chunk.length < base + size;
  }

  /** Close the active file held between looks. */
  #release(): void {
    this.#held?.file.close();
    this.#held = null;
  }

  /** After `#take`: the fingerprint of the new position, from the bytes just read. */
  #rememberConsumed(chunk: Uint8Array, position: number): void {
    const end = this.#position ?? 0;
    if (end === position) return;
    const consumed = chunk.subarray(0, end - position);
    if (consumed.length >= FINGERPRINT_BYTES || this.#fingerprintEnd !== position) {
      this.#fingerprint = consumed.slice(Math.max(0, consumed.length - FINGERPRINT_BYTES));
    } else {
      const before = this.#fingerprint ?? new Uint8Array(0);
      const joined = new Uint8Array(before.length + consumed.length);
      joined.set(before);
      joined.set(consumed, before.length);
      this.#fingerprint = joined.slice(Math.max(0, joined.length - FINGERPRINT_BYTES));
    }
    this.#fingerprintEnd = end;
  }

  #reset(reason: "truncated" | "replaced", start: number): boolean {
    this.#fingerprint = null;
    this.#fingerprintEnd = -1;
    this.#position = start;
    this.#skipping = false;
    this.#queue.push({ type: "reset", reason, end: start });
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

  /**
   * A file-system watch is only a hint that wakes the poll early (events
   * duplicate and drop). Only the active file itself is watched (again when
   * a rotation or a replacement gives it a new inode), never the directory:
   * a platform watcher on the log root can block on a FIFO created there.
   */
  #ensureWatcher(): void {
    if (this.#stopped) return;
    let ino: number | null = null;
    this.#named = null;
    try {
      const info = Deno.lstatSync(this.#path);
      if (info.isFile) {
        ino = info.ino;
        if (info.ino !== null && info.dev !== null) this.#named = { ino: info.ino, dev: info.dev };
      }
    } catch {
      // No active file (yet): the poll covers it.
    }
    if (ino === this.#watchedIno && (ino === null || this.#watcher !== null)) return;
    this.#closeWatcher();
    this.#watchedIno = ino;
    if (ino === null) return;
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(this.#path, { recursive: false });
    } catch {
      return; // removed meanwhile, or no watch support: the poll covers it
    }
    this.#watcher = watcher;
    (async () => {
      try {
        for await (const event of watcher) {
          // A read (ours included: every look reads the file) is no change.
          if (event.kind === "access") continue;
          this.#changed = true;
          this.#wake?.();
        }
      } catch {
        // watcher closed or failed: the poll covers it
      }
    })();
  }

  #closeWatcher(): void {
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    this.#watcher = null;
  }

  #stop(): void {
    // Not during a look: a read of the held file may be under way (the look releases it).
    if (!this.#looking) this.#release();
    if (this.#stopped && this.#watcher === null) return;
    this.#stopped = true;
    this.#userSignal?.removeEventListener("abort", this.#onAbort);
    this.#closeWatcher();
    this.#wake?.();
  }
}

/**
 * Follow a session: yield each new complete event from `from` (a logical
 * offset; default: the end of the session) for as long as `signal` allows.
 * Waits for a session that does not exist yet; a torn tail is held back until
 * its newline arrives; a rotation into a closed segment is crossed without a
 * gap or a duplicate (the closed segment is read to its end first); when the
 * active file is truncated or replaced it yields `{type: "reset"}` and
 * restarts from the active file's start. A watch on the active file only
 * wakes it early; a poll is the fallback. The watcher and timers are released
 * on abort or when the consumer stops.
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
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  assertValidSessionId(sessionId);
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
    throw new RangeError(`from: expected a byte offset (an integer ≥ 0), got ${options.from}`);
  }
  const poll = options.pollIntervalMs;
  if (poll !== undefined && !(Number.isFinite(poll) && poll > 0)) {
    throw new RangeError(`pollIntervalMs: expected a positive number of milliseconds, got ${poll}`);
  }
  return new ExecutionFollower(baseDir, sessionId, options);
}
