/**
 * `GET /api/live/execution/:session/summary`: the whole-session summary alone.
 *
 * @module
 */
import { getExecutionSummary } from "../../../../../live/summary.ts";
import type { Handlers } from "../../../../../web/route.ts";
import { parseSessionId } from "../../../../../web/params.ts";

/** Answers the summary (`found: false` for a session with no file). */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const summary = await getExecutionSummary(sessionId, { baseDir: ctx.state.logDir });
    return Response.json(summary, { headers: { "cache-control": "no-store" } });
  },
};
