/**
 * The compaction worker: compresses closed segments and repairs segment
 * directories off the writer's thread (gzip and summarising never block
 * `emit()`). Jobs come from `segment_compactor.ts`, one at a time.
 *
 * @module
 */
import { setPriority } from "node:os";
import { armCrashPoint } from "./crash_points.ts";
import { type CompactionJob, runCompactionJob } from "./compaction_job.ts";

/** The lowest scheduling priority (nice 19). */
const NICEST = 19;

// Background work yields the CPU to the writer: on Linux a thread's nice value is its own, so
// this lowers only the compaction thread. Needs `--allow-sys=setPriority`; without it the
// worker runs at normal priority.
try {
  setPriority(NICEST);
} catch {
  // not permitted, or not supported here
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<CompactionJob>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event: MessageEvent<CompactionJob>): Promise<void> => {
  const job = event.data;
  armCrashPoint(job.crashAt);
  scope.postMessage(await runCompactionJob(job));
};
