/**
 * The summary of a whole session, streamed in bounded memory, cached and
 * brought up to date incrementally: closed segments count through the
 * summaries their manifest holds (never decompressed to summarise), a
 * segment not yet compressed and the active file are read once and then only
 * their new bytes, and the parts combine in order (a fill pairs with the
 * latest intent of its symbol in an earlier segment).
 *
 * @module
 */
import { resolve } from "node:path";
import type { ExecutionSummary } from "./types.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { readInto, SummaryState } from "../execution/wire/summary_state.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";
import { readAt } from "./backward_lines.ts";
import { fingerprintAt, sameBytes } from "./session_file.ts";
import { openSessionView, type SessionPart, type SessionView } from "./session_view.ts";
import { clearSegmentLayoutCache } from "../execution/telemetry/segments.ts";

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

/** Files whose running state is kept (active files, plain segments); least recently used dropped. */
const CACHE_ENTRIES = 64;
/** Parsed segment summaries and merged closed parts kept. */
const SEGMENT_CACHE_ENTRIES = 1024;
/** Cold reads of files at least this large are split across two cores. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** How far from the middle of the file a line boundary is looked for. */
const SPLIT_WINDOW_BYTES = 2 * 1024 * 1024;

/** The running state of one plain file (an active file or an uncompressed segment), by identity. */
interface FileEntry {
  state: SummaryState;
  /** The last bytes read (up to `state.consumed`), compared before reading on. */
  fingerprint: Uint8Array;
}

const fileStates = new Map<string, FileEntry>();
/** Summaries of compressed segments (from their manifest) and of archives, by identity. */
const partStates = new Map<string, SummaryState>();
/** The closed segments of a session merged in order, by the identities of its segments. */
const mergedClosed = new Map<string, { key: string; state: SummaryState }>();

function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value); // most recently used last
  if (map.size > limit) map.delete(map.keys().next().value!);
}

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
 * The running state of the plain file `file` brought up to `size`: read
 * from the start when new, replaced, truncated or rewritten in place, else
 * only its new bytes (a torn tail already seen is not read again).
 */
async function fileState(
  file: RegularFile,
  size: number,
  partial: boolean,
): Promise<{ state: SummaryState; torn: boolean }> {
  const info = file.stat();
  const key = `${info.dev}:${info.ino}`;
  let entry = fileStates.get(key);
  if (
    entry === undefined || size < entry.state.consumed || entry.state.partial !== partial ||
    !sameBytes(await fingerprintAt(file, entry.state.consumed), entry.fingerprint)
  ) {
    entry = { state: new SummaryState(partial), fingerprint: new Uint8Array(0) };
  }
  remember(fileStates, key, entry, CACHE_ENTRIES);
  const torn = entry.state.consumed === 0 && size >= PARALLEL_MIN_BYTES
    ? await readSplit(file, entry.state, size)
    : await readInto(file, entry.state, size);
  entry.fingerprint = await fingerprintAt(file, entry.state.consumed);
  return { state: entry.state, torn };
}

/** The summary state of a closed segment or archive: from its manifest entry, or read once. */
async function closedState(
  view: SessionView,
  part: SessionPart,
  partial: boolean,
): Promise<SummaryState> {
  const segment = part.segment;
  const summary = segment?.entry?.summary ?? null;
  if (segment !== null && summary !== null && segment.entry?.sha256 !== null) {
    const key = `${segment.path}\0${segment.entry!.sha256}`;
    let state = partStates.get(key);
    if (state === undefined) {
      try {
        state = SummaryState.fromJSON(summary);
      } catch {
        state = undefined; // an unusable summary: read the segment instead
      }
    }
    if (state !== undefined) {
      remember(partStates, key, state, SEGMENT_CACHE_ENTRIES);
      return state;
    }
  }
  if (segment !== null && !segment.compressed) {
    const plain = RegularFile.open(segment.path);
    if (plain !== null) {
      try {
        return (await fileState(plain, part.size, partial)).state;
      } finally {
        plain.close();
      }
    }
    // Compressed and removed since the layout was read: read its `.gz` below.
  }
  const reader = view.openPart(part);
  if (reader === null) return new SummaryState(partial);
  try {
    // Compressed without a usable summary, or an archive: read through once, cached by identity.
    const key = `${partKey(part)}\0${partial}`;
    const cached = partStates.get(key);
    if (cached !== undefined) return cached;
    const state = new SummaryState(partial);
    await readInto(reader, state, part.size);
    remember(partStates, key, state, SEGMENT_CACHE_ENTRIES);
    return state;
  } finally {
    reader.close();
  }
}

