/**
 * Where live follow starts after a page of a session was read: the end of the
 * last complete line the read covered. A follower that starts there misses no
 * event written after the read and repeats none it showed; a line being
 * written (a torn tail) is streamed once it is complete instead of skipped.
 * The CLI (`timeline --follow`) and the dashboard's stream use this one rule.
 *
 * @module
 */
import { openSessionFileSync } from "./session_file.ts";

/**
 * What a reader saw of the file: its size, and whether that size ended in a
 * torn line (a summary's `size_bytes` and `torn_lines`).
 *
 * @example
 * ```ts
 * import type { ObservedFileEnd } from "@peak-trade/execution";
 * const seen: ObservedFileEnd = { size_bytes: 4096, torn_lines: 0 };
 * ```
 */
export interface ObservedFileEnd {
  /** Bytes the reader covered. */
  size_bytes: number;
  /** Non-zero when those bytes ended in an incomplete line. */
  torn_lines: number;
}

/**
 * The logical offset live follow should start from for the session whose
 * active file is `path` (`<root>/<sid>.jsonl`): the end of the last complete
 * line within what `seen` covered (a summary read before the timeline page;
 * its `size_bytes` is the session's logical size), or, without `seen`,
 * within the session as it is now. Before the first rotation this is the
 * file's own offset. `null` when the session does not exist (or its file is
 * not a regular file): the follower then waits for it and starts at 0.
 *
 * @example
 * ```ts
 * import { followStart, getExecutionSummary } from "@peak-trade/execution";
 * const summary = await getExecutionSummary("demo", { baseDir: "logs/execution" });
 * console.log(await followStart("logs/execution/demo.jsonl", summary));
 * ```
 */
export function followStart(path: string, seen?: ObservedFileEnd): Promise<number | null> {
  if (seen !== undefined && seen.torn_lines === 0) return Promise.resolve(seen.size_bytes);
  try {
    const end = openSessionFileSync(path);
    if (end === null) return Promise.resolve(null);
    using opened = end;
    const size = Math.min(seen?.size_bytes ?? Infinity, opened.statSync().size);
    return Promise.resolve(opened.completeEndSync(size));
  } catch (err) {
    return Promise.reject(err);
  }
}
