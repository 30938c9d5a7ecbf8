/**
 * The session ids of a log root: every valid id with an active file
 * (`<id>.jsonl`), a whole-session archive (`<id>.jsonl.gz`) or closed
 * segments (`.segments/<id>/`). Used by the session list and by `ship`.
 *
 * @module
 */
import { join } from "../execution/paths.ts";
import { isValidSessionId } from "../execution/session_id.ts";
import { SEGMENTS_DIR_NAME } from "../execution/telemetry/segments.ts";

const SUFFIX = ".jsonl";
const ARCHIVE_SUFFIX = ".jsonl.gz";

/** Session ids found in `baseDir` (files and segment directories with valid ids); throws NotFound for a missing root. */
export async function sessionIds(baseDir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const entry of Deno.readDir(baseDir)) {
    if (entry.isFile && entry.name.endsWith(ARCHIVE_SUFFIX)) {
      const id = entry.name.slice(0, -ARCHIVE_SUFFIX.length);
      if (isValidSessionId(id)) ids.add(id);
    } else if (entry.isFile && entry.name.endsWith(SUFFIX)) {
      const id = entry.name.slice(0, -SUFFIX.length);
      if (isValidSessionId(id)) ids.add(id);
    }
  }
  try {
    for await (const entry of Deno.readDir(join(baseDir, SEGMENTS_DIR_NAME))) {
      if (entry.isDirectory && isValidSessionId(entry.name)) ids.add(entry.name);
    }
  } catch {
    // no rotated session
  }
  return ids;
}