/** What identifies a closed part's bytes. */
function partKey(part: SessionPart): string {
  const s = part.segment;
  if (s === null) return `${part.kind}:${part.size}`;
  return `${s.path}:${s.index}:${s.bytes}:${s.disk_bytes}:${s.entry?.sha256 ?? ""}`;
}

async function summarise(baseDir: string, sessionId: string): Promise<ExecutionSummary> {
  using view = await openSessionView(baseDir, sessionId);
  if (!view.found) return emptySummary(sessionId);
  const closed = view.parts.filter((p) => p.kind !== "active");
  const active = view.activePart;
  // The closed parts merged in order; unchanged parts reuse the merge.
  const sessionKey = `${resolve(baseDir)}\0${sessionId}`;
  const closedKey = closed.map(partKey).join("|");
  let merged: SummaryState | null = null;
  if (closed.length > 0) {
    const hit = mergedClosed.get(sessionKey);
    if (hit !== undefined && hit.key === closedKey) {
      merged = hit.state;
    } else {
      merged = new SummaryState(false);
      for (let i = 0; i < closed.length; i++) {
        merged.absorb(await closedState(view, closed[i], i > 0));
      }
      remember(mergedClosed, sessionKey, { key: closedKey, state: merged }, SEGMENT_CACHE_ENTRIES);
    }
  }
  if (active === null) return toSummary(sessionId, merged!, false, view.end);
  const read = await fileState(view.active!, active.size, closed.length > 0 || active.start > 0);
  let total = read.state;
  if (merged !== null) {
    total = merged.clone();
    total.absorb(read.state);
  }
  return toSummary(sessionId, total, read.torn, view.end);
}

/** What the worker posts back. */
type PartResult = { ok: true; state: Record<string, unknown>; torn: boolean } | {
  ok: false;
  error: string;
};

/** Read the second part `[start, end)` of the file in a worker (which checks it is the same file). */
function readPartInWorker(
  file: RegularFile,
  start: number,
  end: number,
): Promise<PartResult> {
  const { ino, dev } = file.stat();
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
    worker.postMessage({ path: resolve(file.path), start, end, ino, dev });
  });
}

/**
 * HOT PATH of a cold summary: the first half of the file is read here while
 * a worker reads the second half on the other core; the halves then combine.
 * Falls back to one thread when no line boundary is near the middle or the
 * worker cannot run.
 */
async function readSplit(
  file: RegularFile,
  state: SummaryState,
  size: number,
): Promise<boolean> {
  const middle = Math.floor(size / 2);
  const window = await readAt(file, middle, Math.min(SPLIT_WINDOW_BYTES, size - middle));
  const nl = window.indexOf(0x0a);
  if (nl === -1 || middle + nl + 1 >= size) return await readInto(file, state, size);
  const split = middle + nl + 1;
  const second = readPartInWorker(file, split, size);
  await readInto(file, state, split);
  const part = await second;
  if (!part.ok) return await readInto(file, state, size);
  let later: SummaryState;
  try {
    later = SummaryState.fromJSON(part.state);
  } catch {
    return await readInto(file, state, size);
  }
  state.absorb(later);
  // The worker read to the end: what it saw of a torn tail is not remembered here, so a torn
  // tail is read again once by the next summary (then remembered).
  return part.torn;
}

/** Serialises summaries of one session, so concurrent calls never count a line twice. */
const locks = new Map<string, Promise<unknown>>();

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
  const path = resolve(sessionFilePath(baseDir, sessionId));
  const previous = locks.get(path) ?? Promise.resolve();
  const run = previous.then(
    () => summarise(baseDir, sessionId),
    () => summarise(baseDir, sessionId),
  );
  const settled = run.then(() => undefined, () => undefined);
  locks.set(path, settled);
  try {
    return await run;
  } finally {
    if (locks.get(path) === settled) locks.delete(path);
  }
}

/**
 * Forget every cached summary (the next summary of each file reads it whole,
 * and each manifest is parsed again).
 *
 * @example
 * ```ts
 * import { clearSummaryCache } from "@peak-trade/execution";
 * clearSummaryCache();
 * ```
 */
export function clearSummaryCache(): void {
  fileStates.clear();
  partStates.clear();
  mergedClosed.clear();
  clearSegmentLayoutCache();
}
