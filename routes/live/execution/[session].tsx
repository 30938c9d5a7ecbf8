/**
 * `GET /live/execution/:session`: the timeline page of one session. The
 * handler loads the summary and the first page; the page renders the
 * timeline island, which takes over filtering, paging and live follow once
 * hydrated. Without JavaScript the filter bar is a plain GET form.
 *
 * @module
 */
import type { JSX } from "preact";
import { getExecutionSummary } from "../../../live/summary.ts";
import { getExecutionTimeline } from "../../../live/timeline.ts";
import { sessionFilePath } from "../../../execution/log_root.ts";
import type {
  ExecutionTimelineProps,
  TimelineFilters,
} from "../../../islands/ExecutionTimeline.tsx";
import { HttpError } from "../../../web/errors.ts";
import { followOffset } from "../../../web/follow_offset.ts";
import { Island } from "../../../web/island.tsx";
import {
  DEFAULT_LIMIT,
  parseKinds,
  parseLimit,
  parseOffset,
  parseSessionId,
  parseSymbol,
  parseTimeBound,
} from "../../../web/params.ts";
import { parseTimeBound as readTimeBound } from "../../../live/timestamps.ts";
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

/**
 * Loads the summary (first, so live follow starts where it ends) and the
 * first page of rows; bad filters render the page with a 400 and a message.
 *
 * @example
 * ```ts
 * import { handler } from "./[session].tsx";
 * console.log(typeof handler.GET); // "function"
 * ```
 */
export const handler: Handlers<TimelinePageData> = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = ctx.url.searchParams;
    let filters: TimelineFilters = { kinds: [], symbol: "", limit: DEFAULT_LIMIT };
    let before: number | null = null;
    let error: string | null = null;
    try {
      filters = {
        kinds: parseKinds(query),
        symbol: parseSymbol(query) ?? "",
        limit: parseLimit(query),
        since: parseTimeBound(query, "since") ?? "",
        until: parseTimeBound(query, "until") ?? "",
      };
      for (const name of ["since", "until"] as const) {
        const value = filters[name];
        if (value) readTimeBound(value, name); // throws a RangeError saying what to type
      }
      before = parseOffset("before", query.get("before"));
    } catch (err) {
      if (!(err instanceof HttpError) && !(err instanceof RangeError)) throw err;
      error = err.message;
      // Show the page unfiltered by the bad bound, keeping what was typed in the form.
      if (err instanceof RangeError) {
        const typed = { since: query.get("since") ?? "", until: query.get("until") ?? "" };
        filters = { ...filters, ...typed };
      }
    }
    const badBound = error !== null;
    const baseDir = ctx.state.logDir;
    const summary = await getExecutionSummary(sessionId, { baseDir });
    const page = await getExecutionTimeline(sessionId, {
      baseDir,
      limit: filters.limit,
      kinds: filters.kinds,
      symbol: filters.symbol === "" ? undefined : filters.symbol,
      before: before ?? undefined,
      since: badBound || !filters.since ? undefined : filters.since,
      until: badBound || !filters.until ? undefined : filters.until,
    });
    return ctx.render({
      island: {
        sessionId,
        summary,
        rows: page.timeline,
        nextBefore: page.next_before,
        filters,
        followFrom: await followOffset(sessionFilePath(baseDir, sessionId), summary),
        error,
      },
    }, { status: error === null ? 200 : 400 });
  },
};

/**
 * The page title.
 *
 * @example
 * ```ts
 * import { title } from "./[session].tsx";
 * ```
 */
export function title(data: TimelinePageData): string {
  return `Execution Timeline – ${data.island.sessionId}`;
}

/**
 * Renders the header and the timeline island.
 *
 * @example
 * ```tsx
 * import TimelinePage from "./[session].tsx";
 * // rendered by the app with the handler's data
 * ```
 */
export default function TimelinePage({ data }: PageProps<TimelinePageData>): JSX.Element {
  return (
    <main class="page">
      <header class="page-header">
        <a class="back" href="/">← Sessions</a>
        <h1>Execution Timeline</h1>
        <p class="subtitle">
          Session: <code class="session-id">{data.island.sessionId}</code>
        </p>
      </header>
      <Island name="ExecutionTimeline" props={data.island} />
    </main>
  );
}
