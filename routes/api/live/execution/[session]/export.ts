/**
 * `GET /api/live/execution/:session/export`: the whole filtered view of a
 * session as a download, oldest first, streamed (never held in memory):
 * `format=csv` (the default; columns `ts, session_id, seq, kind, symbol,
 * mode, description, details`, cells that begin with `=`, `+`, `-` or `@`
 * prefixed with `'` against spreadsheet formulas) or `format=jsonl` (one
 * timeline row per line, as `timeline --json`). The timeline's filters apply;
 * `limit` does not. A session with no file is a 404.
 *
 * @module
 */
import { type ExportFormat, exportTimeline } from "../../../../../live/timeline_export.ts";
import { isTimelineFiltered } from "../../../../../live/timeline_query.ts";
import { HttpError } from "../../../../../web/errors.ts";
import { parseSessionId, parseTimelineParams } from "../../../../../web/params.ts";
import type { Handlers } from "../../../../../web/route.ts";

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
};

/** Streams the export as an attachment. */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const raw = ctx.url.searchParams.get("format")?.trim().toLowerCase() || "csv";
    if (raw !== "csv" && raw !== "jsonl") {
      throw new HttpError(
        400,
        "invalid_format",
        `format: expected csv or jsonl, got ${JSON.stringify(raw.slice(0, 20))}`,
      );
    }
    const format: ExportFormat = raw;
    const query = parseTimelineParams(ctx.url.searchParams, { readLimit: false });
    const body = await exportTimeline(sessionId, query, format, { baseDir: ctx.state.logDir });
    if (body === null) {
      throw new HttpError(404, "session_not_found", `no log file for session ${sessionId}`);
    }
    // The session id is [A-Za-z0-9._-] only, so it needs no quoting in the header.
    const name = `${sessionId}${isTimelineFiltered(query) ? "_filtered" : ""}.${format}`;
    return new Response(body, {
      headers: {
        "content-type": CONTENT_TYPES[format],
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  },
};
