/**
 * The summary of a whole session, streamed in bounded memory, cached and
 * brought up to date incrementally by the readers' one mechanism
 * (`session_aggregate.ts`): closed segments count through the summaries their
 * manifest holds (never decompressed to summarise), a segment not yet
 * compressed is read once, the active file is read on from where the last
 * summary stopped, and the parts combine in order (a fill pairs with the
 * latest intent of its symbol in an earlier segment).
 *
 * @module
 */
import type { ExecutionSummary } from "./types.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { SummaryState } from "../execution/wire/summary_state.ts";
import { clearSegmentSummaries, SessionAggregates } from "./session_aggregate.ts";
import { clearSegmentLayoutCache } from "../execution/telemetry/segments.ts";
export { holdSummaryWorker, type SummaryWorkerHold } from "./summary_workers.ts";

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
  /**
   * Read as a one-shot command does (the CLI's `summary`): on this thread
   * only. About 20 MiB less memory for a big session; by default a cold read
   * of a big session also uses a second core (a worker).
   *
   * @default {false}
   */
  foreground?: boolean;
}

/** Sessions whose running summary is kept; the least recently used is forgotten beyond it. */
const CACHE_ENTRIES = 64;

/** The running summary of each session: closed segments from their manifests, the rest read on. */
const summaries = new SessionAggregates<SummaryState>({
  create: () => new SummaryState(false),
  capacity: CACHE_ENTRIES,
  mergeSummary: (sink, part) => sink.absorb(part),
});

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

/**
 * The summary of a whole session: event and kind counts, first and last
 * timestamp, sorted symbols, invalid/torn/oversized lines, blocks per gate and
 * the block rate (blocked gate decisions / intents), fill totals and the
 * intent→fill latency (each fill paired with the latest intent of its
 * symbol). `found` is whether the session exists (an active file, closed
 * segments, or a whole-session `<id>.jsonl.gz`). A rotated session counts
 * every segment: compressed ones through the summary in their manifest, the
 * active file incrementally. `size_bytes` is the session's logical size
 * (uncompressed, every segment; the file size before the first rotation).
 * Streamed in bounded memory; cached so that a session that only grew costs
 * only its new bytes.
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
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  assertValidSessionId(sessionId);
  // Reads of one session are serialised by the aggregates, so no line counts twice.
  return await summaries.read(
    baseDir,
    sessionId,
    (read) =>
      read === null
        ? emptySummary(sessionId)
        : toSummary(sessionId, read.sink, read.torn, read.size),
    undefined,
    undefined,
    { foreground: options.foreground ?? false },
  );
}

/**
 * Forget every cached summary (the next summary of each session reads it
 * from its start, and each manifest is parsed again).
 *
 * @example
 * ```ts
 * import { clearSummaryCache } from "@peak-trade/execution";
 * clearSummaryCache();
 * ```
 */
export function clearSummaryCache(): void {
  summaries.clear();
  clearSegmentSummaries();
  clearSegmentLayoutCache();
}
