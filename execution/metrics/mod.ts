/**
 * Prometheus metrics of the trading process: an emitter that counts the
 * execution events, the telemetry writer's counters, the standard process
 * metrics, and the text exposition (plus a tiny `/metrics` server).
 *
 * @module
 */
export * from "./execution_metrics.ts";
export * from "./metrics_emitter.ts";
export * from "./event_counts.ts";
export { type WriterStats, type WriterStatsSource } from "./writer_families.ts";
export * from "./serve_metrics.ts";
