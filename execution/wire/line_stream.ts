/**
 * Splitting a byte stream into lines with their byte offsets, in bounded
 * memory: a line longer than the cap is skipped and counted, never buffered.
 *
 * @module
 */

/** Newline byte. */
const LF = 0x0a;
/** Carriage return byte (stripped before a newline). */
const CR = 0x0d;

/**
 * The default line cap: 1 MiB. Events are a few hundred bytes; anything this
 * long is corrupt or hostile, and buffering it would make memory unbounded.
 */
export const DEFAULT_MAX_LINE_BYTES: number = 1024 * 1024;

/**
 * One line of a byte stream. `bytes` excludes the `\n` and a `\r` before it.
 *
 * @example
 * ```ts
 * import type { ByteLine } from "@peak-trade/execution";
 * const line: ByteLine = { bytes: new Uint8Array([123, 125]), offset: 0, end: 3, status: "line" };
 * ```
 */
export interface ByteLine {
  /** The line's content (empty for an oversized line). */
  bytes: Uint8Array;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just after the line's `\n` (for a torn fragment: the end of the data). */
  end: number;
  /** `line`: complete; `oversized`: longer than the cap, skipped; `torn`: no final `\n`. */
  status: "line" | "oversized" | "torn";
}

/**
 * Options of {@linkcode LineSplitter} and of `ByteLineStream` (`byte_line_stream.ts`).
 *
 * @example
 * ```ts
 * import type { LineStreamOptions } from "@peak-trade/execution";
 * const options: LineStreamOptions = { maxLineBytes: 64 * 1024, startOffset: 4096 };
 * ```
 */
export interface LineStreamOptions {
  /**
   * Longest line kept, in bytes (without the line ending). Longer lines are
   * reported as `oversized` with empty content.
   *
   * @default {1048576}
   */
  maxLineBytes?: number;
  /**
   * Byte offset of the first byte of the stream (when it starts mid-file).
   *
   * @default {0}
   */
  startOffset?: number;
}

/**
 * The synchronous core of `ByteLineStream` (`byte_line_stream.ts`): feed chunks, receive
 * lines through a callback. Hot paths (summary, timeline) use it directly to
 * avoid a promise per line.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "@peak-trade/execution";
 * const splitter = new LineSplitter();
 * const lines: string[] = [];
 * splitter.push(new TextEncoder().encode("a\r\nb\nc"), (l) => lines.push(new TextDecoder().decode(l.bytes)));
 * splitter.finish((l) => lines.push(l.status));
 * console.log(lines); // ["a", "b", "torn"]
 * ```
 */
export class LineSplitter {
  #max: number;
  #position: number;
  #lineStart: number;
  #parts: Uint8Array[] = [];
  #pendingBytes = 0;
  #skipping = false;

  /** Create a splitter (see {@linkcode LineStreamOptions}). */
  constructor(options: LineStreamOptions = {}) {
    this.#max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#position = options.startOffset ?? 0;
    this.#lineStart = this.#position;
  }

  /** Byte offset of the first byte not yet returned as part of a complete line. */
  get lineStart(): number {
    return this.#lineStart;
  }

  /** Split `chunk`, calling `onLine` for each line it completes. */
  push(chunk: Uint8Array, onLine: (line: ByteLine) => void): void {
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      const nl = chunk.indexOf(LF, i);
      if (nl === -1) {
        this.#hold(chunk.subarray(i));
        break;
      }
      const end = this.#position + nl + 1;
      if (this.#skipping || this.#pendingBytes + (nl - i) > this.#max + 1) {
        // +1 leaves room for a `\r` that is stripped below.
        this.#emitOversized(end, onLine);
      } else {
        let bytes: Uint8Array;
        if (this.#pendingBytes === 0) {
          bytes = chunk.subarray(i, nl);
        } else {
          this.#parts.push(chunk.subarray(i, nl));
          bytes = this.#joinParts();
        }
        if (bytes.length > 0 && bytes[bytes.length - 1] === CR) {
          bytes = bytes.subarray(0, bytes.length - 1);
        }
        if (bytes.length > this.#max) this.#emitOversized(end, onLine);
        else onLine({ bytes, offset: this.#lineStart, end, status: "line" });
      }
      this.#lineStart = end;
      i = nl + 1;
    }
    this.#position += length;
  }

  /** Report what is left (an unterminated fragment) as `torn`. */
  finish(onLine: (line: ByteLine) => void): void {
    if (this.#pendingBytes > 0 || this.#skipping) {
      const bytes = this.#skipping ? new Uint8Array(0) : this.#joinParts();
      onLine({ bytes, offset: this.#lineStart, end: this.#position, status: "torn" });
    }
    this.#parts = [];
    this.#pendingBytes = 0;
    this.#skipping = false;
  }

  #hold(rest: Uint8Array): void {
    if (this.#skipping) return;
    if (this.#pendingBytes + rest.length > this.#max + 1) {
      this.#parts = [];
      this.#pendingBytes = 0;
      this.#skipping = true;
      return;
    }
    // Copy: the caller may reuse its buffer for the next chunk.
    this.#parts.push(rest.slice());
    this.#pendingBytes += rest.length;
  }

  #emitOversized(end: number, onLine: (line: ByteLine) => void): void {
    this.#parts = [];
    this.#pendingBytes = 0;
    this.#skipping = false;
    onLine({ bytes: new Uint8Array(0), offset: this.#lineStart, end, status: "oversized" });
  }

  #joinParts(): Uint8Array {
    const parts = this.#parts;
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    this.#parts = [];
    this.#pendingBytes = 0;
    return out;
  }
}
