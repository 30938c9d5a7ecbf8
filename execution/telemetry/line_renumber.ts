/**
 * Giving encoded lines new `seq` values: the writer numbers each line when
 * it is encoded and renumbers only when the file's numbering moved under it
 * (another process appended, the file was reopened). Off the hot path.
 *
 * @module
 */
import { writeUnsigned } from "./json_bytes.ts";

const NEWLINE = 0x0a;
/** `"seq":`, which the seq digits follow. */
const SEQ_KEY = new TextEncoder().encode('"seq":');
const ZERO = 0x30;
const NINE = 0x39;
/** Bytes a `seq` can gain when renumbered (at most 16 digits). */
const SEQ_DIGITS_BOUND = 16;

/** Renumbered lines and the new length of each. */
export interface RenumberedLines {
  bytes: Uint8Array;
  lengths: number[];
}

/**
 * Copy `count` whole lines (each ending in `,"seq":<digits>}\n`, as the
 * encoder writes them) with their `seq` replaced by `firstSeq`,
 * `firstSeq + 1`, …
 *
 * @throws {Error} when a line does not end with a `seq` (a bug: the writer only queues its own lines).
 */
export function renumberLines(
  source: Uint8Array,
  count: number,
  firstSeq: number,
): RenumberedLines {
  const out = new Uint8Array(source.length + count * SEQ_DIGITS_BOUND);
  const lengths: number[] = [];
  let read = 0;
  let write = 0;
  for (let i = 0; i < count; i++) {
    const end = source.indexOf(NEWLINE, read) + 1;
    if (end === 0) throw new Error("renumbering: a queued line has no end");
    // `}\n` closes the line; the seq digits stand right before the `}`.
    let digits = end - 2;
    while (digits > read && source[digits - 1] >= ZERO && source[digits - 1] <= NINE) digits--;
    if (digits === end - 2 || !endsWithSeqKey(source, digits)) {
      throw new Error("renumbering: a queued line does not end with its seq");
    }
    out.set(source.subarray(read, digits), write);
    let at = writeUnsigned(out, write + digits - read, firstSeq + i);
    out[at++] = 0x7d; // }
    out[at++] = NEWLINE;
    lengths.push(at - write);
    write = at;
    read = end;
  }
  return { bytes: out.subarray(0, write), lengths };
}

/** `"seq":` ends right before `at`. */
function endsWithSeqKey(source: Uint8Array, at: number): boolean {
  if (at < SEQ_KEY.length) return false;
  for (let i = 0; i < SEQ_KEY.length; i++) {
    if (source[at - SEQ_KEY.length + i] !== SEQ_KEY[i]) return false;
  }
  return true;
}
