/**
 * A manifest entry rebuilt from a closed segment's bytes: what repair records
 * for a segment the manifest lost (a crash between the rotation's rename and
 * its manifest write), from the segment's first and last lines.
 *
 * @module
 */
import { formatWireTimestamp } from "../wire_time.ts";
import { lineAt, sha256Hex } from "./segment_gzip.ts";
import { type SegmentEntry, segmentFileName } from "./segments.ts";

const NEWLINE = 0x0a;
/** Lines read from each end for the first and last seq and timestamp. */
const EDGE_LINES = 1000;

/** Where the lines of `bytes` start, from the last one backwards, at most `max`. */
function lastLineStarts(bytes: Uint8Array, max: number): number[] {
  const starts: number[] = [];
  // A final newline ends the last line; it does not start another one.
  let end = bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE
    ? bytes.length - 1
    : bytes.length;
  while (end > 0 && starts.length < max) {
    const start = bytes.lastIndexOf(NEWLINE, end - 1) + 1;
    starts.push(start);
    end = start - 1;
  }
  return starts;
}

/** Lines in `bytes`: every `\n`-terminated line, plus an unterminated tail if there is one. */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? lines + 1 : lines;
}

/**
 * The manifest entry of segment `index` (stored as `file`) rebuilt from its
 * uncompressed `bytes`: structural fields, first/last seq and timestamp from
 * the first and last lines that carry them, the checksum, trigger `"repair"`,
 * and `closedAt` (the file's modification time) as `closed_at`. The summary
 * is left `null`: readers summarise such a segment from its bytes.
 */
export async function rebuildSegmentEntry(
  index: number,
  bytes: Uint8Array,
  startOffset: number,
  closedAt: Date,
  compressed = false,
): Promise<SegmentEntry> {
  let firstSeq: number | null = null;
  let firstTs: string | null = null;
  for (let start = 0, n = 0; start < bytes.length && n < EDGE_LINES; n++) {
    const line = lineAt(bytes, start);
    firstSeq ??= line.seq;
    firstTs ??= line.ts;
    if (firstSeq !== null && firstTs !== null) break;
    start = line.end;
  }
  let lastSeq: number | null = null;
  let lastTs: string | null = null;
  for (const start of lastLineStarts(bytes, EDGE_LINES)) {
    const line = lineAt(bytes, start);
    lastSeq ??= line.seq;
    lastTs ??= line.ts;
    if (lastSeq !== null && lastTs !== null) break;
  }
  return {
    index,
    file: segmentFileName(index, compressed),
    start_offset: startOffset,
    bytes: bytes.length,
    compressed_bytes: null,
    lines: countLines(bytes),
    first_seq: firstSeq,
    last_seq: lastSeq,
    first_ts: firstTs,
    last_ts: lastTs,
    sha256: await sha256Hex(bytes),
    members: [],
    trigger: "repair",
    closed_at: formatWireTimestamp(closedAt),
    summary: null,
  };
}
