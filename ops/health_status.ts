/**
 * The shape of a health report, as the original's 16F `to_dict` wrote it
 * (`{timestamp, status, exit_code, checks:[{name, status, message, value,
 * threshold_warn, threshold_critical}]}`) plus what the new checks need
 * (`unit`, `details`), and how a value is judged against its thresholds.
 *
 * @module
 */

/**
 * A check's (and the report's) status.
 *
 * @example
 * ```ts
 * import type { HealthStatus } from "./health_status.ts";
 * const status: HealthStatus = "warn";
 * ```
 */
export type HealthStatus = "ok" | "warn" | "critical";

/**
 * One health check's result.
 *
 * @example
 * ```ts
 * import type { HealthCheck } from "./health_status.ts";
 * const check: HealthCheck = {
 *   name: "disk_usage", status: "ok", message: "12.5 MB", value: 12.5,
 *   threshold_warn: 1500, threshold_critical: 1900, unit: "MB", details: null,
 * };
 * ```
 */
export interface HealthCheck {
  /** Check name (`disk_usage`, `retention_staleness`, …). */
  name: string;
  /** Its status. */
  status: HealthStatus;
  /** One line for a person. */
  message: string;
  /** The measured value in `unit`, or `null` when there is nothing to measure. */
  value: number | null;
  /** Threshold at which it warns, in `unit`. */
  threshold_warn: number | null;
  /** Threshold at which it is critical, in `unit`. */
  threshold_critical: number | null;
  /** Unit of the value and thresholds (`MB`, `hours`, `%`, `bytes`, `events`, `sessions`). */
  unit: string;
  /** What the value is made of (per session, per source), or `null`. */
  details: Record<string, unknown> | null;
}

/**
 * A health report: the worst check decides the status and the exit code.
 *
 * @example
 * ```ts
 * import type { HealthReport } from "./health_status.ts";
 * const report: HealthReport = {
 *   timestamp: "2026-11-25T09:30:45.000000+00:00", status: "ok", exit_code: 0, checks: [],
 * };
 * ```
 */
export interface HealthReport {
  /** When it was computed (wire timestamp form). */
  timestamp: string;
  /** The worst check's status. */
  status: HealthStatus;
  /** 0 ok, 2 warn, 3 critical (the original's exit codes). */
  exit_code: number;
  /** Every check, in a fixed order. */
  checks: HealthCheck[];
}

const RANK: Readonly<Record<HealthStatus, number>> = { ok: 0, warn: 1, critical: 2 };

/**
 * The worst of `statuses` (`ok` for none).
 *
 * @example
 * ```ts
 * import { worstStatus } from "./health_status.ts";
 * console.log(worstStatus(["ok", "critical", "warn"])); // "critical"
 * ```
 */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "ok";
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/**
 * The exit code of a status: 0 ok, 2 warn, 3 critical.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "./health_status.ts";
 * console.log(exitCodeOf("warn")); // 2
 * ```
 */
export function exitCodeOf(status: HealthStatus): number {
  return status === "critical" ? 3 : status === "warn" ? 2 : 0;
}

/**
 * Judge a value that alarms when high: critical at or above `critical`,
 * warn at or above `warn` (the original's `>=` comparisons); `null` is ok.
 *
 * @example
 * ```ts
 * import { judgeAtLeast } from "./health_status.ts";
 * console.log(judgeAtLeast(1500, 1500, 1900)); // "warn"
 * ```
 */
export function judgeAtLeast(value: number | null, warn: number, critical: number): HealthStatus {
  if (value === null) return "ok";
  if (value >= critical) return "critical";
  return value >= warn ? "warn" : "ok";
}

/**
 * Judge a value that alarms when low (free space): critical at or below
 * `critical`, warn at or below `warn`; `null` is ok.
 *
 * @example
 * ```ts
 * import { judgeAtMost } from "./health_status.ts";
 * console.log(judgeAtMost(5, 10, 5)); // "critical"
 * ```
 */
export function judgeAtMost(value: number | null, warn: number, critical: number): HealthStatus {
  if (value === null) return "ok";
  if (value <= critical) return "critical";
  return value <= warn ? "warn" : "ok";
}
