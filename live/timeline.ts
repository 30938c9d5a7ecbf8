/**
 * The newest events of a session, filtered, read backwards from the end of
 * the file so the cost follows the rows returned, not the file size.
 *
 * @module
 */
import type { TimelinePage, TimelineRow } from "./types.ts";
import type { ReadEvent } from "../execution/wire/types.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import type { ReadStats } from "../execution/wire/types.ts";
import { type ByteLine, LineSplitter } from "../execution/wire/line_stream.ts";
import type { PositionalReader } from "../execution/wire/positional_reader.ts";
import { openSessionView } from "./session_view.ts";
import { yieldIfBusy } from "./fair_share.ts";
import { readLinesBackward, retryWhileShrinking } from "./backward_lines.ts";
import { countLine, emptyReadStats } from "../execution/wire/line_stats.ts";
import { describeEvent } from "./describe.ts";
import { parseTimeBound } from "../execution/wire/timestamps.ts";
import { UNKNOWN_KIND } from "../execution/wire/line_decoder.ts";
import { DEFAULT_TIMELINE_LIMIT } from "./timeline_query.ts";

/**
 * Options of {@linkcode getExecutionTimeline}. Filters apply before the limit.
 *
 * @example
 * ```ts
 * import type { TimelineOptions } from "@peak-trade/execution";
 * const options: TimelineOptions = { kinds: ["fill"], symbol: "BTC-USD", limit: 50 };
 * ```
 */
export interface TimelineOptions {
  /**
   * The log root holding `<sessionId>.jsonl`.
   *
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /**
   * Most rows returned (a positive integer).
   *
   * @default {200}
   */
  limit?: number;
  /** Only these kinds (any of them). Empty or absent: every kind. */
  kinds?: readonly string[];
  /** Only this symbol (exact match). */
  symbol?: string;
  /** Only events at or after this instant (events without a readable `ts` are left out). */
  since?: string | Date;
  /** Only events at or before this instant (events without a readable `ts` are left out). */
  until?: string | Date;
  /** Byte offset cursor: only lines that start before it (`next_before` of the previous page). */
  before?: number;
}

const latin1 = new TextDecoder("latin1");

/**
 * Turn a read event into a timeline row (the original's row shape plus the
 * line's offset and `seq`).
 *
 * @example
 * ```ts
 * import { toTimelineRow } from "@peak-trade/execution";
 * const row = toTimelineRow({
 *   ts: "2026-11-25T09:30:45.000000+00:00", ts_micros: 1_795_599_045_000_000, session_id: "s1",
 *   symbol: "BTC-USD", mode: "paper", kind: "error", payload: { error: "venue down" },
 *   seq: 3, offset: 0, end: 120,
 * });
 * console.log(row.description); // "Error: venue down"
 * ```
 */
export function toTimelineRow(event: ReadEvent): TimelineRow {
  return {
    ts: event.ts,
    kind: event.kind,
    symbol: event.symbol,
    description: describeEvent(event.kind, event.payload),
    details: event.payload,
    offset: event.offset,
    seq: event.seq,
  };
}

/**
 * The bytes of `"value"` when a plain-ASCII value must appear literally in any
 * line that has it as a string (no escapes possible), else `null`.
 */
function literalNeedle(value: string): Uint8Array | null {
  return /^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)
    ? new TextEncoder().encode(`"${value}"`)
    : null;
}

/**
 * A backslash: a line that has one may spell a kind or symbol with escapes
 * (`"f\u0069ll"`), so it always passes the pre-checks and is parsed.
 */
const ESCAPE_NEEDLE = "\\";
const BACKSLASH = 0x5c;

/** Whether `needle` (at least 2 bytes, starting with a quote) occurs in `hay`. */
function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  const second = needle[1];
  const last = hay.length - needle.length + 1;
  let i = hay.indexOf(second, 1);
  while (i !== -1 && i < last + 1) {
    let same = hay[i - 1] === needle[0];
    for (let j = 2; same && j < needle.length; j++) same = hay[i - 1 + j] === needle[j];
    if (same) return true;
    i = hay.indexOf(second, i + 1);
  }
  return false;
}

