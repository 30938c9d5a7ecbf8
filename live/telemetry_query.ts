/**
 * The original's cross-session telemetry query (16C/16D, `GET /api/telemetry`)
 * over a log root: events filtered by session, kind (`type`), symbol and time
 * (`from`/`to`), at most `limit` (1–2000), oldest first, with the original's
 * answer shape `{summary, timeline, query, stats}` and CSV columns
 * `ts, kind, symbol, session_id, description, details`; without its bugs:
 * time bounds compare instants (not strings), the limit is validated, events
 * without a timestamp never pass a time bound, the CSV columns are filled,
 * and reads are bounded: a page of events and a byte budget per request,
 * with a cursor (`<session_id>:<offset>`, a logical offset) to continue from.
 * Every session of the log root is read whole: a rotated one across its
 * segments, and whole-session archives.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { isValidSessionId } from "../execution/session_id.ts";
import type { ReadEvent, ReadStats } from "../execution/wire/types.ts";
import { gateName, gatePassed } from "../execution/wire/gate_payload.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { csvLine } from "./csv.ts";
import { describeEvent } from "./describe.ts";
import { openForwardReader } from "./forward_events.ts";
import { listSessionIds } from "./session_listing.ts";
import { compileTimelineFilter, type TimelineFilter } from "./timeline_query.ts";

/** Most events one telemetry answer holds (the original's cap). */
export const MAX_TELEMETRY_LIMIT = 2_000;
/** Events per answer when no `limit` is given (the original's default). */
export const DEFAULT_TELEMETRY_LIMIT = 200;
/** Bytes of session files one request reads at most before it answers with a cursor. */
export const TELEMETRY_SCAN_BYTES = 64 * 1024 * 1024;
/** The CSV columns of a telemetry export (the original's). */
export const TELEMETRY_CSV_COLUMNS: readonly string[] = [
  "ts",
  "kind",
  "symbol",
  "session_id",
  "description",
  "details",
];

/** Where a telemetry read continues: a session and a byte offset in it. */
export interface TelemetryCursor {
  /** The session to continue in (sessions are read in id order). */
  sessionId: string;
  /** The logical offset in it (a line start). */
  offset: number;
}

/** The question of one telemetry read. */
export interface TelemetryQueryOptions {
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /** Only this session; `null` or absent: every session of the log root. */
  sessionId?: string | null;
  /** The event filters (kind = the original's `type`, symbol, `from`/`to` as instants). */
  filter: TimelineFilter;
  /** Most events (1 to {@linkcode MAX_TELEMETRY_LIMIT}). */
  limit: number;
  /** Continue a previous read here. */
  cursor?: TelemetryCursor | null;
  /**
   * Bytes read at most before answering with a cursor.
   * @default {TELEMETRY_SCAN_BYTES}
   */
  scanBytes?: number;
}

/** One entry of the original's flat timeline, plus `kind`, `description` and `details`. */
export type TelemetryEntry = Record<string, unknown>;

/** The original's summary of the events returned. */
export interface TelemetrySummary {
  /** Events returned. */
  total_events: number;
  /** Events per kind (`type`), keys sorted. */
  counts_by_type: Record<string, number>;
  /** Distinct symbols, sorted (absent when nothing matched, as in the original). */
  unique_symbols?: string[];
  /** Distinct sessions, sorted. */
  unique_sessions?: string[];
  /** Earliest timestamp (normalised), or `null`. */
  first_ts?: string | null;
  /** Latest timestamp (normalised), or `null`. */
  last_ts?: string | null;
  /**
   * Intent→order latency (each order paired with the latest intent of its
   * symbol), `p95` only with more than 20 pairs (the original's rule), or
   * `null` without pairs.
   */
  latency_ms?:
    | { count: number; min: number; max: number; median: number; p95: number | null }
    | null;
}

/** Line statistics of a telemetry read (the original's names, plus what it left out). */
export interface TelemetryStats {
  /** Lines read. */
  total_lines: number;
  /** Lines that were events (matching or not). */
  valid_events: number;
  /** Lines that were not events. */
  invalid_lines: number;
  /** `invalid_lines / total_lines` (0 without lines). */
  error_rate: number;
  /** Events that matched the filters (and were returned). */
  matched_events: number;
  /** Sessions read (in part or whole). */
  sessions_read: number;
  /** Bytes read. */
  bytes_read: number;
}

