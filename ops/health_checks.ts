/**
 * The health checks, each a function of what was measured and the
 * thresholds: the original's four (16F: disk usage, retention staleness,
 * compression failures, parse-error rate; `>=` comparisons) and the new ones
 * (free space, gate rejection rate, execution errors, dropped telemetry,
 * stale sessions). Pure, so each can be tested at its thresholds.
 *
 * @module
 */
import type { HealthSettings } from "../execution/health_config.ts";
import { formatDuration } from "../execution/duration.ts";
import type { WindowCounts } from "./activity_window.ts";
import type { FreeSpaceResult } from "./free_space.ts";
import { type HealthCheck, judgeAtLeast, judgeAtMost } from "./health_status.ts";
import type { FileFacts, SessionFacts } from "./log_root_inventory.ts";
import type { ParseErrorSample } from "./parse_error_sample.ts";

/** Bytes per MB as the original counted them (MiB, printed "MB"). */
const BYTES_PER_MB = 1024 * 1024;
/**
 * A temporary file younger than this is a compression or manifest write in
 * progress, not a leftover of a failed one.
 */
export const TEMP_FILE_GRACE_MS = 5 * 60_000;
/** Sessions listed in a check's details (the worst first). */
const MAX_LISTED_SESSIONS = 10;

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function thresholdsText(warn: number, critical: number, unit: string, op = "≥"): string {
  return `warn ${op} ${warn}${unit === "%" ? "%" : ` ${unit}`}, critical ${op} ${critical}${
    unit === "%" ? "%" : ` ${unit}`
  }`;
}

/**
 * `disk_usage`: the bytes of every file under the log root, in MB.
 *
 * @example
 * ```ts
 * import { diskUsageCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * console.log(diskUsageCheck(1500 * 1024 * 1024, defaultHealthSettings()).status); // "warn"
 * ```
 */
export function diskUsageCheck(totalBytes: number, s: HealthSettings): HealthCheck {
  const mb = round(totalBytes / BYTES_PER_MB);
  const status = judgeAtLeast(totalBytes / BYTES_PER_MB, s.disk_warn_mb, s.disk_critical_mb);
  return {
    name: "disk_usage",
    status,
    message: `${mb} MB in the log root (${
      thresholdsText(s.disk_warn_mb, s.disk_critical_mb, "MB")
    })`,
    value: mb,
    threshold_warn: s.disk_warn_mb,
    threshold_critical: s.disk_critical_mb,
    unit: "MB",
    details: { bytes: totalBytes },
  };
}

/**
 * `retention_staleness`: hours since the retention marker was written,
 * falling back to the newest whole-session archive; ok with no value when
 * there is neither.
 *
 * @example
 * ```ts
 * import { retentionStalenessCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const now = Date.now();
 * console.log(retentionStalenessCheck(now - 48 * 3_600_000, null, now, defaultHealthSettings()).status);
 * // "warn"
 * ```
 */
export function retentionStalenessCheck(
  markerMs: number | null,
  newestArchiveMs: number | null,
  nowMs: number,
  s: HealthSettings,
): HealthCheck {
  const base = {
    name: "retention_staleness",
    threshold_warn: s.retention_warn_hours,
    threshold_critical: s.retention_critical_hours,
    unit: "hours",
  };
  const since = markerMs ?? newestArchiveMs;
  if (since === null) {
    return {
      ...base,
      status: "ok",
      message: "no retention run recorded yet (no .last_retention_run marker, no archived session)",
      value: null,
      details: { source: null },
    };
  }
  const hours = Math.max(0, (nowMs - since) / 3_600_000);
  return {
    ...base,
    status: judgeAtLeast(hours, s.retention_warn_hours, s.retention_critical_hours),
    message: `last retention run ${round(hours, 1)} hours ago${
      markerMs === null ? " (from the newest archived session)" : ""
    } (${thresholdsText(s.retention_warn_hours, s.retention_critical_hours, "hours")})`,
    value: round(hours),
    details: {
      source: markerMs === null ? "archive" : "marker",
      last_run: new Date(since).toISOString(),
    },
  };
}

