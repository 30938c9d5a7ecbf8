/**
 * Classifying lines into {@linkcode ReadStats} as they are decoded: the one
 * counting rule shared by the forward reader and the timeline.
 *
 * @module
 */
import type { ReadEvent, ReadStats } from "./types.ts";
import type { ByteLine } from "./line_stream.ts";
import { decodeEventLine } from "./line_decoder.ts";

/** Fresh, zeroed line statistics. */
export function emptyReadStats(): ReadStats {
  return { total_lines: 0, valid_events: 0, invalid_lines: 0, torn_lines: 0, oversized_lines: 0 };
}

/**
 * Count `line` in `stats` (in `total_lines` and at most one other counter)
 * and return its event, or `null` for a torn, oversized, blank or invalid line.
 */
export function countLine(stats: ReadStats, line: ByteLine): ReadEvent | null {
  stats.total_lines++;
  if (line.status === "torn") {
    stats.torn_lines++;
    return null;
  }
  if (line.status === "oversized") {
    stats.oversized_lines++;
    return null;
  }
  const verdict = decodeEventLine(line.bytes, line.offset, line.end);
  if (verdict === "blank") return null;
  if (verdict === "invalid") {
    stats.invalid_lines++;
    return null;
  }
  stats.valid_events++;
  return verdict;
}
