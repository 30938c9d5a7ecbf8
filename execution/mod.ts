/**
 * The execution layer: types, gates, adapters, pipeline, configuration,
 * events and telemetry.
 *
 * @module
 */
export * from "./types.ts";
export * from "./session_id.ts";
export * from "./event_kinds.ts";
export * from "./wire_time.ts";
export * from "./log_root.ts";
export * from "./atomic_file.ts";
export * from "./events.ts";
export * from "./wire/mod.ts";
export * from "./emitters.ts";
export * from "./python_format.ts";
export * from "./gates/mod.ts";
export * from "./simulated_broker.ts";
export * from "./pipeline.ts";
export * from "./retention_settings.ts";
export * from "./config.ts";
export * from "./telemetry/mod.ts";
export * from "./fleet/mod.ts";
// Prometheus metrics of the trading process (issue 14).
export * from "./metrics/mod.ts";
