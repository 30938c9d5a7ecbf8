/**
 * The sessions of a log root: every session id with an active file
 * (`<id>.jsonl`), closed segments (`.segments/<id>/`) or a whole-session
 * archive (`<id>.jsonl.gz`).
 *
 * @module
 */
import type { SessionInfo } from "./types.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { listStoredSessions } from "./session_listing.ts";

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
  return (await listStoredSessions(baseDir)).map((s) => s.info);
}
