/**
 * The sessions of a log root: every `<id>.jsonl` with a valid session id.
 *
 * @module
 */
import { join } from "node:path";
import type { SessionInfo } from "./types.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { isValidSessionId } from "../execution/session_id.ts";
import { getExecutionSummary } from "./summary.ts";

const SUFFIX = ".jsonl";

/**
 * Every session file in `baseDir` (not recursive): files named `<id>.jsonl`
 * with a valid session id (others are ignored), with size, event count, first
 * and last timestamp (from the summary cache, brought up to date
 * incrementally) and modification time; newest first (by last timestamp,
 * then modification time). A missing directory gives an empty list.
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
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(baseDir)) {
      if (!entry.isFile || !entry.name.endsWith(SUFFIX)) continue;
      const id = entry.name.slice(0, -SUFFIX.length);
      if (isValidSessionId(id)) ids.push(id);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const sessions: SessionInfo[] = [];
  for (const id of ids) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(join(baseDir, `${id}${SUFFIX}`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // removed meanwhile
      throw err;
    }
    const summary = await getExecutionSummary(id, { baseDir });
    if (!summary.found) continue;
    sessions.push({
      session_id: id,
      size_bytes: summary.size_bytes,
      event_count: summary.event_count,
      first_ts: summary.start_time,
      last_ts: summary.end_time,
      modified: info.mtime === null ? null : info.mtime.toISOString(),
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
