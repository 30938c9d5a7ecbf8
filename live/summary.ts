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
import { readAt } from "./backward_lines.ts";
import { readInto, SummaryState, type SummaryStateData } from "../execution/wire/summary_state.ts";
import { fingerprintAt, openSessionFile, sameBytes } from "./session_file.ts";

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
/** Cold reads of files at least this large are split across two cores. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** How far from the middle of the file a line boundary is looked for. */
const SPLIT_WINDOW_BYTES = 2 * 1024 * 1024;

interface CacheEntry {
  ino: number | null;
  dev: number;
  state: SummaryState;
  /** The last bytes read (up to `state.consumed`), compared before reading on. */
  fingerprint: Uint8Array;
}

const cache = new Map<string, CacheEntry>();

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
  const file = await openSessionFile(path);
  if (file === null) {
    cache.delete(path);
    return emptySummary(sessionId);
  }
  try {
    const info = await file.stat();
    let entry = cache.get(path);
    if (
      entry === undefined || entry.ino !== info.ino || entry.dev !== info.dev ||
      info.size < entry.state.consumed ||
      !sameBytes(await fingerprintAt(file, entry.state.consumed), entry.fingerprint)
    ) {
      // New, replaced (another inode), truncated or rewritten in place: read from the start.
      entry = {
        ino: info.ino,
        dev: info.dev,
        state: new SummaryState(),
        fingerprint: new Uint8Array(0),
      };
    }
    cache.delete(path);
    cache.set(path, entry); // most recently used last
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    const torn = entry.state.consumed === 0 && info.size >= PARALLEL_MIN_BYTES
      ? await readSplit(file, path, entry.state, info.size)
      : await readInto(file, entry.state, info.size);
    entry.fingerprint = await fingerprintAt(file, entry.state.consumed);
    return toSummary(sessionId, entry.state, torn, info.size);
  } finally {
    file.close();
  }
}

/** What the worker posts back. */
type PartResult = { ok: true; state: SummaryStateData; torn: boolean } | {
  ok: false;
  error: string;
};

/** Read the second part `[start, end)` of the file in a worker. */
function readPartInWorker(path: string, start: number, end: number): Promise<PartResult> {
  return new Promise((resolvePart) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./summary_worker.ts", import.meta.url), { type: "module" });
    } catch (err) {
      resolvePart({ ok: false, error: String(err) });
      return;
    }
    worker.onmessage = (event: MessageEvent<PartResult>) => {
      worker.terminate();
      resolvePart(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      worker.terminate();
      resolvePart({ ok: false, error: event.message });
    };
    worker.postMessage({ path, start, end });
  });
}

/**
 * HOT PATH of a cold summary: the first half of the file is read here while
 * a worker reads the second half on the other core; the halves then combine.
 * Falls back to one thread when no line boundary is near the middle or the
 * worker cannot run.
 */
async function readSplit(
  file: Deno.FsFile,
  path: string,
  state: SummaryState,
  size: number,
): Promise<boolean> {
  const middle = Math.floor(size / 2);
  const window = await readAt(file, middle, Math.min(SPLIT_WINDOW_BYTES, size - middle));
  const nl = window.indexOf(0x0a);
  if (nl === -1 || middle + nl + 1 >= size) return await readInto(file, state, size);
  const split = middle + nl + 1;
  const second = readPartInWorker(path, split, size);
  await readInto(file, state, split);
  const part = await second;
  if (!part.ok) return await readInto(file, state, size);
  state.absorb(part.state);
  return part.torn;
}

/** Serialises summaries of one file, so concurrent calls never count a line twice. */
const locks = new Map<string, Promise<unknown>>();

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
  const previous = locks.get(path) ?? Promise.resolve();
  const run = previous.then(() => summarise(path, sessionId), () => summarise(path, sessionId));
  const settled = run.then(() => undefined, () => undefined);
  locks.set(path, settled);
  try {
    return await run;
  } finally {
    if (locks.get(path) === settled) locks.delete(path);
  }
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
