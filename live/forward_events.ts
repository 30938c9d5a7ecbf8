/**
 * Reading a session file forwards, from an offset to the size it had when
 * opened, in chunks: each step hands back the events of the complete lines
 * read (with line statistics), and where the next step starts. Bounded
 * memory whatever the file size; the caller pulls, so an export streams only
 * as fast as its client reads, and a query can stop after a byte budget.
 *
 * @module
 */
import type { RegularFile } from "../execution/wire/regular_file.ts";
import type { ReadEvent, ReadStats } from "../execution/wire/types.ts";
import { LineSplitter } from "../execution/wire/line_stream.ts";
import { countLine, emptyReadStats } from "../execution/wire/line_stats.ts";
import { readAt } from "./backward_lines.ts";
import { openSessionFile } from "./session_file.ts";

/** Bytes read per step. */
const STEP_BYTES = 1024 * 1024;

/**
 * A forward reader over one session file. `next()` gives the events of the
 * next chunk (possibly none) or `null` at the end; `position` is the offset
 * after the last complete line read (where a later read continues).
 */
export class ForwardEventReader {
  /** Line statistics of what was read so far. */
  readonly stats: ReadStats = emptyReadStats();
  #file: RegularFile;
  #size: number;
  #splitter: LineSplitter;
  #read: number;
  #closed = false;

  /** Use {@linkcode openForwardReader}. */
  constructor(file: RegularFile, from: number, size: number) {
    this.#file = file;
    this.#size = size;
    this.#read = from;
    this.#splitter = new LineSplitter({ startOffset: from });
  }

  /** Offset after the last complete line read. */
  get position(): number {
    return this.#splitter.lineStart;
  }

  /** The file size when it was opened: the reader stops there. */
  get size(): number {
    return this.#size;
  }

  /** The events of the next chunk, or `null` once the end was reached (the file is closed then). */
  async next(): Promise<ReadEvent[] | null> {
    if (this.#closed) return null;
    if (this.#read >= this.#size) {
      // A fragment without its newline at the end is a write in progress: counted as torn.
      this.#splitter.finish((line) => countLine(this.stats, line));
      this.close();
      return null;
    }
    const chunk = await readAt(
      this.#file,
      this.#read,
      Math.min(STEP_BYTES, this.#size - this.#read),
    );
    if (chunk.length === 0) {
      this.#size = this.#read; // shrank meanwhile
      return [];
    }
    this.#read += chunk.length;
    const events: ReadEvent[] = [];
    this.#splitter.push(chunk, (line) => {
      const event = countLine(this.stats, line);
      if (event !== null) events.push(event);
    });
    return events;
  }

  /** Close the file (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}

/**
 * Open the session file at `path` for a forward read from `from` (a line
 * start) to its current size, or `null` when there is no such regular file.
 *
 * @example
 * ```ts
 * import { openForwardReader } from "./forward_events.ts";
 * const reader = await openForwardReader("logs/execution/demo.jsonl", 0);
 * for (let events = await reader?.next(); events; events = await reader!.next()) {
 *   console.log(events.length);
 * }
 * ```
 */
export async function openForwardReader(
  path: string,
  from: number,
): Promise<ForwardEventReader | null> {
  const file = await openSessionFile(path);
  if (file === null) return null;
  try {
    const size = (await file.stat()).size;
    return new ForwardEventReader(file, Math.min(from, size), size);
  } catch (err) {
    file.close();
    throw err;
  }
}