/**
 * `compression_failures`: leftover temporary files (older than
 * {@linkcode TEMP_FILE_GRACE_MS}) per session file (active, archive and
 * segment files), in %.
 *
 * @example
 * ```ts
 * import { compressionFailuresCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * console.log(compressionFailuresCheck([], 10, Date.now(), defaultHealthSettings()).value); // 0
 * ```
 */
export function compressionFailuresCheck(
  tempFiles: readonly FileFacts[],
  sessionFiles: number,
  nowMs: number,
  s: HealthSettings,
): HealthCheck {
  const leftovers = tempFiles.filter((f) => nowMs - f.mtime_ms >= TEMP_FILE_GRACE_MS).length;
  const rate = sessionFiles === 0 ? (leftovers > 0 ? 100 : 0) : (leftovers / sessionFiles) * 100;
  return {
    name: "compression_failures",
    status: judgeAtLeast(rate, s.compression_warn_pct, s.compression_critical_pct),
    message: `${leftovers} leftover temporary file(s) for ${sessionFiles} session file(s): ${
      round(rate)
    }% (${thresholdsText(s.compression_warn_pct, s.compression_critical_pct, "%")})`,
    value: round(rate),
    threshold_warn: s.compression_warn_pct,
    threshold_critical: s.compression_critical_pct,
    unit: "%",
    details: {
      leftover_temp_files: leftovers,
      in_progress_temp_files: tempFiles.length - leftovers,
      session_files: sessionFiles,
    },
  };
}

/**
 * `parse_error_rate`: invalid lines among the sampled non-blank lines, in %.
 *
 * @example
 * ```ts
 * import { parseErrorRateCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const sample = { files: 1, lines: 100, invalid: 5, unreadable: [] };
 * console.log(parseErrorRateCheck(sample, defaultHealthSettings()).status); // "warn"
 * ```
 */
export function parseErrorRateCheck(sample: ParseErrorSample, s: HealthSettings): HealthCheck {
  const rate = sample.lines === 0 ? 0 : (sample.invalid / sample.lines) * 100;
  const unreadable = sample.unreadable.length;
  return {
    name: "parse_error_rate",
    status: judgeAtLeast(rate, s.parse_error_warn_pct, s.parse_error_critical_pct),
    message: `${sample.invalid} invalid of ${sample.lines} sampled lines in ${sample.files} ` +
      `file(s): ${round(rate)}%${
        unreadable === 0 ? "" : `; ${unreadable} compressed file(s) could not be decompressed`
      } (${thresholdsText(s.parse_error_warn_pct, s.parse_error_critical_pct, "%")})`,
    value: round(rate),
    threshold_warn: s.parse_error_warn_pct,
    threshold_critical: s.parse_error_critical_pct,
    unit: "%",
    details: {
      sampled_files: sample.files,
      sampled_lines: sample.lines,
      invalid_lines: sample.invalid,
      unreadable_files: unreadable,
    },
  };
}

/**
 * `free_space`: what is left on the volume holding the log root, in % of the
 * volume or in bytes (the unit of the thresholds); at or below a threshold
 * alarms. Unknown space (no permission to measure it) is ok with no value.
 *
 * @example
 * ```ts
 * import { freeSpaceCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const free = { space: { total_bytes: 100, avail_bytes: 10, source: "statfs" as const }, problem: null };
 * console.log(freeSpaceCheck(free, defaultHealthSettings()).status); // "warn"
 * ```
 */
export function freeSpaceCheck(free: FreeSpaceResult, s: HealthSettings): HealthCheck {
  const percent = s.free_space_warn.unit === "pct";
  const unit = percent ? "%" : "bytes";
  const base = {
    name: "free_space",
    threshold_warn: s.free_space_warn.value,
    threshold_critical: s.free_space_critical.value,
    unit,
  };
  if (free.space === null) {
    return {
      ...base,
      status: "ok",
      message: `free space unknown: ${free.problem ?? "not measured"}`,
      value: null,
      details: { source: null },
    };
  }
  const { total_bytes, avail_bytes, source } = free.space;
  const pct = total_bytes === 0 ? 0 : (avail_bytes / total_bytes) * 100;
  const value = percent ? round(pct) : avail_bytes;
  return {
    ...base,
    status: judgeAtMost(percent ? pct : avail_bytes, base.threshold_warn, base.threshold_critical),
    message: `${round(avail_bytes / 1024 ** 3)} GiB free of ${
      round(total_bytes / 1024 ** 3)
    } GiB (${round(pct, 1)}%) on the log root's volume (${
      thresholdsText(base.threshold_warn, base.threshold_critical, unit, "≤")
    })`,
    value,
    details: { avail_bytes, total_bytes, free_pct: round(pct), source },
  };
}

