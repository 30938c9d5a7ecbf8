/**
 * `GET /live/execution/:session`: the timeline page of one session. The
 * handler loads the summary and the first page; the page renders the
 * timeline island, which takes over filtering, paging and live follow once
 * hydrated. Without JavaScript the filter bar is a plain GET form.
 *
 * @module
 */
import type { JSX } from "preact";
import { sessionFilePath } from "../../../execution/log_root.ts";
import ExecutionTimeline, {
  type ExecutionTimelineProps,
  type TimelineFilters,
} from "../../../islands/ExecutionTimeline.tsx";
import { followStart } from "../../../live/follow_start.ts";
import { getExecutionSummary } from "../../../live/summary.ts";
import { getExecutionTimeline } from "../../../live/timeline.ts";
import {
  DEFAULT_TIMELINE_LIMIT,
  MAX_PAGE_LIMIT,
  parseSymbolMatch,
  parseTimelineKinds,
  parseTimelineLimit,
  parseTimelineNames,
  parseTimelineRange,
  parseTimelineSwitch,
  parseTimelineSymbol,
  type SymbolMatch,
  type TimelineQuery,
  TimelineQueryError,
} from "../../../live/timeline_query.ts";
import { HttpError } from "../../../web/errors.ts";
import { Island } from "../../../web/island.tsx";
import { parseOffset, parseSessionId, timelineQueryInput } from "../../../web/params.ts";
import type { Handlers, PageProps } from "../../../web/route.ts";

/**
 * What the timeline page renders: the island's props.
 *
 * @example
 * ```ts
 * import type { TimelinePageData } from "./[session].tsx";
 * type Props = TimelinePageData["island"];
 * ```
 */
export interface TimelinePageData {
  /** Props of the timeline island. */
  island: ExecutionTimelineProps;
}

/** The filters a page request asks for, each bad one left out, and the first problem. */
type PageFilters = Omit<TimelineQuery, "sinceMicros" | "untilMicros"> & {
  before: number | null;
  error: string | null;
};

/**
 * Read the page's filters one by one: a bad filter is reported (the first
 * one, in the query module's order) and left out, and the others still
 * apply, so the page shows what it can next to the message.
 */
function readPageFilters(query: URLSearchParams): PageFilters {
  const input = timelineQueryInput(query);
  let error: string | null = null;
  function attempt<T>(parse: () => T, fallback: T): T {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof TimelineQueryError) && !(err instanceof HttpError)) throw err;
      error ??= err.message;
      return fallback;
    }
  }
  const kinds = attempt(() => parseTimelineKinds(input.kinds ?? []), []);
  const symbol = attempt(() => parseTimelineSymbol(input.symbol), null);
  const symbolMatch = attempt(() => parseSymbolMatch(input.symbolMatch), "exact" as SymbolMatch);
  const symbolIgnoreCase = attempt(
    () => parseTimelineSwitch(input.symbolIgnoreCase, "symbol_ci"),
    false,
  );
  const blocked = attempt(() => parseTimelineSwitch(input.blocked, "blocked"), false);
  const gates = attempt(() => parseTimelineNames(input.gates ?? [], "gate"), []);
  const codes = attempt(() => parseTimelineNames(input.codes ?? [], "code"), []);
  const range = attempt(() => parseTimelineRange(input.since, input.until), null);
  const limit = attempt(
    () => parseTimelineLimit(input.limit, MAX_PAGE_LIMIT),
    DEFAULT_TIMELINE_LIMIT,
  );
  const before = attempt(() => parseOffset("before", query.get("before")), null);
  const bound = (text: string | null | undefined): string | null =>
    range === null || !text?.trim() ? null : text.trim();
  return {
    kinds,
    symbol,
    symbolMatch,
    symbolIgnoreCase,
    blocked,
    gates,
    codes,
    since: bound(input.since),
    until: bound(input.until),
    limit,
    before,
    error,
  };
}

/**
 * Loads the summary (first, so live follow starts where it ends) and the
 * first page of rows; bad filters render the page with a 400 and a message.
 */
export const handler: Handlers<TimelinePageData> = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = ctx.url.searchParams;
    const applied = readPageFilters(query);
    const baseDir = ctx.state.logDir;
    const summary = await getExecutionSummary(sessionId, { baseDir });
    const page = await getExecutionTimeline(sessionId, {
      baseDir,
      limit: applied.limit,
      kinds: applied.kinds,
      symbol: applied.symbol ?? undefined,
      symbolMatch: applied.symbolMatch,
      symbolIgnoreCase: applied.symbolIgnoreCase,
      blocked: applied.blocked,
      gates: applied.gates,
      codes: applied.codes,
      before: applied.before ?? undefined,
      since: applied.since ?? undefined,
      until: applied.until ?? undefined,
    });
    // The form keeps the bounds as typed, even when they could not be used, so they can be fixed.
    const filters: TimelineFilters = {
      kinds: applied.kinds,
      symbol: applied.symbol ?? "",
      symbolMatch: applied.symbolMatch,
      symbolIgnoreCase: applied.symbolIgnoreCase,
      blocked: applied.blocked,
      gate: applied.gates.join(","),
      code: applied.codes.join(","),
      limit: applied.limit,
      since: query.get("since")?.trim() ?? "",
      until: query.get("until")?.trim() ?? "",
    };
    const followFrom = await followStart(sessionFilePath(baseDir, sessionId), summary);
    return ctx.render({
      island: {
        sessionId,
        summary,
        rows: page.timeline,
        nextBefore: page.next_before,
        filters,
        // No file: whatever it will hold is new, so follow from its start.
        followFrom: followFrom ?? 0,
        error: applied.error,
        timeZone: query.get("tz") === "local" ? "local" : "utc",
      },
    }, { status: applied.error === null ? 200 : 400 });
  },
};

/** The page title. */
export function title(data: TimelinePageData): string {
  return `Execution Timeline – ${data.island.sessionId}`;
}

/** Renders the header and the timeline island. */
export default function TimelinePage({ data }: PageProps<TimelinePageData>): JSX.Element {
  return (
    <>
      <main class="page">
        <header class="page-header">
          <a class="back" href="/">← Sessions</a>
          <h1>Execution Timeline</h1>
          <p class="subtitle">
            Session: <code class="session-id">{data.island.sessionId}</code>
          </p>
        </header>
        <Island component={ExecutionTimeline} props={data.island} />
      </main>
    </>
  );
}
