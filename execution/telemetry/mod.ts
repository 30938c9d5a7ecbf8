/**
 * The telemetry writer: `JsonlExecutionLogger`, its options and counters, and
 * the JSONL line encoder. See `docs/telemetry.md` for what each file owns.
 *
 * @module
 */
export { JsonlExecutionLogger } from "./logger.ts";
export type { JsonlExecutionLoggerOptions } from "./options.ts";
export type { TelemetryStats } from "./stats.ts";
export type { TelemetryErrorReport } from "./problem_reporter.ts";
export { encodeEventLine, encodeEventLinePrefix } from "./line_encoder.ts";
export * from "./segments.ts";