/** A session's window counts, by id. */
export type WindowsBySession = ReadonlyMap<string, WindowCounts>;

function windowText(s: HealthSettings): string {
  return `the last ${formatDuration(s.window)}`;
}

function anyPartial(windows: WindowsBySession): boolean {
  for (const w of windows.values()) if (w.partial) return true;
  return false;
}

/**
 * `rejection_rate`: blocked gate decisions per intent in the window, in %,
 * for every session with at least `rejection_min_intents` intents and for
 * all sessions together; the worst of these is the value.
 *
 * @example
 * ```ts
 * import { rejectionRateCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const counts = { events: 150, intents: 50, blocked: 10, errors: 0, dropped: 0, partial: false };
 * console.log(rejectionRateCheck(new Map([["s1", counts]]), defaultHealthSettings()).value); // 20
 * ```
 */
export function rejectionRateCheck(windows: WindowsBySession, s: HealthSettings): HealthCheck {
  let intents = 0;
  let blocked = 0;
  const sessions: Array<{ session_id: string; intents: number; blocked: number; rate: number }> =
    [];
  for (const [id, w] of windows) {
    intents += w.intents;
    blocked += w.blocked;
    if (w.intents >= s.rejection_min_intents && w.intents > 0) {
      sessions.push({
        session_id: id,
        intents: w.intents,
        blocked: w.blocked,
        rate: round((w.blocked / w.intents) * 100),
      });
    }
  }
  sessions.sort((a, b) => b.rate - a.rate || b.intents - a.intents);
  const overall = intents >= s.rejection_min_intents && intents > 0
    ? (blocked / intents) * 100
    : null;
  const worstSession = sessions[0]?.rate ?? null;
  const value = overall === null && worstSession === null
    ? null
    : Math.max(overall ?? 0, worstSession ?? 0);
  const base = {
    name: "rejection_rate",
    threshold_warn: s.rejection_warn_pct,
    threshold_critical: s.rejection_critical_pct,
    unit: "%",
    details: {
      window: formatDuration(s.window),
      min_intents: s.rejection_min_intents,
      overall: { intents, blocked, rate: overall === null ? null : round(overall) },
      sessions: sessions.slice(0, MAX_LISTED_SESSIONS),
      partial: anyPartial(windows),
    },
  };
  if (value === null) {
    return {
      ...base,
      status: "ok",
      message: `${intents} intent(s) in ${windowText(s)}: fewer than ${s.rejection_min_intents}, ` +
        "too few to judge the rejection rate",
      value: null,
    };
  }
  const worst = sessions[0];
  return {
    ...base,
    status: judgeAtLeast(value, s.rejection_warn_pct, s.rejection_critical_pct),
    message: `${blocked} of ${intents} intents blocked in ${windowText(s)}${
      overall === null ? "" : ` (${round(overall)}%)`
    }${
      worst === undefined
        ? ""
        : `; worst session ${worst.session_id}: ${worst.rate}% of ${worst.intents}`
    } (${thresholdsText(s.rejection_warn_pct, s.rejection_critical_pct, "%")})`,
    value: round(value),
  };
}

function countCheck(
  name: string,
  what: string,
  pick: (w: WindowCounts) => number,
  warn: number,
  critical: number,
  windows: WindowsBySession,
  s: HealthSettings,
): HealthCheck {
  let total = 0;
  const sessions: Array<{ session_id: string; count: number }> = [];
  for (const [id, w] of windows) {
    const n = pick(w);
    total += n;
    if (n > 0) sessions.push({ session_id: id, count: n });
  }
  sessions.sort((a, b) => b.count - a.count);
  // With `>=`, a threshold of 0 would alarm on every evaluation; 0 turns that level off instead.
  const status = total === 0
    ? "ok"
    : judgeAtLeast(total, warn === 0 ? Infinity : warn, critical === 0 ? Infinity : critical);
  return {
    name,
    status,
    message: `${total} ${what} in ${windowText(s)}${
      sessions.length === 0 ? "" : `, most in ${sessions[0].session_id} (${sessions[0].count})`
    } (${thresholdsText(warn, critical, "events")})`,
    value: total,
    threshold_warn: warn,
    threshold_critical: critical,
    unit: "events",
    details: {
      window: formatDuration(s.window),
      sessions: sessions.slice(0, MAX_LISTED_SESSIONS),
      partial: anyPartial(windows),
    },
  };
}

