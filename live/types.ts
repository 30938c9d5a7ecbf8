/**
 * Result shapes of the live module. Field names follow the wire format and
 * the original's API (snake_case), so they serialise unchanged over HTTP.
 *
 * @module
 */
import type { LatencySummary, ReadEvent, ReadStats } from "../execution/wire/types.ts";

/**
 * One timeline row, as the dashboard and the API show it.
 *
 * @example
 * ```ts
 * import type { TimelineRow } from "@peak-trade/execution";
 * const row: TimelineRow = {
 *   ts: "2026-11-25T09:30:45.123456+00:00", kind: "fill", symbol: "BTC-USD",
 *   description: "Fill: 0.400000 @ $100,020.00 (fee: $0.0000)",
 *   details: { filled_quantity: 0.4 }, offset: 1024, seq: 7,
 * };
 * ```
 */
export interface TimelineRow {
  /** Timestamp normalised to UTC `+00:00` with microseconds (`null` if unparseable). */
  ts: string | null;
  /** Event kind. */
  kind: string;
  /** Instrument (`null` when the line had none). */
  symbol: string | null;
  /** One-line human description (the original's templates). */
  description: string;
  /** The raw payload. */
  details: unknown;
  /**
   * Logical byte offset of the line in the session (its offset in the file
   * before the first rotation); also the paging cursor (`before`).
   */
  offset: number;
  /** Sequence number, or `null` for files without one. */
  seq: number | null;
}

/**
 * A page of the timeline, newest first.
 *
 * @example
 * ```ts
 * import { getExecutionTimeline } from "@peak-trade/execution";
 * const page = await getExecutionTimeline("demo", { kinds: ["fill"], limit: 50 });
 * if (page.next_before !== null) {
 *   const older = await getExecutionTimeline("demo", { kinds: ["fill"], before: page.next_before });
 *   console.log(older.timeline.length);
 * }
 * ```
 */
export interface TimelinePage {
  /** The session read. */
  session_id: string;
  /** Whether the session exists (an active file, closed segments or an archive). */
  found: boolean;
  /** Matching rows, newest first by file order, at most `limit`. */
  timeline: TimelineRow[];
  /** Pass as `before` to get the next older page; `null` when there is nothing older. */
  next_before: number | null;
  /**
   * The lines this read examined (from the end, or `before`, back to the
   * oldest row returned), not the whole session: what a caller can judge the
   * health of the rows by without reading more. Lines a byte pre-check of the
   * filters ruled out are neither parsed nor counted.
   */
  stats: ReadStats;
}

/**
 * Fill totals of a session.
 *
 * @example
 * ```ts
 * import type { FillTotals } from "@peak-trade/execution";
 * const fills: FillTotals = { count: 2, notional: 80_016, fees: 8.0016 };
 * ```
 */
export interface FillTotals {
  /** Number of fill events. */
  count: number;
  /** Σ fill_notional. */
  notional: number;
  /** Σ fill_fee. */
  fees: number;
}

/**
 * The summary of a whole session (never capped, never sampled).
 *
 * @example
 * ```ts
 * import { getExecutionSummary } from "@peak-trade/execution";
 * const summary = await getExecutionSummary("demo", { baseDir: "logs/execution" });
 * console.log(summary.found, summary.event_count, summary.block_rate);
 * ```
 */
export interface ExecutionSummary {
  /** The session summarised. */
  session_id: string;
  /** Whether the session exists (an active file, closed segments or an archive). */
  found: boolean;
  /** Valid events in the session. */
  event_count: number;
  /** Events per kind, keys sorted. */
  kind_counts: Record<string, number>;
  /** Earliest timestamp (normalised), or `null`. */
  start_time: string | null;
  /** Latest timestamp (normalised), or `null`. */
  end_time: string | null;
  /** Distinct symbols, sorted, no nulls or empty strings. */
  symbols: string[];
  /** Lines counted as invalid. */
  invalid_lines: number;
  /** Torn final fragments (0 or 1). */
  torn_lines: number;
  /** Oversized lines skipped. */
  oversized_lines: number;
  /** All lines seen. */
  total_lines: number;
  /** Blocking gate decisions per gate name, keys sorted. */
  gate_blocks: Record<string, number>;
  /** Blocked gate decisions divided by intents (0 when there are no intents). */
  block_rate: number;
  /** Fill totals. */
  fills: FillTotals;
  /** Intent→fill latency where the events allow it, else `null`. */
  latency_ms: LatencySummary | null;
  /**
   * Logical size of the session covered by this summary: uncompressed bytes
   * of every segment and the active file (the file size before the first
   * rotation); also where live follow starts when nothing is torn.
   */
  size_bytes: number;
}

/**
 * One session of a log root.
 *
 * @example
 * ```ts
 * import { listSessions } from "@peak-trade/execution";
 * for (const s of await listSessions("logs/execution")) console.log(s.session_id, s.size_bytes);
 * ```
 */
export interface SessionInfo {
  /** Session id (the file name without `.jsonl`). */
  session_id: string;
  /** Bytes on disk: the active file and every segment as stored (compressed or plain), or the archive. */
  size_bytes: number;
  /** Valid events (exact; from the summary cache where known). */
  event_count: number;
  /** First event timestamp (normalised), or `null`. */
  first_ts: string | null;
  /** Last event timestamp (normalised), or `null`. */
  last_ts: string | null;
  /** Modification time of the active file (else the newest segment or the archive), RFC 3339 UTC, or `null`. */
  modified: string | null;
}

/**
 * What {@linkcode followExecution} yields: a new event, or a notice that the
 * active file was truncated or replaced and reading restarted from its start.
 *
 * @example
 * ```ts
 * import { followExecution } from "@peak-trade/execution";
 * const signal = AbortSignal.timeout(5_000); // stop following after five seconds
 * for await (const item of followExecution("demo", { signal })) {
 *   if (item.type === "event") console.log(item.row.description, item.end);
 *   else console.warn("restarted:", item.reason);
 * }
 * ```
 */
export type FollowItem =
  | {
    /** A new, complete event line. */
    type: "event";
    /** The event as read. */
    event: ReadEvent;
    /** The event as a timeline row. */
    row: TimelineRow;
    /** Logical byte offset just after the line: resume from here. */
    end: number;
  }
  | {
    /** The active file shrank or was replaced; reading restarts at its start. */
    type: "reset";
    /** Why reading restarted. */
    reason: "truncated" | "replaced";
    /** The offset reading restarts from: the active file's start (0 before any rotation). */
    end: number;
  };
