/**
 * `GET /api/telemetry/health`: the health report of the server's own log
 * root, in the original's 16F shape (`{timestamp, status, exit_code,
 * checks:[{name, status, message, value, threshold_warn,
 * threshold_critical}]}`, each check with its `unit` and `details`). The
 * original's `root` parameter is refused with 400.
 *
 * @module
 */
import type { Handlers } from "../../../web/route.ts";
import { refusePathParameters } from "../../../web/telemetry_params.ts";

/** Answers the report (computed at most every 5 s; requests in a burst share it). */
export const handler: Handlers = {
  async GET(ctx) {
    refusePathParameters(ctx.url.searchParams);
    const { report } = await ctx.state.telemetry.health();
    return Response.json(report, { headers: { "cache-control": "no-store" } });
  },
};
