/**
 * Operations over a log root: health checks, trend snapshots, alert rules
 * with a persisted lifecycle, and the operator's acks, snoozes and silences.
 * Used by the CLI (`health`, `alerts`), the dashboard server (its schedule,
 * the telemetry console and API) and the metrics (`firingAlerts`).
 *
 * @module
 */
export { type FiringAlert, firingAlerts, queryHistory } from "./alert_history.ts";
export { runAlerts } from "./alert_engine.ts";
export { computeHealth } from "./health_report.ts";
export type { HealthCheck, HealthReport, HealthStatus } from "./health_status.ts";
export { type OpsSettings, opsSettingsOf, type RetentionPolicyView } from "./ops_settings.ts";
export { TelemetryMonitor } from "./telemetry_monitor.ts";
