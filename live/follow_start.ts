/**
 * Where live follow starts after a page of a session was read: the end of the
 * last complete line the read covered. A follower that starts there misses no
 * event written after the read and repeats none it showed; a line being
 * written (a torn tail) is streamed once it is complete instead of skipped.
 * The CLI (`timeline --follow`) and the dashboard's stream use this one rule.
 *
 * @module
 */
import { completeLinesEnd } from "./backward_lines.ts";
import { openSessionFile } from "./session_file.ts";

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
 * The byte offset live follow should start from for the session file at
 * `path`: the end of the last complete line within what `seen` covered (a
 * summary read before the timeline page), or, without `seen`, within the file
 * as it is now. `null` when the file does not exist (or is not a regular
 * file): the follower then waits for it and starts at 0.
 *
 * @example
 * ```ts
 * import { followStart, getExecutionSummary } from "@peak-trade/execution";
 * const summary = await getExecutionSummary("demo", { baseDir: "logs/execution" });
 * console.log(await followStart("logs/execution/demo.jsonl", summary));
 * ```
 */
export async function followStart(path: string, seen?: ObservedFileEnd): Promise<number | null> {
  if (seen !== undefined && seen.torn_lines === 0) return seen.size_bytes;
  const file = await openSessionFile(path);
  if (file === null) return null;
  try {
    const size = seen?.size_bytes ?? (await file.stat()).size;
    return await completeLinesEnd(file, size);
  } finally {
    file.close();
  }
}
