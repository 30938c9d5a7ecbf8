/**
 * `GET /api/telemetry/alerts/latest?limit=50&severity=warn`: the latest
 * notifications in the log root's alert store (what `alerts run` and the
 * server's schedule recorded), newest first, with their delivery status;
 * plus the alerts firing now. `limit` 1–500 (default 50); `severity` info,
 * warn or critical.
 *
 * @module
 */
import type { Handlers } from "../../../../web/route.ts";
import {
  parseBoundedInt,
  parseSeverity,
  refusePathParameters,
} from "../../../../web/telemetry_params.ts";

/** Answers `{alerts, count, firing, filters}`. */
export const handler: Handlers = {
  async GET(ctx) {
    const query = ctx.url.searchParams;
    refusePathParameters(query);
    const limit = parseBoundedInt(query, "limit", 50, 1, 500);
    const severity = parseSeverity(query);
    const telemetry = ctx.state.telemetry;
    const [{ records }, firing] = await Promise.all([
      telemetry.latestAlerts({ limit, severity: severity ?? undefined }),
      telemetry.firing(),
    ]);
    return Response.json({
      alerts: records,
      count: records.length,
      firing,
      filters: { limit, severity },
    }, { headers: { "cache-control": "no-store" } });
  },
};
