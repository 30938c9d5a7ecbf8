/**
 * The sessions of a log root: every session id with an active file
 * (`<id>.jsonl`), closed segments (`.segments/<id>/`) or a whole-session
 * archive (`<id>.jsonl.gz`).
 *
 * @module
 */
import type { SessionInfo } from "./types.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { readSessionLayoutSync } from "../execution/telemetry/segments.ts";
import { sessionIds } from "./session_ids.ts";
import { getExecutionSummary } from "./summary.ts";

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Bytes a session takes on disk (active file, every closed segment as
 * stored, compressed or plain; or its archive) and when it last changed.
 */
function diskUsage(baseDir: string, id: string): { size: number; modified: Date | null } {
  const layout = readSessionLayoutSync(baseDir, id);
  const active = lstatOrNull(layout.activePath);
  let size = 0;
  let modified: Date | null = null;
  if (active !== null && active.isFile) {
    size += active.size;
    modified = active.mtime;
  }
  for (const segment of layout.segments) {
    size += segment.disk_bytes;
    if (modified === null) modified = lstatOrNull(segment.path)?.mtime ?? null;
  }
  if (layout.segments.length === 0 && (active === null || !active.isFile)) {
    const archive = lstatOrNull(layout.archivePath);
    if (archive !== null && archive.isFile) {
      size += archive.size;
      modified = archive.mtime;
    }
  }
  return { size, modified };
}

/**
 * Every session in `baseDir` (not recursive): an active file `<id>.jsonl`,
 * closed segments under `.segments/<id>/`, or a whole-session archive
 * `<id>.jsonl.gz`, with a valid session id (other names are ignored). Each
 * comes with its size on disk (every segment, compressed or plain), event
 * count and first and last timestamp (from the summary cache: closed
 * segments through their manifest, the active file incrementally) and
 * modification time; newest first (by last timestamp, then modification
 * time). A missing directory gives an empty list.
 *
 * @example
 * ```ts
 * import { listSessions } from "@peak-trade/execution";
 * for (const s of await listSessions("logs/execution")) {
 *   console.log(s.session_id, s.event_count, s.last_ts);
 * }
 * ```
 */
export async function listSessions(baseDir: string = DEFAULT_LOG_DIR): Promise<SessionInfo[]> {
  let ids: Set<string>;
  try {
    ids = await sessionIds(baseDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const sessions: SessionInfo[] = [];
  for (const id of ids) {
    const summary = await getExecutionSummary(id, { baseDir });
    if (!summary.found) continue; // removed meanwhile, a link, a FIFO, a damaged archive
    const disk = diskUsage(baseDir, id);
    sessions.push({
      session_id: id,
      size_bytes: disk.size,
      event_count: summary.event_count,
      first_ts: summary.start_time,
      last_ts: summary.end_time,
      modified: disk.modified === null ? null : disk.modified.toISOString(),
    });
  }
  // Newest first: wire timestamps compare as strings; files without any by modification time.
  return sessions.sort((a, b) =>
    compareDesc(a.last_ts, b.last_ts) || compareDesc(a.modified, b.modified) ||
    (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0)
  );
}

function compareDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? 1 : -1;
}
