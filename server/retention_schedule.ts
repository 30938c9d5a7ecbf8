/**
 * Retention on a schedule inside the dashboard server (`serve
 * --retention-interval 1h`, started with the server's other schedules): the
 * policy is planned and applied once at start and then every interval after
 * the previous run ended (runs never overlap, and a run in progress finishes
 * before the server stops). Each run is logged as one line.
 *
 * @module
 */
import { parseDuration } from "../execution/duration.ts";
import { applyRetention } from "../ops/retention/apply.ts";
import { formatByteCount } from "../ops/retention/byte_count.ts";
import { planRetention } from "../ops/retention/plan.ts";
import type { RetentionPolicy } from "../ops/retention/policy.ts";

/** Shortest interval accepted: retention looks at every session file, so not more often. */
export const MIN_RETENTION_INTERVAL_MS = 60_000;
/** Longest interval accepted (a week; longer is beyond what a timer can wait at once anyway). */
export const MAX_RETENTION_INTERVAL_MS = 7 * 86_400_000;

/** Settings of scheduled retention. */
export interface RetentionScheduleOptions {
  /** The log root. */
  logDir: string;
  /** Time between the end of one run and the start of the next, in ms. */
  intervalMs: number;
  /** Policy fields that differ from the default policy. */
  policy?: Partial<RetentionPolicy>;
  /** The home directory the root must not be (`null`: no such check). */
  home?: string | null;
  /** Receives one line per run (what was done, or why it could not run), without a newline. */
  log: (line: string) => void;
}

/**
 * Milliseconds of a duration as the other schedule flags take it (`30m`,
 * `1h`, `1d`, `1h30m`; see `execution/duration.ts`) when it lies between one
 * minute and seven days, else `null`.
 */
export function parseRetentionInterval(text: string): number | null {
  let ms: number;
  try {
    ms = parseDuration(text.trim());
  } catch {
    return null;
  }
  return ms >= MIN_RETENTION_INTERVAL_MS && ms <= MAX_RETENTION_INTERVAL_MS ? ms : null;
}

/** A running schedule. */
export interface RetentionSchedule {
  /** Stop scheduling; resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/** One line that says what a run did. */
async function runOnce(options: RetentionScheduleOptions): Promise<string> {
  try {
    const plan = await planRetention({
      root: options.logDir,
      policy: options.policy,
      home: options.home,
    });
    const report = await applyRetention(plan);
    const problems = report.problems.length > 0
      ? `; ${report.problems.length} problem(s): ${report.problems.join("; ")}`
      : "";
    const failures = report.actions.filter((a) => a.status === "failed")
      .map((a) => `${a.kind} ${a.session_id}: ${a.error}`);
    return `retention: ${report.done} done, ${report.failed} failed, ${report.skipped} skipped; ` +
      `${formatByteCount(report.bytes_before)} -> ${formatByteCount(report.bytes_after)}` +
      (failures.length > 0 ? ` (${failures.join("; ")})` : "") + problems +
      (report.notes.length > 0 ? `; ${report.notes.join("; ")}` : "");
  } catch (err) {
    return `retention: not run: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Start running retention on `options.logDir` every `options.intervalMs`
 * (first run at once). Throws a `RangeError` for an interval outside one
 * minute to one week.
 */
export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const { intervalMs } = options;
  if (
    !Number.isFinite(intervalMs) || intervalMs < MIN_RETENTION_INTERVAL_MS ||
    intervalMs > MAX_RETENTION_INTERVAL_MS
  ) {
    throw new RangeError(
      `the retention interval must be between 1 minute and 7 days, got ${intervalMs} ms`,
    );
  }
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    timer = null;
    running = (async () => {
      const line = await runOnce(options);
      // A line after stop() would arrive after the server said it stopped; it still ran, so say it.
      options.log(line);
      if (!stopped) {
        const next = setTimeout(tick, intervalMs);
        // The schedule never keeps a process alive by itself.
        Deno.unrefTimer(next);
        timer = next;
      }
    })();
  };
  tick();
  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
