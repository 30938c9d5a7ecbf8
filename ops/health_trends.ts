/**
 * Health trends (the original's 16H): rollups of snapshots over a period and
 * its last 24 hours and 7 days, degradation over the most recent snapshots,
 * and the time series, in the original's response shape.
 *
 * @module
 */
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { HealthStatus } from "./health_status.ts";
import type { HealthSnapshot } from "./health_snapshots.ts";

/** Snapshots the degradation window holds at most (the original's `window_size`). */
export const DEGRADATION_WINDOW = 10;
/** Fewer snapshots than this in the window is "insufficient data". */
export const MIN_DEGRADATION_SNAPSHOTS = 3;
/** Critical snapshots in the window from which it is degrading (the original: 50 %). */
const CRITICAL_SHARE = 0.5;
/** Warn or critical snapshots from which it is degrading (the original: 70 %). */
const WARN_OR_CRITICAL_SHARE = 0.7;
/** Second-half disk average above this multiple of the first half's is growth (the original: 1.2). */
const DISK_GROWTH_FACTOR = 1.2;
const HOUR_MS = 3_600_000;

/**
 * Minimum, average and maximum of a metric (`null`s when there is no value).
 *
 * @example
 * ```ts
 * import type { MinAvgMax } from "./health_trends.ts";
 * const disk: MinAvgMax = { min: 1, avg: 1.5, max: 2 };
 * ```
 */
export interface MinAvgMax {
  /** Smallest value. */
  min: number | null;
  /** Mean. */
  avg: number | null;
  /** Largest value. */
  max: number | null;
}

/**
 * A rollup of snapshots (the original's `overall`, `last_24h`, `last_7d`).
 *
 * @example
 * ```ts
 * import { rollup } from "./health_trends.ts";
 * console.log(rollup([]).worst_severity); // "ok"
 * ```
 */
export interface TrendRollup {
  /** Snapshots rolled up. */
  snapshots: number;
  /** The worst severity among them. */
  worst_severity: HealthStatus;
  /** How many were ok. */
  ok_count: number;
  /** How many warned. */
  warn_count: number;
  /** How many were critical. */
  critical_count: number;
  /** Disk usage of the log root, MB. */
  disk_mb: MinAvgMax;
  /** Parse-error rate, %. */
  parse_error_rate: MinAvgMax;
  /** Compression failures, %. */
  compression_failure_rate: MinAvgMax;
  /** Worst rejection rate, % (snapshots with enough intents only). */
  rejection_rate: MinAvgMax;
}

/**
 * Degradation over the last snapshots: the original's answer, or its
 * "insufficient data" answer.
 *
 * @example
 * ```ts
 * import { detectDegradation } from "./health_trends.ts";
 * console.log(detectDegradation([], 10)); // { degrading: false, reason: "insufficient data", window_size: 10, available: 0 }
 * ```
 */
export type Degradation =
  | {
    /** Whether any degradation rule holds. */
    degrading: boolean;
    /** Why, one sentence per rule that holds. */
    reasons: string[];
    /** Critical snapshots in the window. */
    critical_count: number;
    /** Warn snapshots in the window. */
    warn_count: number;
    /** Snapshots in the window. */
    window_size: number;
  }
  | {
    /** Always false. */
    degrading: false;
    /** Always "insufficient data". */
    reason: "insufficient data";
    /** The window asked for. */
    window_size: number;
    /** Snapshots there were. */
    available: number;
  };

/**
 * One point of the time series.
 *
 * @example
 * ```ts
 * import type { TrendPoint } from "./health_trends.ts";
 * const point: TrendPoint = {
 *   ts: "2026-11-25T09:30:45.000000+00:00", severity: "ok", disk_mb: 1, parse_error_rate: 0,
 *   rejection_rate: null, free_space_pct: 40,
 * };
 * ```
 */
export interface TrendPoint {
  /** Snapshot time. */
  ts: string;
  /** Its severity. */
  severity: HealthStatus;
  /** Disk usage, MB. */
  disk_mb: number;
  /** Parse-error rate, %. */
  parse_error_rate: number;
  /** Worst rejection rate, %, or `null`. */
  rejection_rate: number | null;
  /** Free space, %, or `null`. */
  free_space_pct: number | null;
}

/**
 * The trends answer (`GET /api/telemetry/health/trends`): the original's
 * fields, or its "no snapshots" answer with a hint.
 *
 * @example
 * ```ts
 * import { buildTrends } from "./health_trends.ts";
 * const trends = buildTrends([], 30, Date.now());
 * console.log(trends.snapshots_found); // 0
 * ```
 */
export type HealthTrends =
  | {
    /** Days covered. */
    period_days: number;
    /** Snapshots in the period. */
    snapshots_found: number;
    /** First snapshot's time. */
    period_start: string;
    /** Last snapshot's time. */
    period_end: string;
    /** Rollup of the period. */
    overall: TrendRollup;
    /** Rollup of its last 24 hours. */
    last_24h: TrendRollup;
    /** Rollup of its last 7 days. */
    last_7d: TrendRollup;
    /** Degradation over the last snapshots. */
    degradation: Degradation;
    /** Every snapshot as a point, oldest first. */
    time_series: TrendPoint[];
  }
  | {
    /** Days asked for. */
    period_days: number;
    /** Always 0. */
    snapshots_found: 0;
    /** "No health snapshots found". */
    message: string;
    /** How to take snapshots. */
    hint: string;
  };

