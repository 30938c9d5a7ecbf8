/**
 * The operations settings a config file gives: health thresholds, alert
 * rules and sinks (their defaults when the tables are absent), and the
 * retention policy in force, as the dashboard shows it.
 *
 * @module
 */
import { type AlertsSettings, defaultAlertsSettings } from "../execution/alerts_config.ts";
import type { ExecutionConfig } from "../execution/config.ts";
import { defaultHealthSettings, type HealthSettings } from "../execution/health_config.ts";

/**
 * The retention policy in force (the original's 16E defaults unless the
 * config has `[execution.telemetry.retention]`).
 *
 * @example
 * ```ts
 * import { retentionPolicyOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * console.log(retentionPolicyOf(parseExecutionConfig("")).max_total_mb); // 2048
 * ```
 */
export interface RetentionPolicyView {
  /** `config` when the file has the table, else `defaults`. */
  source: "config" | "defaults";
  /** Whether retention runs at all. */
  enabled: boolean;
  /** Sessions older than this many days are deleted. */
  max_age_days: number;
  /** The newest this many sessions are kept whatever their age. */
  keep_last_n_sessions: number;
  /** The log root is kept within this many MB. */
  max_total_mb: number;
  /** Sessions older than this many days are compressed. */
  compress_after_days: number;
  /** Whether the kept newest sessions are also never compressed. */
  protect_keep_last_from_compress: boolean;
}

const RETENTION_DEFAULTS: Omit<RetentionPolicyView, "source"> = {
  enabled: true,
  max_age_days: 30,
  keep_last_n_sessions: 200,
  max_total_mb: 2048,
  compress_after_days: 7,
  protect_keep_last_from_compress: false,
};

/**
 * Names a retention key may have in the table (the retention issue owns the
 * schema; the flag-like and the original's field names are both read).
 */
const RETENTION_KEYS: Readonly<Record<keyof typeof RETENTION_DEFAULTS, readonly string[]>> = {
  enabled: ["enabled"],
  max_age_days: ["max_age_days"],
  keep_last_n_sessions: ["keep_last_n_sessions", "keep_last_n"],
  max_total_mb: ["max_total_mb"],
  compress_after_days: ["compress_after_days"],
  protect_keep_last_from_compress: ["protect_keep_last_from_compress", "protect_keep_last"],
};

/**
 * The retention policy in force according to `config`.
 *
 * @example
 * ```ts
 * import { retentionPolicyOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * console.log(retentionPolicyOf(parseExecutionConfig("")).source); // "defaults"
 * ```
 */
export function retentionPolicyOf(config: ExecutionConfig): RetentionPolicyView {
  const telemetry = config.execution.telemetry as Record<string, unknown>;
  const table = telemetry.retention;
  if (typeof table !== "object" || table === null) {
    return { source: "defaults", ...RETENTION_DEFAULTS };
  }
  const raw = table as Record<string, unknown>;
  const view: RetentionPolicyView = { source: "config", ...RETENTION_DEFAULTS };
  for (const [field, names] of Object.entries(RETENTION_KEYS)) {
    const value = names.map((n) => raw[n]).find((v) => v !== undefined);
    const fallback = RETENTION_DEFAULTS[field as keyof typeof RETENTION_DEFAULTS];
    if (typeof value === typeof fallback) {
      (view as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return view;
}

/**
 * Everything the operations code reads from a config.
 *
 * @example
 * ```ts
 * import { opsSettingsOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * console.log(opsSettingsOf(parseExecutionConfig("")).alerts.enabled); // true
 * ```
 */
export interface OpsSettings {
  /** Health thresholds. */
  health: HealthSettings;
  /** Alert rules and sinks. */
  alerts: AlertsSettings;
  /** The retention policy in force. */
  retention: RetentionPolicyView;
}

/**
 * The operations settings of `config` (defaults for absent tables).
 *
 * @example
 * ```ts
 * import { opsSettingsOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * const settings = opsSettingsOf(parseExecutionConfig('[execution.telemetry.health]\nwindow = "5m"\n'));
 * console.log(settings.health.window); // 300000
 * ```
 */
export function opsSettingsOf(config: ExecutionConfig): OpsSettings {
  return {
    health: config.execution.telemetry.health ?? defaultHealthSettings(),
    alerts: config.execution.alerts ?? defaultAlertsSettings(),
    retention: retentionPolicyOf(config),
  };
}
