/**
 * Retention on a schedule inside the dashboard server (`serve
 * --retention-interval 1h`): the policy is planned and applied once at start
 * and then every interval after the previous run ended (runs never overlap,
 * and a run in progress finishes before the server stops). Each run is
 * logged as one line.
 *
 * @module
 */
import { applyRetention } from "../ops/retention/apply.ts";
import { formatByteCount } from "../ops/retention/byte_count.ts";
import { planRetention } from "../ops/retention/plan.ts";
import {
  resolveRetentionPolicy,
  type RetentionPolicy,
  retentionPolicyFromSettings,
} from "../ops/retention/policy.ts";
import { resolveRetentionRoot } from "../ops/retention/safe_root.ts";
import { loadExecutionConfig } from "../execution/config.ts";

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
  /** Receives one line per run (what was done, or why it could not run). */
  log: (line: string) => void;
}

/**
 * Scheduled retention of a dashboard server (an option of
 * `startDashboardServer`): the policy runs at start and then every
 * `intervalMs`, and each run is logged.
 */
export interface DashboardRetentionOptions {
  /** Time between runs (1 minute to 7 days). */
  intervalMs: number;
  /** Policy fields that differ from the default policy (they override `configPath`). */
  policy?: Partial<RetentionPolicy>;
  /** A TOML config whose `[execution.telemetry.retention]` gives the policy. */
  configPath?: string;
  /** The home directory the log root must not be. @default {the `HOME` environment variable} */
  home?: string | null;
  /** Receives one line per run. */
  log: (line: string) => void;
}

/** Milliseconds of a duration such as `90s`, `30m`, `1h`, `1d` (1 minute to 7 days), or `null`. */
export function parseRetentionInterval(text: string): number | null {
  const m = /^(\d{1,7})(s|m|h|d)$/.exec(text.trim());
  if (m === null) return null;
  const unit: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = Number(m[1]) * unit[m[2]];
  return ms >= MIN_RETENTION_INTERVAL_MS && ms <= MAX_RETENTION_INTERVAL_MS ? ms : null;
}

/**
 * Check scheduled retention before the server starts: read the policy from
 * the config file (throws `ConfigError`), check the policy (`RangeError`) and
 * the log root (`UnsafeRetentionRootError`). Returns what starts the schedule.
 */
export async function prepareRetentionSchedule(
  logDir: string,
  options: DashboardRetentionOptions,
): Promise<() => RetentionSchedule> {
  const fromFile = options.configPath === undefined ? {} : retentionPolicyFromSettings(
    (await loadExecutionConfig(options.configPath)).execution.telemetry.retention,
  );
  const policy = resolveRetentionPolicy({ ...fromFile, ...options.policy });
  await resolveRetentionRoot(logDir, { home: options.home });
  return () =>
    startRetentionSchedule({
      logDir,
      intervalMs: options.intervalMs,
      policy,
      home: options.home,
      log: options.log,
    });
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
