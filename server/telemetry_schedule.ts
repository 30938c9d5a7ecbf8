/**
 * What the dashboard server does on its own: a health snapshot every
 * `snapshotEveryMs` (the trends), and an alert evaluation with deliveries
 * every `alertsEveryMs`, each starting at once and never overlapping itself.
 * A failure is logged (once per distinct message, so a read-only log root
 * does not flood the log) and the schedule goes on.
 *
 * @module
 */
import type { AlertNotification } from "../ops/alert_model.ts";
import { formatConsoleNotification } from "../ops/console_sink.ts";
import type { TelemetryMonitor } from "../ops/telemetry_monitor.ts";

/**
 * Options of {@linkcode startTelemetrySchedule}.
 *
 * @example
 * ```ts
 * import type { TelemetryScheduleOptions } from "./telemetry_schedule.ts";
 * const options: TelemetryScheduleOptions = {
 *   snapshotEveryMs: 300_000, alertsEveryMs: null, log: (line) => console.log(line), color: false,
 * };
 * ```
 */
export interface TelemetryScheduleOptions {
  /** Between snapshots (ms), or `null` for none. */
  snapshotEveryMs: number | null;
  /** Between alert evaluations (ms), or `null` for none. */
  alertsEveryMs: number | null;
  /** Where the server logs (console notifications included). */
  log: (text: string) => void;
  /** Whether console notifications are coloured. */
  color: boolean;
}

/**
 * A running schedule.
 *
 * @example
 * ```ts
 * import type { TelemetrySchedule } from "./telemetry_schedule.ts";
 * const stop = (s: TelemetrySchedule) => s.stop();
 * ```
 */
export interface TelemetrySchedule {
  /** Resolves after the first run of each job (tests wait on it). */
  firstRuns: Promise<void>;
  /** Stop: no new run starts; resolves when the running ones are done. */
  stop(): Promise<void>;
}

/** A job run every `everyMs`, never overlapping itself. */
function every(
  everyMs: number,
  job: () => Promise<void>,
  stopped: () => boolean,
  timers: Set<ReturnType<typeof setTimeout>>,
  running: Set<Promise<void>>,
): Promise<void> {
  const tick = (): Promise<void> => {
    const run = job().finally(() => {
      running.delete(run);
      if (stopped()) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped()) void tick();
      }, everyMs);
      timers.add(timer);
    });
    running.add(run);
    return run;
  };
  return tick();
}

/**
 * Start the snapshot and alert jobs of `monitor`.
 *
 * @example
 * ```ts ignore
 * import { startTelemetrySchedule } from "./telemetry_schedule.ts";
 * const schedule = startTelemetrySchedule(monitor, {
 *   snapshotEveryMs: 300_000, alertsEveryMs: 30_000, log: console.log, color: false,
 * });
 * await schedule.stop();
 * ```
 */
export function startTelemetrySchedule(
  monitor: TelemetryMonitor,
  options: TelemetryScheduleOptions,
): TelemetrySchedule {
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const running = new Set<Promise<void>>();
  const logged = new Set<string>();
  const logOnce = (text: string): void => {
    if (logged.has(text)) return;
    logged.add(text);
    options.log(text);
  };
  const print = (n: AlertNotification): void =>
    options.log(formatConsoleNotification(n, options.color));
  monitor.schedule = {
    alerts_every: options.alertsEveryMs,
    snapshot_every: options.snapshotEveryMs,
  };
  const first: Promise<void>[] = [];
  if (options.snapshotEveryMs !== null) {
    first.push(every(
      options.snapshotEveryMs,
      async () => {
        try {
          await monitor.snapshot();
        } catch (err) {
          logOnce(
            `Health snapshot not taken: ${err instanceof Error ? err.message : String(err)}\n`,
          );
        }
      },
      () => stopped,
      timers,
      running,
    ));
  }
  if (options.alertsEveryMs !== null) {
    first.push(every(
      options.alertsEveryMs,
      async () => {
        try {
          const result = await monitor.evaluateAlerts(print);
          for (const problem of result.misconfigured) logOnce(`Alerts: ${problem}\n`);
          for (const d of result.deliveries) {
            if (d.status !== "sent") {
              options.log(`Alerts: ${d.sink} delivery of ${d.rule_id} ${d.status}: ${d.error}\n`);
            }
          }
        } catch (err) {
          logOnce(`Alert evaluation failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      },
      () => stopped,
      timers,
      running,
    ));
  }
  return {
    firstRuns: Promise.all(first).then(() => undefined),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
