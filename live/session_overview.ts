/**
 * The sessions index as an operator reads it: per session its state
 * (active, idle, archived), events, fills, notional, fees, block rate,
 * errors, the age of its last event and a sparkline of its activity; sorted,
 * filtered by text and paged. A rotated session is one row over all its
 * segments (sizes on disk, figures from the summary), a whole-session archive
 * is `archived`. Figures come from the summary cache; the sparkline from a
 * small per-session activity count kept up to date incrementally by the same
 * mechanism (`session_aggregate.ts`), computed only for the sessions of the
 * page asked for.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import type { ScannedEvent } from "../execution/wire/line_scan.ts";
import type { ScanSink } from "../execution/wire/summary_state.ts";
import { SessionAggregates } from "./session_aggregate.ts";
import { listStoredSessions, type SessionStorage } from "./session_listing.ts";
import { getExecutionSummary } from "./summary.ts";
import type { SessionInfo } from "./types.ts";

/** A session written to within this long is active. */
export const ACTIVE_WITHIN_MS = 2 * 60_000;
/** A session written to within this long (and not active) is idle; older ones are archived. */
export const IDLE_WITHIN_MS = 24 * 60 * 60_000;
/** Points of a sparkline. */
export const SPARKLINE_POINTS = 24;
/** Most sessions per page. */
export const MAX_SESSIONS_PAGE = 500;

/** Whether a session is being written to (active), paused (idle) or done (archived). */
export type SessionState = "active" | "idle" | "archived";

/** One row of the sessions index. */
export interface SessionOverview extends SessionInfo {
  /**
   * Active (written within 2 min), idle (within 24 h) or archived (older, or
   * a whole-session `<id>.jsonl.gz`).
   */
  state: SessionState;
  /** Fill events. */
  fills: number;
  /** Σ fill_notional. */
  notional: number;
  /** Σ fill_fee. */
  fees: number;
  /** Blocked gate decisions ÷ intents. */
  block_rate: number;
  /** `error` events. */
  errors: number;
  /** Lines that were not events. */
  invalid_lines: number;
  /** Seconds since the last event's timestamp (by this server's clock), or `null`. */
  last_event_age_s: number | null;
  /** Events per equal slice of the session's time span ({@linkcode SPARKLINE_POINTS} of them). */
  activity: number[];
}

/** Columns the index sorts by. */
export const SESSION_SORT_KEYS = [
  "last_ts",
  "session_id",
  "state",
  "event_count",
  "fills",
  "notional",
  "fees",
  "block_rate",
  "errors",
  "size_bytes",
] as const;

/** A column the index sorts by. */
export type SessionSortKey = typeof SESSION_SORT_KEYS[number];

/** What page of the index to answer. */
export interface SessionPageOptions {
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /** Keep sessions whose id contains this text (any case); empty keeps all. */
  text?: string;
  /**
   * Sort column.
   * @default {"last_ts"}
   */
  sort?: SessionSortKey;
  /**
   * Sort direction.
   * @default {"desc"}
   */
  order?: "asc" | "desc";
  /**
   * Sessions skipped (after filtering and sorting).
   * @default {0}
   */
  offset?: number;
  /**
   * Sessions answered (1 to {@linkcode MAX_SESSIONS_PAGE}).
   * @default {MAX_SESSIONS_PAGE}
   */
  limit?: number;
  /** The current time (epoch ms), for state and ages. */
  now?: number;
}

/** A page of the sessions index. */
export interface SessionPage {
  /** The sessions of this page. */
  sessions: SessionOverview[];
  /** Sessions after the text filter (over every page). */
  total: number;
  /** The offset of this page. */
  offset: number;
  /** The page size asked for. */
  limit: number;
  /** Offset of the next page, or `null`. */
  next_offset: number | null;
}

/** Events per time slice of one session, coarsened to stay small. */
class ActivityState implements ScanSink {
  consumed = 0;
  totalLines = 0;
  invalidLines = 0;
  oversizedLines = 0;
  /** Slice width in µs (doubles as the session grows). */
  width = 1_000;
  counts = new Map<number, number>();

  add(e: ScannedEvent): void {
    const ts = e.tsMicros;
    if (ts !== ts) return;
    const slice = Math.floor(ts / this.width);
    this.counts.set(slice, (this.counts.get(slice) ?? 0) + 1);
    if (this.counts.size > 256) {
      const merged = new Map<number, number>();
      for (const [s, n] of this.counts) {
        const target = Math.floor(s / 2);
        merged.set(target, (merged.get(target) ?? 0) + n);
      }
      this.width *= 2;
      this.counts = merged;
    }
  }
}

