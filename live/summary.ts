/**
 * The summary of a whole session, streamed in bounded memory, cached per file
 * and brought up to date incrementally: when the file only grew, the next
 * summary reads only the new bytes.
 *
 * @module
 */
import { resolve } from "node:path";
import type { ExecutionSummary } from "./types.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import type { SummaryState } from "../execution/wire/summary_state.ts";
import { SummaryCache } from "./summary_cache.ts";

/**
 * Options of {@linkcode getExecutionSummary}.
 *
 * @example
 * ```ts
 * import type { SummaryOptions } from "@peak-trade/execution";
 * const options: SummaryOptions = { baseDir: "logs/execution" };
 * ```
 */
export interface SummaryOptions {
  /**
   * The log root holding `<sessionId>.jsonl`.
   *
   * @default {"logs/execution"}
   */
  baseDir?: string;
}

/** Sessions whose summary state is kept; the least recently used is dropped beyond this. */
const CACHE_ENTRIES = 64;

const cache = new SummaryCache({ capacity: CACHE_ENTRIES, latency: true });

function sortedRecord(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}

function emptySummary(sessionId: string): ExecutionSummary {
  return {
    session_id: sessionId,
    found: false,
    event_count: 0,
    kind_counts: {},
    start_time: null,
    end_time: null,
    symbols: [],
    invalid_lines: 0,
    torn_lines: 0,
    oversized_lines: 0,
    total_lines: 0,
    gate_blocks: {},
    block_rate: 0,
    fills: { count: 0, notional: 0, fees: 0 },
    latency_ms: null,
    size_bytes: 0,
  };
}

function toSummary(
  sessionId: string,
  state: SummaryState,
  torn: boolean,
  size: number,
): ExecutionSummary {
  return {
    session_id: sessionId,
    found: true,
    event_count: state.validEvents,
    kind_counts: sortedRecord(state.kindCounts),
    start_time: state.minTs === null ? null : formatWireTimestamp(state.minTs),
    end_time: state.maxTs === null ? null : formatWireTimestamp(state.maxTs),
    symbols: [...state.symbols].sort(),
    invalid_lines: state.invalidLines,
    torn_lines: torn ? 1 : 0,
    oversized_lines: state.oversizedLines,
    total_lines: state.totalLines + (torn ? 1 : 0),
    gate_blocks: sortedRecord(state.gateBlocks),
    block_rate: state.intents === 0 ? 0 : state.blocked / state.intents,
    fills: { count: state.fillCount, notional: state.fillNotional, fees: state.fillFees },
    latency_ms: state.latency(),
    size_bytes: size,
  };
}

async function summarise(path: string, sessionId: string): Promise<ExecutionSummary> {
  return await cache.read(
    path,
    (read) =>
      read === null
        ? emptySummary(sessionId)
        : toSummary(sessionId, read.state, read.torn, read.size),
  );
}

/**
 * The summary of a whole session: event and kind counts, first and last
 * timestamp, sorted symbols, invalid/torn/oversized lines, blocks per gate and
 * the block rate (blocked gate decisions / intents), fill totals and the
 * intent→fill latency (each fill paired with the latest intent of its
 * symbol). `found` is whether the file exists. Streamed in bounded memory;
 * cached per file so that a file that only grew costs only its new bytes.
 *
 * Throws `InvalidSessionIdError` for an invalid session id.
 *
 * @example
 * ```ts
 * import { getExecutionSummary } from "@peak-trade/execution";
 * const summary = await getExecutionSummary("demo", { baseDir: "logs/execution" });
 * console.log(summary.event_count, summary.kind_counts, summary.latency_ms?.median);
 * ```
 */
export async function getExecutionSummary(
  sessionId: string,
  options: SummaryOptions = {},
): Promise<ExecutionSummary> {
  const path = resolve(sessionFilePath(options.baseDir ?? DEFAULT_LOG_DIR, sessionId));
  return await summarise(path, sessionId);
}

/**
 * Forget every cached summary (the next summary of each file reads it whole).
 *
 * @example
 * ```ts
 * import { clearSummaryCache } from "@peak-trade/execution";
 * clearSummaryCache();
 * ```
 */
export function clearSummaryCache(): void {
  cache.clear();
}
