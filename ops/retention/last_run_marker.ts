/**
 * `.last_retention_run`: the marker an applied retention run leaves in the
 * log root (the original documented it and never wrote it). Health checks read
 * its modification time for staleness; its content says what the run did.
 * Written atomically: a temporary file, fsync, rename, fsync of the root.
 *
 * @module
 */
import { join } from "node:path";
import { rewriteLines } from "../jsonl_file.ts";

/**
 * The marker's file name in the log root.
 *
 * @example
 * ```ts
 * import { LAST_RETENTION_RUN_NAME } from "@peak-trade/execution";
 * console.log(LAST_RETENTION_RUN_NAME); // ".last_retention_run"
 * ```
 */
export const LAST_RETENTION_RUN_NAME = ".last_retention_run";

/**
 * What `.last_retention_run` holds (one JSON object).
 *
 * @example
 * ```ts
 * import type { LastRetentionRun } from "@peak-trade/execution";
 * const run: LastRetentionRun = {
 *   finished_at: "2026-11-25T09:30:45.000000+00:00", started_at: "2026-11-25T09:30:44.000000+00:00",
 *   root: "/srv/peak/logs/execution", done: 3, failed: 0, skipped: 0,
 *   bytes_before: 4096, bytes_after: 1024,
 * };
 * ```
 */
export interface LastRetentionRun {
  /** When the run ended (wire form). */
  finished_at: string;
  /** When it was planned (wire form). */
  started_at: string;
  /** The log root's real path. */
  root: string;
  /** Actions done. */
  done: number;
  /** Actions that failed. */
  failed: number;
  /** Actions left alone (changed since planned, or a writer kept the lock). */
  skipped: number;
  /** Bytes of the session files before the run. */
  bytes_before: number;
  /** Bytes after it (measured while acting). */
  bytes_after: number;
}

/** Write the marker into `root` atomically (temporary file, fsync, rename, fsync); returns its path. */
export async function writeLastRetentionRun(root: string, run: LastRetentionRun): Promise<string> {
  const path = join(root, LAST_RETENTION_RUN_NAME);
  await rewriteLines(path, [JSON.stringify(run)]);
  return path;
}