/** The activity of each session, across its segments. */
const activity = new SessionAggregates({ create: () => new ActivityState(), capacity: 1024 });

/** `points` event counts over equal slices of `[first, last]`. */
function sparkline(state: ActivityState, first: number, last: number, points: number): number[] {
  const out = new Array<number>(points).fill(0);
  const span = Math.max(1, last - first + 1);
  for (const [slice, n] of state.counts) {
    const at = Math.min(
      points - 1,
      Math.max(0, Math.floor((slice * state.width - first) / span * points)),
    );
    out[at] += n;
  }
  return out;
}

function stateOf(storage: SessionStorage, modified: string | null, now: number): SessionState {
  if (storage === "archive") return "archived"; // a whole-session archive is never written again
  const age = modified === null ? Infinity : now - Date.parse(modified);
  return age <= ACTIVE_WITHIN_MS ? "active" : age <= IDLE_WITHIN_MS ? "idle" : "archived";
}

/** Epoch µs of a normalised wire timestamp (`YYYY-MM-DDTHH:MM:SS.ffffff+00:00`). */
function wireMicros(ts: string): number {
  return Date.parse(ts) * 1000 + Number(ts.slice(23, 26));
}

const STATE_ORDER: Record<SessionState, number> = { active: 0, idle: 1, archived: 2 };

function compare(a: SessionOverview, b: SessionOverview, key: SessionSortKey): number {
  if (key === "state") return STATE_ORDER[a.state] - STATE_ORDER[b.state];
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

/**
 * A page of the sessions index (see {@linkcode SessionOverview}): filtered
 * by `text`, sorted by `sort` (ties by session id), then `offset`/`limit`.
 * Only the page's sessions get a sparkline computed.
 *
 * @example
 * ```ts
 * import { listSessionPage } from "./session_overview.ts";
 * const page = await listSessionPage({ baseDir: "logs/execution", sort: "fills", limit: 20 });
 * for (const s of page.sessions) console.log(s.session_id, s.state, s.fills, s.activity.join(" "));
 * ```
 */
export async function listSessionPage(options: SessionPageOptions = {}): Promise<SessionPage> {
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  const now = options.now ?? Date.now();
  const limit = options.limit ?? MAX_SESSIONS_PAGE;
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SESSIONS_PAGE) {
    throw new RangeError(`limit: expected 1 to ${MAX_SESSIONS_PAGE}, got ${limit}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset: expected a whole number ≥ 0, got ${offset}`);
  }
  const text = options.text?.trim().toLowerCase() ?? "";
  const listed = (await listStoredSessions(baseDir)).filter((s) =>
    text === "" || s.info.session_id.toLowerCase().includes(text)
  );
  const rows: SessionOverview[] = [];
  for (const { info, storage } of listed) {
    // Cached and incremental: the listing has just brought every summary up to date.
    const summary = await getExecutionSummary(info.session_id, { baseDir });
    const lastMs = info.last_ts === null ? null : Date.parse(info.last_ts);
    rows.push({
      ...info,
      state: stateOf(storage, info.modified, now),
      fills: summary.fills.count,
      notional: summary.fills.notional,
      fees: summary.fills.fees,
      block_rate: summary.block_rate,
      errors: summary.kind_counts.error ?? 0,
      invalid_lines: summary.invalid_lines,
      last_event_age_s: lastMs === null ? null : Math.max(0, (now - lastMs) / 1000),
      activity: [],
    });
  }
  const sort = options.sort ?? "last_ts";
  const direction = (options.order ?? "desc") === "desc" ? -1 : 1;
  rows.sort((a, b) =>
    direction * compare(a, b, sort) ||
    (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0)
  );
  const page = rows.slice(offset, offset + limit);
  for (const row of page) {
    const first = row.first_ts === null ? null : wireMicros(row.first_ts);
    const last = row.last_ts === null ? null : wireMicros(row.last_ts);
    row.activity = await activity.read(
      baseDir,
      row.session_id,
      (read) =>
        read === null || first === null || last === null
          ? new Array<number>(SPARKLINE_POINTS).fill(0)
          : sparkline(read.sink, first, last, SPARKLINE_POINTS),
    );
  }
  return {
    sessions: page,
    total: rows.length,
    offset,
    limit,
    next_offset: offset + limit < rows.length ? offset + limit : null,
  };
}
