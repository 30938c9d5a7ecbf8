/**
 * One unit of off-the-hot-path segment work, as it crosses to the compaction
 * worker, and how it runs (in the worker, or on the calling thread when no
 * worker can start).
 *
 * @module
 */
import { compactSegment, repairSessionSegments } from "./segment_compaction.ts";

/** Compress one closed segment, or repair (and compress what is left in) a session's directory. */
export interface CompactionJob {
  kind: "compact" | "repair";
  baseDir: string;
  sessionId: string;
  /** The segment (`compact` only). */
  index: number;
  /** A crash point armed in the parent (crash-safety tests), or `null`. */
  crashAt: string | null;
}

/** How a job ended. */
export type CompactionJobResult = { ok: true } | { ok: false; error: string };

/** Run one job; never throws. */
export async function runCompactionJob(job: CompactionJob): Promise<CompactionJobResult> {
  try {
    if (job.kind === "compact") await compactSegment(job.baseDir, job.sessionId, job.index);
    else await repairSessionSegments(job.baseDir, job.sessionId);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
