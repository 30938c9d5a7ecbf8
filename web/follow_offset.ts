/**
 * Where live follow starts after a page of the timeline was read: the end of
 * the last complete line the page's summary covered. A browser that streams
 * from there (deduplicating by offset) misses no event written after the
 * read, whatever filter the page had.
 *
 * @module
 */
import type { ExecutionSummary } from "../live/types.ts";
import { openSessionFile } from "../live/session_file.ts";

/** How far a backward search for the last newline reads at a time. */
const SEARCH_BLOCK_BYTES = 64 * 1024;

/** The offset just after the last `\n` at or before `size` (0 when there is none). */
async function lastLineBoundary(path: string, size: number): Promise<number> {
  const opened = await openSessionFile(path);
  if (opened === null) throw new Deno.errors.NotFound(`${path} is gone`);
  using file = opened;
  const block = new Uint8Array(SEARCH_BLOCK_BYTES);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - SEARCH_BLOCK_BYTES);
    await file.seek(start, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < end - start) {
      const n = await file.read(block.subarray(filled, end - start));
      if (n === null) break;
      filled += n;
    }
    const nl = block.subarray(0, filled).lastIndexOf(0x0a);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * The byte offset live follow should start from once `summary` (of the file
 * at `path`) has been read: its `size_bytes`, or, when it ended in a torn
 * fragment (a line being written), the start of that fragment, so the line is
 * streamed once complete instead of skipped. Read the summary before the
 * timeline page: the page then covers at least every line before this offset.
 *
 * @example
 * ```ts
 * import { followOffset } from "./follow_offset.ts";
 * import { getExecutionSummary } from "../live/summary.ts";
 * const summary = await getExecutionSummary("demo", { baseDir: "logs/execution" });
 * console.log(await followOffset("logs/execution/demo.jsonl", summary));
 * ```
 */
export async function followOffset(path: string, summary: ExecutionSummary): Promise<number> {
  if (summary.torn_lines === 0) return summary.size_bytes;
  try {
    return await lastLineBoundary(path, summary.size_bytes);
  } catch (err) {
    // Removed since the summary read it: the follower reports it and starts again.
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}
