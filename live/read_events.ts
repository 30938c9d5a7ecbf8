/**
 * Streaming a session file (or any byte stream) as events with their byte
 * offsets, counting every line that is not an event instead of failing.
 *
 * @module
 */
import type { ReadEvent, ReadStats } from "../execution/wire/types.ts";
import { ByteLineStream } from "../execution/wire/byte_line_stream.ts";
import { countLine, emptyReadStats } from "../execution/wire/line_stats.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";

/** Bytes read per step from a file. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Open `path` for reading (any path the caller names, links followed; never
 * blocking on a FIFO): throws `NotFound` when it is missing, and an error
 * saying so when it is not a regular file.
 */
function openRegular(path: string): RegularFile {
  const file = RegularFile.open(path, { followLinks: true });
  if (file !== null) return file;
  try {
    Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Deno.errors.NotFound(`no file at ${path}`);
    throw err;
  }
  throw new Error(`${path} is not a regular file (a FIFO, device or directory)`);
}

/** The bytes of `file` from `offset` on, read by position. */
function fileStream(file: RegularFile, offset: number): ReadableStream<Uint8Array> {
  let position = offset;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(READ_CHUNK_BYTES);
      const n = await file.read(position, buf);
      if (n === 0) {
        controller.close();
        return;
      }
      position += n;
      controller.enqueue(buf.subarray(0, n));
    },
  });
}

/**
 * Options of {@linkcode readExecutionEvents}.
 *
 * @example
 * ```ts
 * import type { ReadExecutionEventsOptions } from "@peak-trade/execution";
 * const options: ReadExecutionEventsOptions = { offset: 0, maxLineBytes: 1 << 20 };
 * ```
 */
export interface ReadExecutionEventsOptions {
  /**
   * For a path: the byte offset to start reading at (a line start). For a
   * stream: the offset its first byte has in the file.
   *
   * @default {0}
   */
  offset?: number;
  /**
   * Longest line read, in bytes; longer lines are skipped and counted.
   *
   * @default {1048576}
   */
  maxLineBytes?: number;
  /** Stop reading when this signal aborts (the iteration ends quietly). */
  signal?: AbortSignal;
}

/**
 * An async iterable of the events of one source; `stats` fills in as it is
 * consumed.
 *
 * @example
 * ```ts
 * import { readExecutionEvents } from "@peak-trade/execution";
 * // Any byte stream works; a path ("logs/execution/demo.jsonl") is opened for you.
 * const source = new Blob([
 *   '{"ts":"2026-11-25T09:30:45Z","session_id":"demo","symbol":"BTC-USD","mode":"paper","kind":"intent","payload":{}}\n',
 *   "not json\n",
 * ]).stream();
 * const reader = readExecutionEvents(source);
 * for await (const event of reader) console.log(event.kind, event.offset); // "intent" 0
 * console.log(reader.stats.invalid_lines); // 1
 * ```
 */
export class ExecutionEventReader implements AsyncIterable<ReadEvent> {
  #source: string | ReadableStream<Uint8Array>;
  #options: ReadExecutionEventsOptions;
  #stats: ReadStats = emptyReadStats();
  #used = false;

  /** Wrap a source; nothing is opened until iteration starts. */
  constructor(source: string | ReadableStream<Uint8Array>, options: ReadExecutionEventsOptions) {
    this.#source = source;
    this.#options = options;
  }

  /** Line statistics of what has been read so far. */
  get stats(): ReadStats {
    return this.#stats;
  }

  /** Iterate the events (once). */
  async *[Symbol.asyncIterator](): AsyncIterator<ReadEvent> {
    if (this.#used) throw new Error("readExecutionEvents: a reader can be iterated only once");
    this.#used = true;
    const offset = this.#options.offset ?? 0;
    let bytes: ReadableStream<Uint8Array>;
    let file: RegularFile | null = null;
    if (typeof this.#source === "string") {
      file = openRegular(this.#source);
      bytes = fileStream(file, offset);
    } else {
      bytes = this.#source;
    }
    const lines = bytes.pipeThrough(
      new ByteLineStream({ startOffset: offset, maxLineBytes: this.#options.maxLineBytes }),
      { signal: this.#options.signal },
    );
    const stats = this.#stats;
    try {
      for await (const line of lines) {
        const event = countLine(stats, line);
        if (event !== null) yield event;
      }
    } catch (err) {
      if (!(this.#options.signal?.aborted)) throw err;
    } finally {
      file?.close();
    }
  }
}

/**
 * Read execution events from a file path or a byte stream, with their byte
 * offsets and line statistics. Reads files of this product and of the
 * original (spaces after separators, `\uXXXX`, any `fromisoformat` timestamp,
 * bare `NaN`/`Infinity`). One undecodable or bad line costs that line only; an
 * unterminated final fragment is counted as torn, never parsed.
 *
 * @example
 * ```ts
 * import { readExecutionEvents } from "@peak-trade/execution";
 * const bytes = new TextEncoder().encode('{"ts": "2026-11-25T09:30:45Z", "kind": "fill", "payload": {}}\nnot json\n');
 * const reader = readExecutionEvents(ReadableStream.from([bytes]));
 * for await (const event of reader) console.log(event.kind, event.ts); // fill 2026-11-25T09:30:45.000000+00:00
 * console.log(reader.stats); // { total_lines: 2, valid_events: 1, invalid_lines: 1, torn_lines: 0, oversized_lines: 0 }
 * ```
 */
export function readExecutionEvents(
  source: string | ReadableStream<Uint8Array>,
  options: ReadExecutionEventsOptions = {},
): ExecutionEventReader {
  return new ExecutionEventReader(source, options);
}
