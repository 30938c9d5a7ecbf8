/**
 * `LineBuffer`: one session's queued lines as the bytes that will be written,
 * oldest first, complete with their `seq` and `\n`. The line encoder writes
 * each event straight into it; a batch is a view of its front, handed to
 * `write(2)` without another copy.
 *
 * @module
 */
import { renumberLines } from "./line_renumber.ts";

/** First size of a session's buffer. */
const MIN_BYTES = 64 * 1024;
/** An emptied buffer larger than this is let go (a burst should not pin its peak). */
const KEEP_BYTES = 4 * 1024 * 1024;
const MIN_LINES = 256;

/** What {@linkcode LineBuffer.consume} released: events (own report lines aside) and their bytes. */
export interface ReleasedLines {
  events: number;
  eventBytes: number;
}

/**
 * The queued lines of one session. Lines live in `bytes[start, end)`; the
 * encoder writes a new line from `end` on (see {@linkcode room}) and
 * {@linkcode commit}s it. A batch taken from the front stays a view of these
 * bytes until it is consumed, so while one is out (`pinned`) the bytes are
 * never moved in place: growing then copies into a new array and the view
 * keeps the old one.
 */
export class LineBuffer {
  /** The bytes; public for the encoder's hot path, which writes at `end` and after it. */
  bytes: Uint8Array = new Uint8Array(0);
  /** First byte of the oldest line. */
  start = 0;
  /** End of the newest committed line. */
  end = 0;
  /** A view of the front is being written: its bytes must stay where they are. */
  pinned = false;
  /** Length of each line, oldest first, in `#lengths[#head, #tail)`; negative for the logger's own lines. */
  #lengths = new Int32Array(MIN_LINES);
  #head = 0;
  #tail = 0;

  /** Lines queued. */
  get lines(): number {
    return this.#tail - this.#head;
  }

  /** Bytes queued. */
  get byteLength(): number {
    return this.end - this.start;
  }

  /**
   * Make sure `more` bytes fit after `at` (a position at or after `end`,
   * the end of the line being written); returns `at`, moved if the line was.
   *
   * HOT PATH: one comparison unless the buffer grows.
   */
  room(at: number, more: number): number {
    if (at + more <= this.bytes.length) return at;
    return this.#grow(at, more);
  }

  /** The line written in `[end, at)` is complete: queue it (`own`: the logger's report, not an event). */
  commit(at: number, own = false): void {
    if (this.#tail === this.#lengths.length) this.#growLengths();
    this.#lengths[this.#tail++] = own ? this.end - at : at - this.end;
    this.end = at;
  }

  /** The bytes of the first `count` lines. */
  bytesOf(count: number): number {
    let bytes = 0;
    const lengths = this.#lengths;
    for (let i = this.#head, end = this.#head + count; i < end; i++) {
      const length = lengths[i];
      bytes += length < 0 ? -length : length;
    }
    return bytes;
  }

  /**
   * How many whole lines from the front fit in `maxBytes` (at least one,
   * at most `limit`).
   */
  fit(maxBytes: number, limit: number): number {
    const lengths = this.#lengths;
    const last = this.#head + Math.min(limit, this.lines);
    let bytes = 0;
    let i = this.#head;
    for (; i < last; i++) {
      const length = lengths[i];
      bytes += length < 0 ? -length : length;
      if (bytes > maxBytes && i > this.#head) break;
    }
    return i - this.#head;
  }

  /** A view of the first `count` lines (`bytes` of them). */
  front(bytes: number): Uint8Array {
    return this.bytes.subarray(this.start, this.start + bytes);
  }

  /** Drop the first `count` lines (written or given up); returns what they held. */
  consume(count: number): ReleasedLines {
    const lengths = this.#lengths;
    let events = 0;
    let eventBytes = 0;
    let bytes = 0;
    const end = this.#head + count;
    for (let i = this.#head; i < end; i++) {
      const length = lengths[i];
      if (length < 0) {
        bytes -= length;
      } else {
        bytes += length;
        events++;
        eventBytes += length;
      }
    }
    this.#head = end;
    this.start += bytes;
    if (this.#head === this.#tail) this.#reset();
    return { events, eventBytes };
  }

  /**
   * Give every queued line from the `skip`-th on a new `seq`, counting up
   * from `firstSeq` (the rare path: the file's numbering moved under the
   * queue). The lines before `skip` keep their bytes. Copies into a new
   * array, so a pinned view stays valid.
   */
  renumber(skip: number, firstSeq: number): void {
    const skipBytes = this.bytesOf(skip);
    const from = this.start + skipBytes;
    const count = this.lines - skip;
    const renumbered = renumberLines(this.bytes.subarray(from, this.end), count, firstSeq);
    const lengths = this.#lengths;
    for (let i = 0; i < count; i++) {
      const at = this.#head + skip + i;
      lengths[at] = lengths[at] < 0 ? -renumbered.lengths[i] : renumbered.lengths[i];
    }
    const size = skipBytes + renumbered.bytes.length;
    const next = new Uint8Array(Math.max(MIN_BYTES, size * 2));
    next.set(this.bytes.subarray(this.start, from));
    next.set(renumbered.bytes, skipBytes);
    this.bytes = next;
    this.start = 0;
    this.end = size;
  }

  #grow(at: number, more: number): number {
    const live = at - this.start;
    const needed = live + more;
    if (!this.pinned && this.start > 0 && needed <= this.bytes.length / 2) {
      // Mostly written already: move the rest to the front instead of allocating.
      this.bytes.copyWithin(0, this.start, at);
    } else {
      let size = Math.max(MIN_BYTES, this.bytes.length);
      while (size < needed * 2) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(this.start, at));
      this.bytes = next;
    }
    const shift = this.start;
    this.start = 0;
    this.end -= shift;
    return at - shift;
  }

  #growLengths(): void {
    const lines = this.lines;
    const lengths = lines * 2 > this.#lengths.length
      ? new Int32Array(this.#lengths.length * 2)
      : this.#lengths;
    lengths.set(this.#lengths.subarray(this.#head, this.#tail));
    this.#lengths = lengths;
    this.#head = 0;
    this.#tail = lines;
  }

  #reset(): void {
    this.#head = 0;
    this.#tail = 0;
    if (this.pinned) {
      // The view being written keeps the old bytes; new lines go to a fresh array.
      this.bytes = new Uint8Array(0);
    } else if (this.bytes.length > KEEP_BYTES) {
      this.bytes = new Uint8Array(0);
    }
    this.start = 0;
    this.end = 0;
  }
}
