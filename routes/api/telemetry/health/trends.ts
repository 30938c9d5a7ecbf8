/**
 * `GET /api/telemetry/health/trends?days=30`: health trends over the last
 * `days` days (1–365, default 30), in the original's 16H shape: rollups of
 * the period, its last 24 h and 7 d, degradation, the time series; or the
 * "no snapshots" answer with a hint. `snapshots_path` and `root` are refused.
 *
 * @module
 */
import type { Handlers } from "../../../../web/route.ts";
import { parseBoundedInt, refusePathParameters } from "../../../../web/telemetry_params.ts";

/** Answers the trends of the log root's snapshots. */
export const handler: Handlers = {
  async GET(ctx) {
    const query = ctx.url.searchParams;
    refusePathParameters(query);
    const days = parseBoundedInt(query, "days", 30, 1, 365);
    return Response.json(await ctx.state.telemetry.trends(days), {
      headers: { "cache-control": "no-store" },
    });
  },
};
