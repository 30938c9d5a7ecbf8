/**
 * The operations settings a config file gives: health thresholds, alert
 * rules and sinks (their defaults when the tables are absent), and the
 * retention policy in force, as the dashboard shows it.
 *
 * @module
 */
import { type AlertsSettings, defaultAlertsSettings } from "../execution/alerts_config.ts";
import { type ExecutionConfig, telemetryRetentionSettings } from "../execution/config.ts";
import type { TelemetryRetentionSettings } from "../execution/retention_settings.ts";
import { defaultHealthSettings, type HealthSettings } from "../execution/health_config.ts";

/**
 * The retention policy in force, as the dashboard shows it: the config's
 * `[execution.telemetry.retention]` table, or the defaults (the original's
 * 16E policy) when the config has none.
 *
 * @example
 * ```ts
 * import { retentionPolicyOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * console.log(retentionPolicyOf(parseExecutionConfig("")).max_total_mb); // 2048
 * ```
 */
export interface RetentionPolicyView extends TelemetryRetentionSettings {
  /** `config` when the file has the table, else `defaults`. */
  source: "config" | "defaults";
}

/**
 * The retention policy in force according to `config` (the typed table of
 * the one config schema; its defaults when the table is absent).
 *
 * @example
 * ```ts
 * import { retentionPolicyOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * console.log(retentionPolicyOf(parseExecutionConfig("")).source); // "defaults"
 * ```
 */
export function retentionPolicyOf(config: ExecutionConfig): RetentionPolicyView {
  return {
    source: config.execution.telemetry.retention === undefined ? "defaults" : "config",
    ...telemetryRetentionSettings(config),
  };
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
