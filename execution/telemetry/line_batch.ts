/**
 * `LineBatch`: whole encoded lines on their way into one session file, and
 * how far their write got.
 *
 * @module
 */
import { renumberLines } from "./line_renumber.ts";

const NEWLINE = 0x0a;

/**
 * One chunk of a session file's stream: the first `count` lines of a
 * session's queue (a view of its {@linkcode LineBuffer}, not a copy),
 * numbered `seqBefore + 1 …`, and the outcome of writing them. The session
 * file renumbers a batch (new `bytes` and `seqBefore`) when another process
 * appended since its last write, and advances `written` as the kernel takes
 * the bytes.
 */
export class LineBatch {
  /** The encoded lines, each ending in `\n`. */
  bytes: Uint8Array;
  /** The seq just before the batch's first line. */
  seqBefore: number;
  /** Bytes of complete lines handed to the kernel (always at a line boundary). */
  written = 0;
  /** The error of the last write attempt, or `null`. */
  error: unknown = null;
  /** Its written lines were taken off the queue and counted (by the drain or the sync path). */
  accounted = false;

  /** A batch of `count` lines, not yet written. */
  constructor(bytes: Uint8Array, readonly count: number, seqBefore: number) {
    this.bytes = bytes;
    this.seqBefore = seqBefore;
  }

  /**
   * Completely written (by the stream or by the exit path): never written
   * again. A failed batch is not done, and a later attempt resumes it at
   * `written`.
   */
  get done(): boolean {
    return this.written === this.bytes.length;
  }

  /** The last seq of the batch. */
  get seqAfter(): number {
    return this.seqBefore + this.count;
  }

  /** How many of the batch's lines are completely written. */
  completeLines(): number {
    return this.done ? this.count : countNewlines(this.bytes, this.written);
  }

  /** Number the (not yet written) lines from `seqBefore + 1`, in a copy of the bytes. */
  renumber(seqBefore: number): void {
    this.bytes = renumberLines(this.bytes, this.count, seqBefore + 1).bytes;
    this.seqBefore = seqBefore;
  }
}

/** Number of `\n` bytes in `bytes[0, end)`. */
function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) {
    count++;
  }
  return count;
}
