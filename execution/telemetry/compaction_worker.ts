/**
 * The compaction worker: compresses closed segments and repairs segment
 * directories off the writer's thread (gzip and summarising never block
 * `emit()`). Jobs come from `segment_compactor.ts`, one at a time.
 *
 * @module
 */
import { armCrashPoint } from "./crash_points.ts";
import { type CompactionJob, runCompactionJob } from "./compaction_job.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<CompactionJob>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event: MessageEvent<CompactionJob>): Promise<void> => {
  const job = event.data;
  armCrashPoint(job.crashAt);
  scope.postMessage(await runCompactionJob(job));
};
