/**
 * Operations over a log root: health checks, trend snapshots, alert rules
 * with a persisted lifecycle, the operator's acks, snoozes and silences, and
 * retention (deletion and compression by policy). Used by the CLI (`health`,
 * `alerts`, `retention`), the dashboard server (its schedules, the telemetry
 * console and API) and the metrics (`firingAlerts`). Only retention is part of
 * the library's public API (`mod.ts` exports `./retention/mod.ts`).
 *
 * @module
 */
export { type FiringAlert, firingAlerts, queryHistory } from "./alert_history.ts";
export { runAlerts } from "./alert_engine.ts";
export { computeHealth } from "./health_report.ts";
export type { HealthCheck, HealthReport, HealthStatus } from "./health_status.ts";
export { type OpsSettings, opsSettingsOf, type RetentionPolicyView } from "./ops_settings.ts";
export { TelemetryMonitor } from "./telemetry_monitor.ts";
export * from "./retention/mod.ts";
