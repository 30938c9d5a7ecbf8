/**
 * Keeping one long read from starving the rest of the server: a read that
 * has worked for a while lets the event loop run other requests (`/healthz`,
 * other sessions) before it goes on. Reads already await I/O between blocks;
 * this bounds the CPU work between two such turns when blocks are cheap to
 * read but costly to process (a file of garbage lines, a rare kind).
 *
 * @module
 */

/** Longest stretch of work (ms) before a read lets other tasks run. */
export const WORK_SLICE_MS = 8;

/**
 * If more than {@linkcode WORK_SLICE_MS} passed since `since` (a
 * `performance.now()` value), yield a macrotask turn; returns the time to
 * measure the next stretch from.
 */
export async function yieldIfBusy(since: number): Promise<number> {
  const now = performance.now();
  if (now - since < WORK_SLICE_MS) return since;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  return performance.now();
}
