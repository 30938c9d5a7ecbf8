/**
 * Exporting the whole filtered view of a session, oldest first, as CSV or
 * JSONL, streamed: the session is read forwards in chunks only as fast as the
 * consumer reads, so a 1,000,000-event export never holds the session in
 * memory. A rotated session is exported across every segment (then the
 * active file), a whole-session archive as well; the export covers the
 * session as it was when it started.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import type { ReadEvent } from "../execution/wire/types.ts";
import { csvLine } from "./csv.ts";
import { openForwardReader } from "./forward_events.ts";
import { toTimelineRow } from "./timeline.ts";
import { compileTimelineFilter, type TimelineFilter } from "./timeline_query.ts";

/** What an export is written as. */
export type ExportFormat = "csv" | "jsonl";

/** The columns of a CSV export, in order. */
export const EXPORT_CSV_COLUMNS: readonly string[] = [
  "ts",
  "session_id",
  "seq",
  "kind",
  "symbol",
  "mode",
  "description",
  "details",
];

const encoder = new TextEncoder();
/** Output is handed over in pieces of about this many characters. */
const PIECE_CHARS = 64 * 1024;

function csvRow(sessionId: string, event: ReadEvent): string {
  const row = toTimelineRow(event);
  return csvLine([
    row.ts,
    event.session_id ?? sessionId,
    row.seq,
    row.kind,
    row.symbol,
    row.mode,
    row.description,
    row.details,
  ]);
}

function jsonRow(event: ReadEvent): string {
  return JSON.stringify(toTimelineRow(event)) + "\n";
}

/**
 * The export of `sessionId`'s events that `filter` matches, oldest first:
 * CSV (header {@linkcode EXPORT_CSV_COLUMNS}, cells safe against formula
 * injection) or JSONL (one timeline row per line, as `timeline --json`).
 * `null` when the session does not exist (no active file, segment or archive).
 *
 * @example
 * ```ts
 * import { exportTimeline } from "./timeline_export.ts";
 * import { parseTimelineQuery } from "./timeline_query.ts";
 * const body = await exportTimeline("demo", parseTimelineQuery({ kinds: ["fill"] }), "csv");
 * console.log(body === null ? "no such session" : await new Response(body).text());
 * ```
 */
export async function exportTimeline(
  sessionId: string,
  filter: TimelineFilter,
  format: ExportFormat,
  options: { baseDir?: string } = {},
): Promise<ReadableStream<Uint8Array<ArrayBuffer>> | null> {
  const reader = await openForwardReader(options.baseDir ?? DEFAULT_LOG_DIR, sessionId, 0);
  if (reader === null) return null;
  const matches = compileTimelineFilter(filter);
  let header = format === "csv" ? csvLine(EXPORT_CSV_COLUMNS) : "";
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      let piece = header;
      header = "";
      while (piece.length < PIECE_CHARS) {
        let events: ReadEvent[] | null;
        try {
          events = await reader.next();
        } catch (err) {
          reader.close();
          throw err;
        }
        if (events === null) {
          if (piece !== "") controller.enqueue(encoder.encode(piece));
          controller.close();
          return;
        }
        for (const event of events) {
          if (!matches(event)) continue;
          piece += format === "csv" ? csvRow(sessionId, event) : jsonRow(event);
        }
      }
      controller.enqueue(encoder.encode(piece));
    },
    cancel() {
      reader.close();
    },
  }, { highWaterMark: 1 });
}
