/**
 * `SegmentCompactor`: the queue of a logger's compaction jobs, run one at a
 * time in a worker (so gzip and summarising never run on the thread that
 * calls `emit()`), or on this thread when a worker cannot start. The worker
 * is started for a burst of jobs and ended when the queue is empty, so an
 * idle logger never keeps the process alive.
 *
 * @module
 */
import { armedCrashPoint } from "./crash_points.ts";
import {
  type CompactionJob,
  type CompactionJobResult,
  runCompactionJob,
} from "./compaction_job.ts";

/** A compaction queue; problems go to `onProblem` (never thrown). */
export class SegmentCompactor {
  #queue: CompactionJob[] = [];
  #running: Promise<void> | null = null;
  #worker: Worker | null = null;
  /** The worker could not start (a compiled binary without it, no permission): run here. */
  #inThread = false;
  readonly #onProblem: (job: CompactionJob, error: string) => void;

  /** A compactor reporting failed jobs to `onProblem`. */
  constructor(onProblem: (job: CompactionJob, error: string) => void) {
    this.#onProblem = onProblem;
  }

  /** Queue compression of closed segment `index` of `sessionId`. */
  compact(baseDir: string, sessionId: string, index: number): void {
    this.#push({ kind: "compact", baseDir, sessionId, index, crashAt: armedCrashPoint() });
  }

  /** Queue a repair of `sessionId`'s segment directory (which compresses leftovers). */
  repair(baseDir: string, sessionId: string): void {
    this.#push({ kind: "repair", baseDir, sessionId, index: 0, crashAt: armedCrashPoint() });
  }

  /**
   * Resolves when every queued job has run, or after `timeoutMs` (a job stuck
   * on a hung disk must not hold `close()` forever; what it left is repaired
   * by the next writer).
   */
  async idle(timeoutMs = Infinity): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      if (timeoutMs === Infinity) return;
      const started = setTimeout(resolve, timeoutMs);
      Deno.unrefTimer(started);
      timer = started;
    });
    const drained = (async () => {
      while (this.#running !== null) await this.#running;
    })();
    try {
      await Promise.race([drained, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #push(job: CompactionJob): void {
    const duplicate = this.#queue.some((j) =>
      j.kind === job.kind && j.baseDir === job.baseDir && j.sessionId === job.sessionId &&
      j.index === job.index
    );
    if (!duplicate) this.#queue.push(job);
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
        const result = await this.#run(job);
        if (!result.ok) this.#onProblem(job, result.error);
      }
    } finally {
      // An idle worker would keep the process alive: end it with the burst.
      this.#worker?.terminate();
      this.#worker = null;
    }
  }

  async #run(job: CompactionJob): Promise<CompactionJobResult> {
    if (!this.#inThread) {
      const result = await this.#runInWorker(job);
      if (result !== null) return result;
      this.#inThread = true;
    }
    return await runCompactionJob(job);
  }

  /** Run `job` in the worker; `null` when the worker cannot run it (then run it here). */
  #runInWorker(job: CompactionJob): Promise<CompactionJobResult | null> {
    let worker = this.#worker;
    if (worker === null) {
      try {
        worker = new Worker(new URL("./compaction_worker.ts", import.meta.url), {
          type: "module",
        });
      } catch {
        return Promise.resolve(null);
      }
      this.#worker = worker;
    }
    const running = worker;
    return new Promise((resolve) => {
      running.onmessage = (event: MessageEvent<CompactionJobResult>) => resolve(event.data);
      running.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        running.terminate();
        if (this.#worker === running) this.#worker = null;
        resolve(null);
      };
      running.postMessage(job);
    });
  }
}
