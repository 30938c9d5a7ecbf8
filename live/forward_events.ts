/**
 * Reading a session forwards, from a logical offset to the end it had when
 * opened, in chunks: each step hands back the events of the complete lines
 * read (with line statistics, and logical offsets), and where the next step
 * starts. A rotated session is read across its parts in order (closed
 * segments, a compressed one member by member, then the active file), a
 * whole-session archive front to back. Bounded memory whatever the session's
 * size; the caller pulls, so an export streams only as fast as its client
 * reads, and a query can stop after a byte budget.
 *
 * @module
 */
import type { ReadEvent, ReadStats } from "../execution/wire/types.ts";
import { LineSplitter } from "../execution/wire/line_stream.ts";
import { countLine, emptyReadStats } from "../execution/wire/line_stats.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import type { PartReader } from "./gzip_readers.ts";
import { openSessionView, type SessionView } from "./session_view.ts";

/** Bytes read per step. */
const STEP_BYTES = 1024 * 1024;

/**
 * A forward reader over one session. `next()` gives the events of the next
 * chunk (possibly none) or `null` at the end; `position` is the logical
 * offset after the last complete line read (where a later read continues).
 */
export class ForwardEventReader {
  /** Line statistics of what was read so far. */
  readonly stats: ReadStats = emptyReadStats();
  #view: SessionView;
  #end: number;
  /** The part being read, and its reader. */
  #part = 0;
  #reader: PartReader | null = null;
  /** Logical offset of the next byte to read. */
  #read: number;
  #splitter: LineSplitter;
  #closed = false;

  /** Use {@linkcode openForwardReader}. */
  constructor(view: SessionView, from: number) {
    this.#view = view;
    this.#end = view.end;
    this.#read = Math.min(Math.max(from, view.firstStart), this.#end);
    this.#splitter = new LineSplitter({ startOffset: this.#read });
    while (
      this.#part < view.parts.length - 1 &&
      view.parts[this.#part].start + view.parts[this.#part].size <= this.#read
    ) this.#part++;
  }

  /** Logical offset after the last complete line read. */
  get position(): number {
    return this.#splitter.lineStart;
  }

  /** The session's logical size when it was opened: the reader stops there. */
  get size(): number {
    return this.#end;
  }

  /** The events of the next chunk, or `null` once the end was reached (the files are closed then). */
  async next(): Promise<ReadEvent[] | null> {
    if (this.#closed) return null;
    const part = this.#view.parts[this.#part];
    const partEnd = part === undefined ? this.#end : Math.min(this.#end, part.start + part.size);
    if (part === undefined || this.#read >= partEnd) {
      // A fragment without its newline at the end of a part is counted as torn (a write in
      // progress at the end of the active file; damage at the end of a closed part).
      this.#splitter.finish((line) => countLine(this.stats, line));
      this.#reader?.close();
      this.#reader = null;
      if (part === undefined || this.#part === this.#view.parts.length - 1) {
        this.close();
        return null;
      }
      this.#part++;
      this.#read = Math.max(this.#read, this.#view.parts[this.#part].start);
      this.#splitter = new LineSplitter({ startOffset: this.#read });
      return [];
    }
    this.#reader ??= this.#view.openPart(part);
    const chunk = new Uint8Array(Math.min(STEP_BYTES, partEnd - this.#read));
    const n = this.#reader === null ? 0 : await this.#reader.read(this.#read - part.start, chunk);
    if (n === 0) {
      this.#read = partEnd; // gone (retention) or shorter meanwhile: go on with the next part
      return [];
    }
    this.#read += n;
    const events: ReadEvent[] = [];
    this.#splitter.push(chunk.subarray(0, n), (line) => {
      const event = countLine(this.stats, line);
      if (event !== null) events.push(event);
    });
    return events;
  }

  /** Close the session's files (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader?.close();
    this.#reader = null;
    this.#view.close();
  }
}

/**
 * Open `sessionId` in `baseDir` for a forward read from the logical offset
 * `from` (a line start) to its current end, or `null` when there is no such
 * session. Throws `InvalidSessionIdError` for an invalid id.
 *
 * @example
 * ```ts
 * import { openForwardReader } from "./forward_events.ts";
 * const reader = await openForwardReader("logs/execution", "demo", 0);
 * for (let events = await reader?.next(); events; events = await reader!.next()) {
 *   console.log(events.length);
 * }
 * ```
 */
export async function openForwardReader(
  baseDir: string,
  sessionId: string,
  from: number,
): Promise<ForwardEventReader | null> {
  assertValidSessionId(sessionId);
  const view = await openSessionView(baseDir, sessionId);
  if (!view.found) {
    view.close();
    return null;
  }
  return new ForwardEventReader(view, from);
}
