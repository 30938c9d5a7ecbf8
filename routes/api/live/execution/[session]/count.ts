/**
 * `GET /api/live/execution/:session/count`: how many events of the whole
 * session the timeline's filters match (`kind`, `symbol`, `symbol_match`,
 * `symbol_ci`, `blocked`, `gate`, `code`, `since`, `until`), out of how
 * many: `{session_id, found, matching, total}`. Counted incrementally per
 * filter, so following a growing session costs only its new bytes.
 *
 * @module
 */
import { countTimelineMatches } from "../../../../../live/match_count.ts";
import { parseSessionId, parseTimelineParams } from "../../../../../web/params.ts";
import type { Handlers } from "../../../../../web/route.ts";

/** Answers the count. */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = parseTimelineParams(ctx.url.searchParams, { readLimit: false });
    const count = await countTimelineMatches(sessionId, query, { baseDir: ctx.state.logDir });
    return Response.json({ session_id: sessionId, ...count }, {
      headers: { "cache-control": "no-store" },
    });
  },
};