function stats(values: Array<number | null | undefined>): MinAvgMax {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (numbers.length === 0) return { min: null, avg: null, max: null };
  const total = numbers.reduce((a, b) => a + b, 0);
  return {
    min: Math.min(...numbers),
    avg: Math.round((total / numbers.length) * 100) / 100,
    max: Math.max(...numbers),
  };
}

/**
 * Roll snapshots up: severity counts, the worst severity, and min/avg/max of
 * the main metrics.
 *
 * @example
 * ```ts
 * import { rollup } from "./health_trends.ts";
 * console.log(rollup([]).ok_count); // 0
 * ```
 */
export function rollup(snapshots: readonly HealthSnapshot[]): TrendRollup {
  let ok = 0;
  let warn = 0;
  let critical = 0;
  for (const s of snapshots) {
    if (s.severity === "critical") critical++;
    else if (s.severity === "warn") warn++;
    else ok++;
  }
  return {
    snapshots: snapshots.length,
    worst_severity: critical > 0 ? "critical" : warn > 0 ? "warn" : "ok",
    ok_count: ok,
    warn_count: warn,
    critical_count: critical,
    disk_mb: stats(snapshots.map((s) => s.metrics.disk_usage_mb)),
    parse_error_rate: stats(snapshots.map((s) => s.metrics.parse_error_rate)),
    compression_failure_rate: stats(snapshots.map((s) => s.metrics.compression_failure_rate)),
    rejection_rate: stats(snapshots.map((s) => s.metrics.rejection_rate)),
  };
}

function average(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Degradation over the last `windowSize` snapshots: degrading when critical
 * ones are at least half of them, warn and critical ones at least 70 %, or
 * the second half's average disk usage is more than 1.2 times the first
 * half's (with at least 3 values). Fewer than 3 snapshots: insufficient data.
 *
 * @example
 * ```ts
 * import { detectDegradation } from "./health_trends.ts";
 * console.log(detectDegradation([], 10).degrading); // false
 * ```
 */
export function detectDegradation(
  snapshots: readonly HealthSnapshot[],
  windowSize: number = DEGRADATION_WINDOW,
): Degradation {
  if (snapshots.length < MIN_DEGRADATION_SNAPSHOTS || windowSize < MIN_DEGRADATION_SNAPSHOTS) {
    return {
      degrading: false,
      reason: "insufficient data",
      window_size: windowSize,
      available: snapshots.length,
    };
  }
  const window = snapshots.slice(-windowSize);
  const n = window.length;
  const critical = window.filter((s) => s.severity === "critical").length;
  const warn = window.filter((s) => s.severity === "warn").length;
  const reasons: string[] = [];
  if (critical >= n * CRITICAL_SHARE) reasons.push(`High critical rate (${critical}/${n})`);
  if (critical + warn >= n * WARN_OR_CRITICAL_SHARE) {
    reasons.push(`High warn+critical rate (${critical + warn}/${n})`);
  }
  const disk = window.map((s) => s.metrics.disk_usage_mb).filter((v) => Number.isFinite(v));
  if (disk.length >= 3) {
    const half = Math.floor(disk.length / 2);
    const first = average(disk.slice(0, half));
    const second = average(disk.slice(half));
    if (second > first * DISK_GROWTH_FACTOR) {
      reasons.push(
        `Disk usage increasing (${first.toFixed(1)} → ${second.toFixed(1)} MB)`,
      );
    }
  }
  return {
    degrading: reasons.length > 0,
    reasons,
    critical_count: critical,
    warn_count: warn,
    window_size: n,
  };
}

function micros(s: HealthSnapshot): number {
  return parseTimestampMicros(s.ts_utc) ?? 0;
}

/**
 * The trends answer over the snapshots of the last `days` days before `nowMs`.
 *
 * @example
 * ```ts
 * import { buildTrends } from "./health_trends.ts";
 * const trends = buildTrends([], 7, Date.now());
 * console.log("message" in trends); // true
 * ```
 */
export function buildTrends(
  snapshots: readonly HealthSnapshot[],
  days: number,
  nowMs: number,
): HealthTrends {
  const from = (nowMs - days * 24 * HOUR_MS) * 1000;
  const inPeriod = snapshots.filter((s) => micros(s) >= from);
  if (inPeriod.length === 0) {
    return {
      period_days: days,
      snapshots_found: 0,
      message: "No health snapshots found",
      hint: "Take one with `main.ts health --snapshot`; `main.ts serve` takes one every 5 " +
        "minutes unless started with --snapshot-interval off.",
    };
  }
  const last24 = (nowMs - 24 * HOUR_MS) * 1000;
  const last7 = (nowMs - 7 * 24 * HOUR_MS) * 1000;
  return {
    period_days: days,
    snapshots_found: inPeriod.length,
    period_start: inPeriod[0].ts_utc,
    period_end: inPeriod[inPeriod.length - 1].ts_utc,
    overall: rollup(inPeriod),
    last_24h: rollup(inPeriod.filter((s) => micros(s) >= last24)),
    last_7d: rollup(inPeriod.filter((s) => micros(s) >= last7)),
    // The API's window: the last ten snapshots, or all of them when there are fewer.
    degradation: detectDegradation(inPeriod, Math.min(DEGRADATION_WINDOW, inPeriod.length)),
    time_series: inPeriod.map((s) => ({
      ts: s.ts_utc,
      severity: s.severity,
      disk_mb: s.metrics.disk_usage_mb,
      parse_error_rate: s.metrics.parse_error_rate,
      rejection_rate: s.metrics.rejection_rate ?? null,
      free_space_pct: s.metrics.free_space_pct ?? null,
    })),
  };
}
