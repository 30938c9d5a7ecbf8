/**
 * `health`: the telemetry health of a log root (the original's 16F checks
 * and thresholds, plus free space, gate rejections, execution errors,
 * dropped events and stale sessions), as a table or `--json`, optionally
 * appended as a trend snapshot (`--snapshot`). Exit codes as the original:
 * 0 ok, 2 warn, 3 critical.
 *
 * @module
 */
import { type CliIo, EXIT } from "./io.ts";
import { loadOpsContext, opsUsageFailure } from "./ops_context.ts";
import { parseArgs } from "./parse_args.ts";
import { formatDuration } from "../execution/duration.ts";
import type { FreeSpaceResult } from "../ops/free_space.ts";
import { computeHealth } from "../ops/health_report.ts";
import { appendSnapshot, snapshotOf, snapshotsPath } from "../ops/health_snapshots.ts";
import type { HealthReport, HealthStatus } from "../ops/health_status.ts";

const HELP = `Usage: peak-trade health [options]

Check the telemetry health of a log root: the original's four checks (disk
usage, retention staleness, compression failures, parse-error rate) and free
space, gate rejection rate, execution errors, dropped telemetry events and
stale sessions. Reads metadata, manifests and the end of recently written
files only.

Options:
  --log-dir DIR   the log root (alias --root); default: base_path of --config,
                  else logs/execution
  --config FILE   thresholds from [execution.telemetry.health] (see
                  docs/configuration.md); without it, the defaults
  --json          the report as one JSON object:
                  {timestamp, status, exit_code, checks: [{name, status, message,
                  value, threshold_warn, threshold_critical, unit, details}]}
  --snapshot      also append the report to <log-dir>/.health/snapshots.jsonl
                  (the trends; snapshots older than 90 days are pruned)
  -h, --help      show this help

Free space needs --allow-sys=statfs (or --allow-run=df); without either it is
reported as unknown.

Exit codes: 0 ok; 2 warn; 3 critical; 2 also for a bad flag or config (the
message says which); 1 when --snapshot cannot write the snapshot.
`;

/**
 * Test hooks of {@linkcode runHealthCommand}.
 *
 * @example
 * ```ts
 * import type { HealthRunOptions } from "./health.ts";
 * const options: HealthRunOptions = { now: Date.now() };
 * ```
 */
export interface HealthRunOptions {
  /** The time of the report (epoch ms). */
  now?: number;
  /** How free space is measured. */
  measureFree?: (dir: string) => Promise<FreeSpaceResult>;
}

const STATUS_COLOURS: Readonly<Record<HealthStatus, string>> = {
  ok: "\x1b[32m",
  warn: "\x1b[33m",
  critical: "\x1b[31m",
};
const RESET = "\x1b[0m";

/**
 * The report as text: a status line, then one line per check.
 *
 * @example
 * ```ts
 * import { formatHealthReport } from "./health.ts";
 * const text = formatHealthReport({ timestamp: "2026-11-25T09:30:45.000000+00:00", status: "ok", exit_code: 0, checks: [] }, "logs/execution", false);
 * console.log(text.startsWith("Telemetry health: OK")); // true
 * ```
 */
export function formatHealthReport(report: HealthReport, root: string, color: boolean): string {
  const paint = (status: HealthStatus, text: string): string =>
    color ? `${STATUS_COLOURS[status]}${text}${RESET}` : text;
  const width = Math.max(0, ...report.checks.map((c) => c.name.length));
  const lines = [
    `Telemetry health: ${
      paint(report.status, report.status.toUpperCase())
    } (exit ${report.exit_code})` +
    ` · ${report.timestamp}`,
    `Log root: ${root}`,
    "",
    ...report.checks.map((c) =>
      `  ${paint(c.status, c.status.toUpperCase().padEnd(8))} ${c.name.padEnd(width)}  ${c.message}`
    ),
    "",
  ];
  return lines.join("\n");
}

/**
 * `peak-trade health`.
 *
 * @example
 * ```ts
 * import { runHealthCommand } from "./health.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runHealthCommand(["--help"], memoryIo());
 * console.log(code); // 0
 * ```
 */
export async function runHealthCommand(
  args: string[],
  io: CliIo,
  options: HealthRunOptions = {},
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "log-dir": { type: "string" },
        root: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        snapshot: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    return opsUsageFailure(io, "health", err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    io.out(HELP);
    return EXIT.OK;
  }
  if (values["log-dir"] !== undefined && values.root !== undefined) {
    return opsUsageFailure(io, "health", "give the log root once: --log-dir or --root");
  }
  const context = await loadOpsContext(io, "health", {
    config: values.config,
    logDir: values["log-dir"] ?? values.root,
  }, values.snapshot === true);
  if (typeof context === "number") return context;
  const now = options.now ?? Date.now();
  const { report } = await computeHealth(context.root, {
    settings: context.settings.health,
    now,
    measureFree: options.measureFree,
  });
  if (values.json) io.out(JSON.stringify(report) + "\n");
  else io.out(formatHealthReport(report, context.root, io.color));
  if (values.snapshot) {
    try {
      const pruned = await appendSnapshot(
        context.root,
        snapshotOf(report, context.settings.retention.max_total_mb),
        context.settings.health.snapshot_retention,
        now,
      );
      if (!values.json) {
        io.out(
          `Snapshot appended to ${snapshotsPath(context.root)}${
            pruned > 0
              ? ` (${pruned} older than ${
                formatDuration(context.settings.health.snapshot_retention)
              } pruned)`
              : ""
          }.\n`,
        );
      }
    } catch (err) {
      io.err(
        `peak-trade health: cannot write the snapshot: ${
          err instanceof Error ? err.message : String(err)
        }\n`,
      );
      return EXIT.FATAL;
    }
  }
  return report.exit_code;
}
