/**
 * The execution layer: types, gates, adapters, pipeline, configuration,
 * events and telemetry.
 *
 * @module
 */
export * from "./types.ts";
export * from "./session_id.ts";
export * from "./events.ts";
export * from "./emitters.ts";
