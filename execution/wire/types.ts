/**
 * What a line reader of the wire format produces: one decoded event with its
 * position, the line statistics of a read, and intent-to-fill latency.
 * Field names follow the wire format (snake_case), so they serialise unchanged.
 *
 * @module
 */

/**
 * Line statistics of a read: every line is counted exactly once in
 * `total_lines` and in at most one of the other counters.
 *
 * @example
 * ```ts
 * import type { ReadStats } from "@peak-trade/execution";
 * const stats: ReadStats = {
 *   total_lines: 10, valid_events: 8, invalid_lines: 1, torn_lines: 1, oversized_lines: 0,
 * };
 * ```
 */
export interface ReadStats {
  /** Lines seen, blank lines and a torn final fragment included. */
  total_lines: number;
  /** Lines that decoded to an event object. */
  valid_events: number;
  /** Lines that are not UTF-8, not JSON, or not an event object. */
  invalid_lines: number;
  /** An unterminated final fragment (a write in progress or a crash mid-line). */
  torn_lines: number;
  /** Lines longer than the line cap, skipped without being buffered. */
  oversized_lines: number;
}

/**
 * An event as read back from a file: the wire fields, normalised (`ts` in UTC
 * `+00:00` with 6 fractional digits; `mode` and sides as written), plus where
 * the line lies in the file. Files written by the original lack `seq`.
 *
 * @example
 * ```ts
 * import type { ReadEvent } from "@peak-trade/execution";
 * const read: ReadEvent = {
 *   ts: "2026-11-25T09:30:45.123456+00:00", ts_micros: 1_795_599_045_123_456,
 *   session_id: "s1", symbol: "BTC-USD", mode: "paper", kind: "intent",
 *   payload: { side: "buy", quantity: 1 }, seq: 1, offset: 0, end: 211,
 * };
 * ```
 */
export interface ReadEvent {
  /** Normalised timestamp, or `null` when the line had none or it did not parse. */
  ts: string | null;
  /** The same instant in epoch microseconds (naive timestamps are taken as UTC). */
  ts_micros: number | null;
  /** `session_id` as written, or `null`. */
  session_id: string | null;
  /** `symbol` as written; `null` when absent or null. */
  symbol: string | null;
  /** `mode` as written (the original writes free text such as `"PAPER"`). */
  mode: string | null;
  /** `kind` as written; `"unknown"` when absent. */
  kind: string;
  /** The payload as written (usually an object). */
  payload: unknown;
  /** `seq` as written, or `null` (files of the original have none). */
  seq: number | null;
  /** Byte offset of the first byte of the line. */
  offset: number;
  /** Byte offset just after the line's `\n`. */
  end: number;
}

/**
 * Intent-to-fill latency over a session, in milliseconds.
 *
 * @example
 * ```ts
 * import type { LatencySummary } from "@peak-trade/execution";
 * const latency: LatencySummary = { count: 3, min: 0.01, median: 0.02, p95: 0.05, max: 0.05 };
 * ```
 */
export interface LatencySummary {
  /** Number of intent→fill pairs measured. */
  count: number;
  /** Smallest latency. */
  min: number;
  /** Median latency. */
  median: number;
  /** 95th percentile latency. */
  p95: number;
  /** Largest latency. */
  max: number;
}
