/**
 * `GET /api/live/execution/:session`: the original's response shape
 * `{session_id, timeline, summary, filters, count}` plus the paging cursor
 * `next_before` and `follow_from`, the stream offset that continues this
 * answer with no gap. Filters (`kind`, repeatable; `symbol` with
 * `symbol_match` and `symbol_ci`; `blocked`, `gate`, `code`; `since`;
 * `until`) apply before `limit` (1–1000, default 200); `before` pages to
 * older rows.
 *
 * @module
 */
import { sessionFilePath } from "../../../../execution/log_root.ts";
import { followStart } from "../../../../live/follow_start.ts";
import { getExecutionSummary } from "../../../../live/summary.ts";
import { getExecutionTimeline } from "../../../../live/timeline.ts";
import { timelineReadFilters } from "../../../../live/timeline_extra_filter.ts";
import { timelineFilterKey } from "../../../../live/timeline_query.ts";
import { parseOffset, parseSessionId, parseTimelineParams } from "../../../../web/params.ts";
import type { Handlers } from "../../../../web/route.ts";
import { cachedJsonAnswer } from "../../../../web/cached_answer.ts";

/** This route's pattern in the manifest (the `route` label of its request metrics). */
const ROUTE_PATTERN = "/api/live/execution/:session";

/**
 * Answers the timeline page and the whole-session summary (cached while the
 * file is unchanged; `ETag`, and `304` to a matching `If-None-Match`).
 */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = parseTimelineParams(ctx.url.searchParams);
    const before = parseOffset("before", ctx.url.searchParams.get("before"));
    const baseDir = ctx.state.logDir;
    const path = sessionFilePath(baseDir, sessionId);
    const { kinds, symbol, since, until, limit } = query;
    const key = JSON.stringify([timelineFilterKey(query), since, until, limit, before]);
    const answer = await ctx.state.responseCache.answer(path, key, async () => {
      // The summary first: the page then covers every line before `follow_from`.
      const summary = await getExecutionSummary(sessionId, { baseDir });
      const page = await getExecutionTimeline(sessionId, {
        ...timelineReadFilters(query),
        baseDir,
        limit,
        before: before ?? undefined,
      });
      return JSON.stringify({
        session_id: sessionId,
        timeline: page.timeline,
        summary,
        filters: {
          kind: kinds.length === 0 ? null : kinds.join(","),
          kinds,
          symbol,
          symbol_match: query.symbolMatch,
          symbol_ci: query.symbolIgnoreCase,
          blocked: query.blocked,
          gates: query.gates,
          codes: query.codes,
          since,
          until,
          before,
          limit,
        },
        count: page.timeline.length,
        next_before: page.next_before,
        // No file: whatever it will hold is new, so follow from its start.
        follow_from: await followStart(path, summary) ?? 0,
      });
    });
    // The guard may answer the same request target itself while this entry is current.
    ctx.state.door?.remember(ctx.req.url, ROUTE_PATTERN, path, key);
    return cachedJsonAnswer(ctx.req, answer);
  },
};
