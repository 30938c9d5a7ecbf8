/**
 * The workers of split cold reads (see `session_aggregate.ts`): by default
 * each split read starts a worker and ends it when done, so a script that
 * reads one summary exits as soon as it is done. A long-lived process that
 * reads cold sessions again and again (the dashboard server) holds a worker
 * warm instead ({@linkcode holdSummaryWorker}): the next split read skips the
 * worker's start (about 40–50 ms) and runs on code the worker has compiled
 * already. One worker is kept; a read that finds it busy starts one of its
 * own, as without a hold. The kept worker ends when it has been idle for
 * `idleMs`, and when the last hold is released (after the read it is
 * serving, if any).
 *
 * @module
 */

/** Idle time after which the kept worker ends (the next read starts a new one). */
export const SUMMARY_WORKER_IDLE_MS = 30_000;
/** The longest idle time a timer can wait (a longer one would fire at once). */
const MAX_IDLE_MS = 2 ** 31 - 1;
/**
 * How long a read's worker may take to report that it is done once the read
 * itself is done (its last message follows its last piece at once); past it,
 * the worker is taken for stuck and ended.
 */
const DONE_GRACE_MS = 5_000;

/** How long a read waits for the kept worker when its last read is over but not yet reported. */
const RETURN_WAIT_MS = 100;

/** A worker lent to one split read. */
export interface LentWorker {
  worker: Worker;
  /**
   * The read is over. `finished` resolves once the worker reported it is
   * done (or failed: then `healthy` is false); the kept worker serves the
   * next read after that, any other worker ends.
   */
  giveBack(finished: Promise<boolean>): void;
}

/** A hold on a warm summary worker; release it (or `using` it) when done. */
export interface SummaryWorkerHold extends Disposable {
  /** Stop holding (again: no effect). The kept worker ends when no hold is left. */
  release(): void;
}

/** What the split reads' workers did so far (for tests and diagnostics). */
export interface SummaryWorkerStats {
  /** Workers started. */
  started: number;
  /** Reads served by the kept worker after its first. */
  reused: number;
  /** Whether a worker is kept now (idle or serving a read). */
  kept: boolean;
  /** The idle time after which a kept worker ends now (the longest of the holds'); null without a hold. */
  idleMs: number | null;
}

/** The idle time of each hold held now (one entry per hold); the longest applies. */
const holdIdleMs: number[] = [];
let kept: Worker | null = null;
let keptBusy = false;
/** While the kept worker's read is over but its last message is on its way: when it is back. */
let keptReturning: Promise<void> | null = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
const stats = { started: 0, reused: 0 };
let endWaiters: Array<() => void> = [];

function clearIdleTimer(): void {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
}

function endKept(): void {
  clearIdleTimer();
  kept?.terminate();
  kept = null;
  keptBusy = false;
  keptReturning = null;
  const waiters = endWaiters;
  endWaiters = [];
  for (const wake of waiters) wake();
}

/**
 * Keep one summary worker warm for split cold reads until the hold is
 * released: for a process that reads many cold sessions over its life (the
 * dashboard server holds one while it runs). While a worker is kept, the
 * process does not exit by itself: release the hold first. `idleMs` (default
 * {@linkcode SUMMARY_WORKER_IDLE_MS}) ends the kept worker after that long
 * without a read; with several holds, the longest of theirs applies.
 *
 * @example
 * ```ts
 * import { getExecutionSummary, holdSummaryWorker } from "@peak-trade/execution";
 * using _warm = holdSummaryWorker();
 * for (const id of ["demo", "demo-2"]) {
 *   const summary = await getExecutionSummary(id, { baseDir: "logs/execution" });
 *   console.log(id, summary.event_count);
 * }
 * ```
 */
export function holdSummaryWorker(options: { idleMs?: number } = {}): SummaryWorkerHold {
  const wanted = options.idleMs ?? SUMMARY_WORKER_IDLE_MS;
  if (!(wanted > 0 && wanted <= MAX_IDLE_MS)) {
    throw new RangeError(
      `idleMs must be a positive number of milliseconds up to ${MAX_IDLE_MS} (about 24 days), ` +
        `got ${wanted}`,
    );
  }
  holdIdleMs.push(wanted);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    holdIdleMs.splice(holdIdleMs.indexOf(wanted), 1);
    // A kept worker serving a read ends when that read gives it back.
    if (holdIdleMs.length === 0 && !keptBusy) endKept();
  };
  return { release, [Symbol.dispose]: release };
}

/** How long a kept worker may stay idle now: the longest idle time of the holds held. */
function keptIdleMs(): number | null {
  return holdIdleMs.length === 0 ? null : Math.max(...holdIdleMs);
}

/** The split reads' worker counts so far. */
export function summaryWorkerStats(): SummaryWorkerStats {
  return { ...stats, kept: kept !== null, idleMs: keptIdleMs() };
}

/** Resolves when no worker is kept (at once if none is). For tests and diagnostics. */
export function keptSummaryWorkerEnded(): Promise<void> {
  if (kept === null) return Promise.resolve();
  return new Promise((resolve) => endWaiters.push(resolve));
}

/**
 * A worker for one split read: the kept one when a hold asks for it and it
 * is free (or back from its last read within moments: its read is over, its
 * last message on its way), else a new one (kept if there is a hold and none
 * is kept yet). Throws what `new Worker` throws (the read then runs in this
 * thread).
 */
export async function lendSummaryWorker(create: () => Worker): Promise<LentWorker> {
  if (holdIdleMs.length > 0 && keptBusy && keptReturning !== null) {
    // Not longer than a piece takes: a worker stuck in a read is not waited for.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      keptReturning,
      new Promise<void>((resolve) => timer = setTimeout(resolve, RETURN_WAIT_MS)),
    ]);
    clearTimeout(timer);
  }
  if (holdIdleMs.length > 0 && kept !== null && !keptBusy) {
    clearIdleTimer();
    keptBusy = true;
    stats.reused++;
    return lent(kept, true);
  }
  const worker = create();
  stats.started++;
  if (holdIdleMs.length > 0 && kept === null) {
    kept = worker;
    keptBusy = true;
    return lent(worker, true);
  }
  return lent(worker, false);
}

function lent(worker: Worker, isKept: boolean): LentWorker {
  return {
    worker,
    giveBack(finished: Promise<boolean>): void {
      if (!isKept) {
        // A worker of its own: it has nothing left to do for anyone.
        worker.terminate();
        return;
      }
      let settled = false;
      const back = Promise.withResolvers<void>();
      if (kept === worker) keptReturning = back.promise;
      const stuck = setTimeout(() => {
        if (settled) return;
        settled = true;
        if (kept === worker) endKept();
        else worker.terminate();
        back.resolve();
      }, DONE_GRACE_MS);
      Deno.unrefTimer(stuck);
      finished.then((healthy) => {
        if (settled) return;
        settled = true;
        clearTimeout(stuck);
        // Whoever waits for it looks again once this turn has settled its state.
        queueMicrotask(back.resolve);
        if (kept === worker) keptReturning = null;
        if (kept !== worker) {
          worker.terminate();
          return;
        }
        keptBusy = false;
        if (!healthy || holdIdleMs.length === 0) {
          endKept();
          return;
        }
        clearIdleTimer();
        const timer = setTimeout(() => {
          idleTimer = null;
          if (kept === worker && !keptBusy) endKept();
        }, keptIdleMs() ?? 0);
        Deno.unrefTimer(timer);
        idleTimer = timer;
      });
    },
  };
}