/** The answer of {@linkcode queryTelemetry}. */
export interface TelemetryAnswer {
  /** Summary of the events returned. */
  summary: TelemetrySummary;
  /** The events, oldest first (session by session in id order). */
  timeline: TelemetryEntry[];
  /** What was read. */
  stats: TelemetryStats;
  /** Where to continue (more may match), or `null` when everything was read. */
  next_cursor: string | null;
}

/**
 * Read a cursor (`<session_id>:<offset>`); throws `RangeError` for anything else.
 *
 * @example
 * ```ts
 * import { parseTelemetryCursor } from "./telemetry_query.ts";
 * console.log(parseTelemetryCursor("paper-1:4096")); // { sessionId: "paper-1", offset: 4096 }
 * ```
 */
export function parseTelemetryCursor(raw: string): TelemetryCursor {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127}):(\d{1,15})$/.exec(raw.trim());
  if (m === null || !isValidSessionId(m[1])) {
    throw new RangeError(
      "cursor: expected the next_cursor of a previous answer (<session_id>:<offset>)",
    );
  }
  return { sessionId: m[1], offset: Number(m[2]) };
}

/**
 * The session ids of a log root, sorted: active files `<id>.jsonl`, rotated
 * sessions (`.segments/<id>/`) and whole-session archives `<id>.jsonl.gz`.
 */
