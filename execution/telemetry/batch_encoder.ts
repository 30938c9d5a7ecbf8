/**
 * `BatchEncoder`: turns queued line prefixes into the UTF-8 bytes of one
 * write, appending each line's `seq` and `}\n`. The writer's hot path after
 * `emit()`.
 *
 * @module
 */
import { encodeEventLinePrefix } from "./line_encoder.ts";
import { LineBatch } from "./line_batch.ts";
import { type DropMarker, NonAsciiLine, type QueuedItem } from "./queued_item.ts";
import { formatWireTimestamp } from "../wire_time.ts";

/** ASCII lines are joined into strings of about this many characters before encoding. */
const RUN_CHARS = 16 * 1024;
/** First size of the reusable encode buffer. */
const MIN_SCRATCH_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/**
 * Encodes batches of queued items into one reusable buffer; one encoder
 * serves every session of a logger (batches are encoded one at a time).
 */
export class BatchEncoder {
  /** Reused by every batch; grows to the largest batch. */
  #scratch = new Uint8Array(0);

  /**
   * Encode `items[from, end)` of session `sessionId` as complete lines,
   * numbered from `seqBefore + 1`, until the batch holds `maxBytes`.
   *
   * HOT PATH: runs of ASCII lines are joined into one string and encoded into
   * a reusable buffer with one `encodeInto` (a memcpy for V8's one-byte
   * strings; a call per line costs more than the copy); a non-ASCII line is
   * encoded on its own, since it would turn a joined run into a two-byte
   * string that is slower to transcode. The batch is then copied out once.
   */
  encode(
    sessionId: string,
    items: QueuedItem[],
    from: number,
    end: number,
    seqBefore: number,
    maxBytes: number,
  ): LineBatch {
    const { bytes, count } = this.#encodeLines(sessionId, items, from, end, seqBefore, maxBytes);
    return new LineBatch(bytes, items, from, count, seqBefore);
  }

  /** Encode the same lines of `batch` again, numbered from `seqBefore + 1`. */
  renumber(sessionId: string, batch: LineBatch, seqBefore: number): void {
    const end = batch.from + batch.count;
    batch.bytes = this.#encodeLines(sessionId, batch.items, batch.from, end, seqBefore, Infinity)
      .bytes;
    batch.seqBefore = seqBefore;
  }

  /** Encode through the scratch buffer: the bytes (copied out) and how many items they hold. */
  #encodeLines(
    sessionId: string,
    items: QueuedItem[],
    from: number,
    end: number,
    seqBefore: number,
    maxBytes: number,
  ): { bytes: Uint8Array; count: number } {
    let seq = seqBefore;
    let length = 0;
    let run = "";
    let i = from;
    for (; i < end; i++) {
      const item = items[i];
      // Stop before a line that would take the batch past `maxBytes` (a batch holds at least
      // one line). An upper bound of the line's bytes: ASCII is one byte per character, other
      // text at most three; the seq and `}\n` add at most 18.
      if (i > from && length + run.length + lineBound(item) > maxBytes) break;
      seq++;
      if (typeof item === "string") {
        run += item + seq + "}\n";
        if (run.length < RUN_CHARS) continue;
      } else if (item instanceof NonAsciiLine) {
        length = this.#appendText(length, run);
        run = item.text + seq + "}\n";
      } else {
        length = this.#appendText(length, run);
        run = dropReportLine(sessionId, item, seq);
      }
      length = this.#appendText(length, run);
      run = "";
    }
    length = this.#appendText(length, run);
    return { bytes: this.#scratch.slice(0, length), count: i - from };
  }

  /** Encode `text` into the scratch buffer at `length`; returns the new length. */
  #appendText(length: number, text: string): number {
    if (text === "") return length;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.#reserve(length, text.length * 3);
    return length + encoder.encodeInto(text, this.#scratch.subarray(length)).written;
  }

  /** Make room for `more` bytes after the first `length` of the scratch buffer. */
  #reserve(length: number, more: number): void {
    if (this.#scratch.length - length >= more) return;
    const grown = new Uint8Array(
      Math.max(this.#scratch.length * 2, length + more, MIN_SCRATCH_BYTES),
    );
    grown.set(this.#scratch.subarray(0, length));
    this.#scratch = grown;
  }
}

/** Upper bound of the bytes an item's line takes (see the check in `#encodeLines`). */
function lineBound(item: QueuedItem): number {
  if (typeof item === "string") return item.length + 18;
  if (item instanceof NonAsciiLine) return item.length * 3 + 18;
  return DROP_LINE_BOUND;
}

/** Upper bound of a `TELEMETRY_DROPPED` line (its symbol and mode come from the event). */
const DROP_LINE_BOUND = 1024;

/** The complete `TELEMETRY_DROPPED` line that stands for a run of dropped events. */
function dropReportLine(sessionId: string, marker: DropMarker, seq: number): string {
  return encodeEventLinePrefix({
    ts: formatWireTimestamp(new Date()),
    session_id: sessionId,
    symbol: marker.symbol,
    mode: marker.mode,
    kind: "error",
    payload: {
      error: `telemetry buffer full: ${marker.count} events dropped`,
      code: "TELEMETRY_DROPPED",
      stacktrace: null,
      dropped: marker.count,
    },
  }) + seq + "}\n";
}