/**
 * The newest events of a session, newest first by file order, after the
 * filters (`kinds`, `symbol`, `since`, `until`) and then the `limit`. Reads
 * backwards in blocks and stops once it has `limit` rows; `before` pages to
 * older rows. A missing file gives `found: false` and no rows.
 *
 * When the file shrinks during the read (truncated or rotated in place), the
 * read starts again from the new end (at most 3 reads in all).
 *
 * Throws `InvalidSessionIdError` for an invalid session id, `RangeError`
 * for a `limit` that is not a positive integer, an unreadable `since` or
 * `until`, or a negative `before`, and {@linkcode SessionLogChangedError}
 * when the file shrank during every attempt.
 *
 * @example
 * ```ts
 * import { getExecutionTimeline } from "@peak-trade/execution";
 * const page = await getExecutionTimeline("demo", { kinds: ["fill"], limit: 20 });
 * for (const row of page.timeline) console.log(row.ts, row.description);
 * ```
 */
export async function getExecutionTimeline(
  sessionId: string,
  options: TimelineOptions = {},
): Promise<TimelinePage> {
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  assertValidSessionId(sessionId);
  const limit = options.limit ?? DEFAULT_TIMELINE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`limit: expected a positive integer, got ${String(limit)}`);
  }
  const since = options.since === undefined ? null : parseTimeBound(options.since, "since");
  const until = options.until === undefined ? null : parseTimeBound(options.until, "until");
  const before = options.before;
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 0)) {
    throw new RangeError(`before: expected a byte offset (an integer ≥ 0), got ${before}`);
  }
  const kinds = options.kinds !== undefined && options.kinds.length > 0
    ? new Set(options.kinds)
    : null;
  const symbol = options.symbol ?? null;
  // Cheap byte checks spare decoding and JSON.parse for lines that cannot match; a kind
  // that could only be written with escapes has no needle, and then no kind is pre-checked.
  // Neither is "unknown", the kind of a line that has none (so no "unknown" text either).
  const kindNeedles = kinds === null || kinds.has(UNKNOWN_KIND)
    ? null
    : [...kinds].map(literalNeedle);
  const usableKindNeedles =
    kindNeedles !== null && kindNeedles.every((n): n is Uint8Array => n !== null)
      ? kindNeedles
      : null;
  const symbolNeedle = symbol === null ? null : literalNeedle(symbol);

  const match: RowFilter = {
    kinds,
    symbol,
    since,
    until,
    kindNeedles: usableKindNeedles,
    symbolNeedle,
  };
  return await retryWhileShrinking(
    sessionId,
    () => readPage(baseDir, sessionId, before, limit, match),
  );
}

/** The filters of one timeline read, with their byte needles for the cheap pre-checks. */
interface RowFilter {
  kinds: Set<string> | null;
  symbol: string | null;
  since: number | null;
  until: number | null;
  kindNeedles: Uint8Array[] | null;
  symbolNeedle: Uint8Array | null;
}

/** One backward read of the session as it is now; throws `FileShrankError` if it shrinks meanwhile. */
async function readPage(
  baseDir: string,
  sessionId: string,
  before: number | undefined,
  limit: number,
  match: RowFilter,
): Promise<TimelinePage> {
  const { kinds, symbol, since, until, kindNeedles, symbolNeedle } = match;
  const page: TimelinePage = {
    session_id: sessionId,
    found: false,
    timeline: [],
    next_before: null,
    stats: emptyReadStats(),
  };
  const stats = page.stats;
  using view = await openSessionView(baseDir, sessionId);
  if (!view.found) return page;
  page.found = true;
  const end = before === undefined ? view.end : Math.min(before, view.end);
  const oldest = view.firstStart;
  // The backward reader reports only lines that hold one of the kinds (or else the symbol);
  // with both, the symbol is checked here, still before any decoding.
  const blockNeedles = kindNeedles ?? (symbolNeedle === null ? null : [symbolNeedle]);
  const mustContain = blockNeedles === null
    ? null
    : [...blockNeedles.map((n) => latin1.decode(n)), ESCAPE_NEEDLE];
  const lineNeedle = kindNeedles === null ? null : symbolNeedle;
  /** Whether a line passes every filter; adds its row when it does. */
  const take = (line: ByteLine): boolean => {
    if (
      line.status === "line" && lineNeedle !== null &&
      !containsBytes(line.bytes, lineNeedle) && !line.bytes.includes(BACKSLASH)
    ) return false;
    const event = countLine(stats, line);
    if (event === null) return false;
    if (kinds !== null && !kinds.has(event.kind)) return false;
    if (symbol !== null && event.symbol !== symbol) return false;
    if (since !== null && (event.ts_micros === null || event.ts_micros < since)) return false;
    if (until !== null && (event.ts_micros === null || event.ts_micros > until)) return false;
    page.timeline.push(toTimelineRow(event));
    return true;
  };
  // Newest part first; each part is read backwards from the end (or `before`) within it.
  for (let p = view.parts.length - 1; p >= 0; p--) {
    const part = view.parts[p];
    if (part.start >= end) continue;
    const localEnd = Math.min(end, part.start + part.size) - part.start;
    const reader = view.openPart(part);
    if (reader === null) continue; // deleted since the layout was read
    try {
      const full = reader.random
        ? await readPartBackward(reader, part.start, localEnd, mustContain, take, limit, page)
        : await readPartForward(
          reader,
          part.start,
          localEnd,
          mustContain,
          take,
          limit,
          page,
          stats,
        );
      if (full) {
        const offset = page.timeline[page.timeline.length - 1].offset;
        page.next_before = offset > oldest ? offset : null;
        return page;
      }
    } finally {
      reader.close();
    }
  }
  return page;
}