export async function telemetrySessions(baseDir: string): Promise<string[]> {
  try {
    return await listSessionIds(baseDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

function fieldsOf(payload: unknown): Record<string, unknown> {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? payload as Record<string, unknown>
    : {};
}

/** The original's flat timeline entry, plus `kind`, `description` and `details`. */
export function telemetryEntry(event: ReadEvent, sessionId: string): TelemetryEntry {
  const p = fieldsOf(event.payload);
  const entry: TelemetryEntry = {
    ts: event.ts,
    type: event.kind,
    kind: event.kind,
    symbol: event.symbol ?? "",
    session_id: event.session_id ?? sessionId,
    mode: event.mode ?? "",
  };
  switch (event.kind) {
    case "intent":
      entry.side = p.side ?? "";
      entry.quantity = p.quantity ?? 0;
      entry.price = p.current_price ?? 0;
      break;
    case "order":
      entry.order_id = p.client_id ?? "";
      entry.side = p.side ?? "";
      entry.quantity = p.quantity ?? 0;
      entry.order_type = p.order_type ?? "";
      break;
    case "fill":
      entry.order_id = p.client_id ?? "";
      entry.filled_quantity = p.filled_quantity ?? 0;
      entry.fill_price = p.fill_price ?? 0;
      entry.fill_fee = p.fill_fee ?? 0;
      break;
    case "gate":
      entry.gate_name = gateName(event.payload);
      entry.passed = gatePassed(event.payload);
      entry.reason = p.reason ?? "";
      break;
    case "error":
      entry.error_message = p.error ?? "";
      break;
  }
  entry.description = describeEvent(event.kind, event.payload);
  entry.details = event.payload;
  return entry;
}

/** The original's summary over the events returned (see {@linkcode TelemetrySummary}). */
function summarise(events: { event: ReadEvent; sessionId: string }[]): TelemetrySummary {
  if (events.length === 0) return { total_events: 0, counts_by_type: {} };
  const counts = new Map<string, number>();
  const symbols = new Set<string>();
  const sessions = new Set<string>();
  let first: number | null = null;
  let last: number | null = null;
  const lastIntent = new Map<string, number>();
  const latencies: number[] = [];
  for (const { event, sessionId } of events) {
    counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1);
    if (event.symbol) symbols.add(event.symbol);
    const session = event.session_id ?? sessionId;
    if (session) sessions.add(session);
    const t = event.ts_micros;
    if (t !== null) {
      if (first === null || t < first) first = t;
      if (last === null || t > last) last = t;
      const key = event.symbol ?? "";
      if (event.kind === "intent") lastIntent.set(key, t);
      else if (event.kind === "order" && lastIntent.has(key)) {
        latencies.push((t - lastIntent.get(key)!) / 1000);
      }
    }
  }
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  const byType: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) byType[key] = counts.get(key)!;
  return {
    total_events: events.length,
    counts_by_type: byType,
    unique_symbols: [...symbols].sort(),
    unique_sessions: [...sessions].sort(),
    first_ts: first === null ? null : formatWireTimestamp(first),
    last_ts: last === null ? null : formatWireTimestamp(last),
    latency_ms: n === 0 ? null : {
      count: n,
      min: latencies[0],
      max: latencies[n - 1],
      median: latencies[Math.floor(n / 2)],
      p95: n > 20 ? latencies[Math.floor(n * 0.95)] : null,
    },
  };
}

/**
 * Read the events of one session (or every session of the log root, in id
 * order) that the filter matches, oldest first, until `limit` matched or the
 * byte budget is spent; `next_cursor` says where to continue. A session with
 * no file reads as empty (the route answers 404 for a named one).
 *
 * @example
 * ```ts
 * import { queryTelemetry } from "./telemetry_query.ts";
 * import { parseTimelineQuery } from "./timeline_query.ts";
 * const answer = await queryTelemetry({ filter: parseTimelineQuery({ kinds: ["fill"] }), limit: 50 });
 * console.log(answer.summary.total_events, answer.next_cursor);
 * ```
 */
export async function queryTelemetry(options: TelemetryQueryOptions): Promise<TelemetryAnswer> {
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  const { limit } = options;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TELEMETRY_LIMIT) {
    throw new RangeError(`limit: expected 1 to ${MAX_TELEMETRY_LIMIT}, got ${limit}`);
  }
  let sessions = options.sessionId ? [options.sessionId] : await telemetrySessions(baseDir);
  const cursor = options.cursor ?? null;
  if (cursor !== null) sessions = sessions.filter((id) => id >= cursor.sessionId);
  const budget = options.scanBytes ?? TELEMETRY_SCAN_BYTES;
  const matches = compileTimelineFilter(options.filter);
  const found: { event: ReadEvent; sessionId: string }[] = [];
  const stats: TelemetryStats = {
    total_lines: 0,
    valid_events: 0,
    invalid_lines: 0,
    error_rate: 0,
    matched_events: 0,
    sessions_read: 0,
    bytes_read: 0,
  };
  let next: string | null = null;
  const add = (read: ReadStats) => {
    stats.total_lines += read.total_lines;
    stats.valid_events += read.valid_events;
    stats.invalid_lines += read.invalid_lines;
  };
  sessions: for (let s = 0; s < sessions.length; s++) {
    const sessionId = sessions[s];
    const from = cursor !== null && sessionId === cursor.sessionId ? cursor.offset : 0;
    const reader = await openForwardReader(baseDir, sessionId, from);
    if (reader === null) continue;
    stats.sessions_read++;
    try {
      while (true) {
        const start = reader.position;
        const events = await reader.next();
        if (events === null) break;
        stats.bytes_read += reader.position - start;
        for (const event of events) {
          if (!matches(event)) continue;
          found.push({ event, sessionId });
          if (found.length === limit) {
            next = `${sessionId}:${event.end}`;
            break sessions;
          }
        }
        if (stats.bytes_read >= budget) {
          next = `${sessionId}:${reader.position}`;
          break sessions;
        }
      }
      // The end of this session: continue with the next one, if any.
    } finally {
      add(reader.stats);
      reader.close();
    }
  }
  // `next` after the last match may point at the end of the last session: nothing more then.
  stats.matched_events = found.length;
  stats.error_rate = stats.total_lines === 0 ? 0 : stats.invalid_lines / stats.total_lines;
  return {
    summary: summarise(found),
    timeline: found.map(({ event, sessionId }) => telemetryEntry(event, sessionId)),
    stats,
    next_cursor: next,
  };
}

/**
 * One CSV line of a telemetry entry (columns {@linkcode TELEMETRY_CSV_COLUMNS}).
 *
 * @example
 * ```ts
 * import { telemetryCsvLine } from "./telemetry_query.ts";
 * console.log(telemetryCsvLine({ ts: null, kind: "fill", symbol: "BTC-USD", session_id: "s", description: "Fill", details: {} }));
 * ```
 */
export function telemetryCsvLine(entry: TelemetryEntry): string {
  return csvLine(TELEMETRY_CSV_COLUMNS.map((column) => entry[column]));
}
