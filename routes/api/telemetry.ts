/**
 * `GET /api/telemetry`: the original's 16C/16D query over the log root,
 * with its parameters (`session_id`, `type`, `symbol`, `from`, `to`,
 * `limit` 1–2000 (default 200), `format` json|csv) and answer shape
 * `{summary, timeline, query, stats}`, without its bugs (see
 * `live/telemetry_query.ts`): instants, not strings; a validated limit;
 * `format=csv` is always CSV (the header alone when nothing matches), as the
 * attachment `telemetry_<sid|all>_<type|all>.csv`. Reads are bounded: pass
 * `next_cursor` (also the `X-Next-Cursor` header of a CSV answer) as
 * `cursor` to continue. A `session_id` that is no session (no active file,
 * segment or archive), or a log root without any session, is a 404 as in the
 * original.
 *
 * @module
 */
import { sessionExists } from "../../live/session_listing.ts";
import {
  DEFAULT_TELEMETRY_LIMIT,
  MAX_TELEMETRY_LIMIT,
  parseTelemetryCursor,
  queryTelemetry,
  TELEMETRY_CSV_COLUMNS,
  telemetryCsvLine,
  telemetrySessions,
} from "../../live/telemetry_query.ts";
import { csvLine } from "../../live/csv.ts";
import {
  parseTimelineKinds,
  parseTimelineLimit,
  parseTimelineQuery,
  TimelineQueryError,
} from "../../live/timeline_query.ts";
import { HttpError } from "../../web/errors.ts";
import { parseSessionId, timelineQueryHttpError } from "../../web/params.ts";
import type { Handlers } from "../../web/route.ts";

function read<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TimelineQueryError) throw timelineQueryHttpError(err);
    throw err;
  }
}

/** Answers JSON, or CSV with `format=csv`. */
export const handler: Handlers = {
  async GET(ctx) {
    const params = ctx.url.searchParams;
    const rawSession = params.get("session_id")?.trim() || null;
    const sessionId = rawSession === null ? null : parseSessionId(rawSession);
    const format = params.get("format")?.trim().toLowerCase() || "json";
    if (format !== "json" && format !== "csv") {
      throw new HttpError(
        400,
        "invalid_format",
        `format: expected json or csv, got ${JSON.stringify(format.slice(0, 20))}`,
      );
    }
    // The original's names: type = kind, from/to = since/until.
    const filter = read(() =>
      parseTimelineQuery({
        kinds: params.getAll("type"),
        symbol: params.get("symbol"),
        since: params.get("from"),
        until: params.get("to"),
      })
    );
    const types = read(() => parseTimelineKinds(params.getAll("type")));
    const limitText = params.get("limit");
    let limit: number;
    try {
      limit = parseTimelineLimit(limitText ?? String(DEFAULT_TELEMETRY_LIMIT), MAX_TELEMETRY_LIMIT);
    } catch (err) {
      if (err instanceof TimelineQueryError) throw timelineQueryHttpError(err);
      throw err;
    }
    const rawCursor = params.get("cursor")?.trim() || null;
    let cursor = null;
    if (rawCursor !== null) {
      try {
        cursor = parseTelemetryCursor(rawCursor);
      } catch (err) {
        throw new HttpError(400, "invalid_cursor", (err as Error).message);
      }
    }
    const baseDir = ctx.state.logDir;
    if (sessionId !== null) {
      // Rotated sessions and whole-session archives are sessions too, not only `<id>.jsonl`.
      if (!(await sessionExists(baseDir, sessionId))) {
        throw new HttpError(404, "session_not_found", `Session log not found: ${sessionId}`);
      }
    } else if ((await telemetrySessions(baseDir)).length === 0) {
      throw new HttpError(404, "no_telemetry_logs", "No telemetry logs found in the log root");
    }
    const answer = await queryTelemetry({ baseDir, sessionId, filter, limit, cursor });
    if (format === "csv") {
      const name = `telemetry_${sessionId ?? "all"}_${
        types.length === 1 ? types[0] : types.length === 0 ? "all" : types.join("-")
      }.csv`;
      const headers: Record<string, string> = {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      };
      if (answer.next_cursor !== null) headers["x-next-cursor"] = answer.next_cursor;
      return new Response(
        csvLine(TELEMETRY_CSV_COLUMNS) + answer.timeline.map(telemetryCsvLine).join(""),
        { headers },
      );
    }
    return Response.json({
      summary: answer.summary,
      timeline: answer.timeline,
      query: {
        session_id: sessionId,
        type: types.length === 0 ? null : types.join(","),
        symbol: filter.symbol,
        from: filter.since,
        to: filter.until,
        limit,
        cursor: rawCursor,
      },
      stats: answer.stats,
      next_cursor: answer.next_cursor,
    }, { headers: { "cache-control": "no-store" } });
  },
};