/** Whether the page is full after the rows of a part. */
async function readPartBackward(
  reader: PositionalReader,
  start: number,
  localEnd: number,
  mustContain: string[] | null,
  take: (line: ByteLine) => boolean,
  limit: number,
  page: TimelinePage,
): Promise<boolean> {
  let work = performance.now();
  for await (const batch of readLinesBackward(reader, localEnd, undefined, mustContain)) {
    for (const line of batch) {
      // Logical offsets: the part's start plus the offset within it.
      line.offset += start;
      line.end += start;
      if (take(line) && page.timeline.length === limit) return true;
    }
    work = await yieldIfBusy(work);
  }
  return false;
}

/**
 * A part that can only be read front to back (an archive): scan it to
 * `localEnd`, keeping the last `limit − rows so far` matches (added newest
 * first), and count the lines a backward read would have examined (those
 * its byte pre-check lets through): from the oldest kept row on when the
 * page fills, else all of them.
 */
async function readPartForward(
  reader: PositionalReader,
  start: number,
  localEnd: number,
  mustContain: string[] | null,
  take: (line: ByteLine) => boolean,
  limit: number,
  page: TimelinePage,
  stats: ReadStats,
): Promise<boolean> {
  const want = limit - page.timeline.length;
  const base = { ...stats };
  /** Counts of this part's lines so far. */
  const counted = emptyReadStats();
  const kept: Array<{ row: TimelineRow; countedBefore: ReadStats }> = [];
  const onLine = (line: ByteLine): void => {
    // The backward reader's pre-check: a complete line with none of the needles is not seen.
    if (
      mustContain !== null && line.status === "line" &&
      !mustContain.some((needle) => latin1.decode(line.bytes).includes(needle))
    ) return;
    const countedBefore = { ...counted };
    const matched = take(line); // counts into `stats`, pushes its row onto the page
    for (const key of Object.keys(stats) as Array<keyof ReadStats>) {
      counted[key] += stats[key] - base[key];
      stats[key] = base[key];
    }
    if (!matched) return;
    kept.push({ row: page.timeline.pop()!, countedBefore });
    if (kept.length > want) kept.shift();
  };
  const splitter = new LineSplitter({ startOffset: start });
  const buf = new Uint8Array(1024 * 1024);
  let work = performance.now();
  for (let at = 0; at < localEnd;) {
    const n = await reader.read(at, buf.subarray(0, Math.min(buf.length, localEnd - at)));
    if (n === 0) break;
    splitter.push(buf.subarray(0, n), onLine);
    at += n;
    work = await yieldIfBusy(work);
  }
  splitter.finish(onLine);
  const full = kept.length === want;
  const from = full ? kept[0].countedBefore : emptyReadStats();
  for (const key of Object.keys(stats) as Array<keyof ReadStats>) {
    stats[key] = base[key] + counted[key] - from[key];
  }
  for (let i = kept.length - 1; i >= 0; i--) page.timeline.push(kept[i].row);
  return full;
}
