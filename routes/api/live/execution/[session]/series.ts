/**
 * `GET /api/live/execution/:session/series`: the session's time series for
 * the charts (see `live/series.ts`): per bucket, events by kind, gate
 * decisions and blocks by gate and reason code, fills, notional, fees and
 * intent→fill latency percentiles. `bucket` (`auto`, or a width such as
 * `500ms`, `10s`, `5m`, `1h`), `since` and `until` (any timestamp the
 * timeline accepts) choose the buckets; the automatic bucket keeps to at most
 * 1,000. Answers are cached while the file is unchanged.
 *
 * @module
 */
import { sessionFilePath } from "../../../../../execution/log_root.ts";
import { getExecutionSeries, parseBucketWidth } from "../../../../../live/series.ts";
import { parseTimelineRange, TimelineQueryError } from "../../../../../live/timeline_query.ts";
import { HttpError } from "../../../../../web/errors.ts";
import { parseSessionId, timelineQueryHttpError } from "../../../../../web/params.ts";
import type { Handlers } from "../../../../../web/route.ts";

/** Answers the series as JSON (`found: false` and no buckets for a session with no file). */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = ctx.url.searchParams;
    let bucketMs: number | undefined;
    try {
      bucketMs = parseBucketWidth(query.get("bucket"));
    } catch (err) {
      throw new HttpError(400, "invalid_bucket", (err as Error).message);
    }
    let range: { since: number | null; until: number | null };
    try {
      range = parseTimelineRange(query.get("since"), query.get("until"));
    } catch (err) {
      if (err instanceof TimelineQueryError) throw timelineQueryHttpError(err);
      throw err;
    }
    const baseDir = ctx.state.logDir;
    const key = JSON.stringify(["series", bucketMs ?? null, range.since, range.until]);
    const body = await ctx.state.responseCache.getOrCompute(
      sessionFilePath(baseDir, sessionId),
      key,
      async () => {
        try {
          return JSON.stringify(
            await getExecutionSeries(sessionId, {
              baseDir,
              bucketMs,
              sinceMicros: range.since,
              untilMicros: range.until,
            }),
          );
        } catch (err) {
          if (err instanceof RangeError) throw new HttpError(400, "invalid_bucket", err.message);
          throw err;
        }
      },
    );
    return new Response(body, {
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  },
};
