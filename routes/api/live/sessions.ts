/**
 * `GET /api/live/sessions`: the sessions of the log root, newest first by
 * default, each with its state, events, fills, notional, fees, block rate,
 * errors, last-event age and an activity sparkline; `q` filters by id text,
 * `sort` (`last_ts`, `session_id`, `state`, `event_count`, `fills`,
 * `notional`, `fees`, `block_rate`, `errors`, `size_bytes`) and `order`
 * (`asc`|`desc`) sort, `offset` and `limit` (1–500, default 500) page.
 *
 * @module
 */
import { listSessionPage } from "../../../live/session_overview.ts";
import type { Handlers } from "../../../web/route.ts";
import { parseSessionPageParams } from "../../../web/session_params.ts";

/**
 * Answers `{sessions, count, total, offset, limit, next_offset}` (none when
 * the log root does not exist yet); `count` is the sessions of this page.
 */
export const handler: Handlers = {
  async GET(ctx) {
    const options = parseSessionPageParams(ctx.url.searchParams);
    const page = await listSessionPage({ ...options, baseDir: ctx.state.logDir });
    return Response.json({
      sessions: page.sessions,
      count: page.sessions.length,
      total: page.total,
      offset: page.offset,
      limit: page.limit,
      next_offset: page.next_offset,
    }, { headers: { "cache-control": "no-store" } });
  },
};
