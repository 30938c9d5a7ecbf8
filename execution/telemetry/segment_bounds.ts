/**
 * What the first and last lines of a closed segment say: its first and last
 * `seq` and timestamps, read from a few blocks at each end, so a writer can
 * enter a segment in the manifest when it closes it (and repair can, for a
 * segment whose entry was lost) without reading the whole segment.
 *
 * @module
 */
import { decodeEventLine } from "../wire/line_decoder.ts";
import { formatWireTimestamp } from "../wire_time.ts";

/** Bytes read at each end of the segment looking for a line with a `seq` and a `ts`. */
const PROBE_BYTES = 1024 * 1024;
const LF = 0x0a;

/** Reads `into` from `position`; returns the bytes read. */
export type ReadAtSync = (position: number, into: Uint8Array) => number;

/** The first and last `seq` and timestamp a segment's end lines carry (`null` when none does). */
export interface SegmentBounds {
  first_seq: number | null;
  last_seq: number | null;
  first_ts: string | null;
  last_ts: string | null;
}

function readFullySync(read: ReadAtSync, position: number, into: Uint8Array): Uint8Array {
  let filled = 0;
  while (filled < into.length) {
    const n = read(position + filled, into.subarray(filled));
    if (n <= 0) break;
    filled += n;
  }
  return into.subarray(0, filled);
}

/** The `seq` and `ts` of each complete line of `bytes`, in order (lines without either skipped). */
function linesOf(bytes: Uint8Array): Array<{ seq: number | null; ts: number | null }> {
  const out: Array<{ seq: number | null; ts: number | null }> = [];
  let start = 0;
  for (let nl = bytes.indexOf(LF); nl !== -1; nl = bytes.indexOf(LF, start)) {
    const verdict = decodeEventLine(bytes.subarray(start, nl), 0, 0);
    if (typeof verdict === "object") out.push({ seq: verdict.seq, ts: verdict.ts_micros });
    start = nl + 1;
  }
  return out;
}

/**
 * The bounds of a closed segment of `size` bytes (whole lines): the first
 * `seq` and `ts` among its first lines, the last among its last lines.
 */
export function readSegmentBounds(read: ReadAtSync, size: number): SegmentBounds {
  const bounds: SegmentBounds = { first_seq: null, last_seq: null, first_ts: null, last_ts: null };
  if (size === 0) return bounds;
  const head = linesOf(readFullySync(read, 0, new Uint8Array(Math.min(size, PROBE_BYTES))));
  const tailStart = Math.max(0, size - PROBE_BYTES);
  let tailBytes = readFullySync(read, tailStart, new Uint8Array(size - tailStart));
  // The block may start inside a line: that line is left to the head.
  if (tailStart > 0) tailBytes = tailBytes.subarray(tailBytes.indexOf(LF) + 1);
  const tail = linesOf(tailBytes);
  const firstSeq = head.find((l) => l.seq !== null)?.seq ?? null;
  const firstTs = head.find((l) => l.ts !== null)?.ts ?? null;
  const lastSeq = tail.findLast((l) => l.seq !== null)?.seq ?? null;
  const lastTs = tail.findLast((l) => l.ts !== null)?.ts ?? null;
  bounds.first_seq = firstSeq;
  bounds.last_seq = lastSeq;
  bounds.first_ts = firstTs === null ? null : formatWireTimestamp(firstTs);
  bounds.last_ts = lastTs === null ? null : formatWireTimestamp(lastTs);
  return bounds;
}

/** A `Deno.FsFile` as a {@linkcode ReadAtSync}. */
export function fsFileReadAt(file: Deno.FsFile): ReadAtSync {
  return (position, into) => {
    file.seekSync(position, Deno.SeekMode.Start);
    return file.readSync(into) ?? 0;
  };
}

/** The number of `\n` in the first `size` bytes (a segment whose line count is not known). */
export function countLinesSync(read: ReadAtSync, size: number): number {
  const block = new Uint8Array(Math.min(size, 4 * 1024 * 1024));
  let lines = 0;
  for (let position = 0; position < size;) {
    const view = readFullySync(
      read,
      position,
      block.subarray(0, Math.min(block.length, size - position)),
    );
    if (view.length === 0) break;
    for (let i = view.indexOf(LF); i !== -1; i = view.indexOf(LF, i + 1)) lines++;
    position += view.length;
  }
  return lines;
}