/**
 * `execution_errors`: `error` events in the window, the telemetry writer's
 * own `TELEMETRY_DROPPED` reports excluded.
 *
 * @example
 * ```ts
 * import { executionErrorsCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const counts = { events: 1, intents: 0, blocked: 0, errors: 1, dropped: 0, partial: false };
 * console.log(executionErrorsCheck(new Map([["s1", counts]]), defaultHealthSettings()).status);
 * // "warn"
 * ```
 */
export function executionErrorsCheck(windows: WindowsBySession, s: HealthSettings): HealthCheck {
  return countCheck(
    "execution_errors",
    "execution error event(s)",
    (w) => w.errors,
    s.errors_warn,
    s.errors_critical,
    windows,
    s,
  );
}

/**
 * `telemetry_dropped`: events the telemetry writer dropped in the window.
 *
 * @example
 * ```ts
 * import { telemetryDroppedCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const counts = { events: 1, intents: 0, blocked: 0, errors: 0, dropped: 250, partial: false };
 * console.log(telemetryDroppedCheck(new Map([["s1", counts]]), defaultHealthSettings()).status);
 * // "critical"
 * ```
 */
export function telemetryDroppedCheck(windows: WindowsBySession, s: HealthSettings): HealthCheck {
  return countCheck(
    "telemetry_dropped",
    "dropped telemetry event(s)",
    (w) => w.dropped,
    s.dropped_warn,
    s.dropped_critical,
    windows,
    s,
  );
}

/**
 * `stale_sessions`: sessions whose active file was written within
 * `stale_within` but not within `stale_after` (a writer that stopped).
 *
 * @example
 * ```ts
 * import { staleSessionsCheck } from "./health_checks.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * console.log(staleSessionsCheck([], Date.now(), defaultHealthSettings()).value); // 0
 * ```
 */
export function staleSessionsCheck(
  sessions: readonly SessionFacts[],
  nowMs: number,
  s: HealthSettings,
): HealthCheck {
  const stale: Array<{ session_id: string; last_write: string; idle_seconds: number }> = [];
  for (const session of sessions) {
    const active = session.active;
    if (active === null) continue;
    const idle = nowMs - active.mtime_ms;
    if (idle >= s.stale_after && idle < s.stale_within) {
      stale.push({
        session_id: session.session_id,
        last_write: new Date(active.mtime_ms).toISOString(),
        idle_seconds: Math.round(idle / 1000),
      });
    }
  }
  stale.sort((a, b) => a.idle_seconds - b.idle_seconds);
  const status = stale.length === 0 ? "ok" : judgeAtLeast(
    stale.length,
    s.stale_warn === 0 ? Infinity : s.stale_warn,
    s.stale_critical === 0 ? Infinity : s.stale_critical,
  );
  return {
    name: "stale_sessions",
    status,
    message: `${stale.length} session(s) written in the last ${
      formatDuration(s.stale_within)
    } but not in the last ${formatDuration(s.stale_after)}${
      stale.length === 0
        ? ""
        : `: ${stale.slice(0, 3).map((x) => x.session_id).join(", ")}${
          stale.length > 3 ? ", …" : ""
        }`
    } (${thresholdsText(s.stale_warn, s.stale_critical, "sessions")})`,
    value: stale.length,
    threshold_warn: s.stale_warn,
    threshold_critical: s.stale_critical,
    unit: "sessions",
    details: {
      stale_after: formatDuration(s.stale_after),
      stale_within: formatDuration(s.stale_within),
      sessions: stale.slice(0, MAX_LISTED_SESSIONS * 2),
    },
  };
}
