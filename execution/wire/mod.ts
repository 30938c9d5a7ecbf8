/**
 * Reading the event wire format: lenient timestamps, byte lines, the line
 * decoder (which also reads the original's files), the byte scanner behind
 * summaries, the running event totals, and the gate payload shapes. The
 * writer's encoder is in `../telemetry/`.
 *
 * @module
 */
export * from "./types.ts";
export * from "./timestamps.ts";
export * from "./line_stream.ts";
export * from "./byte_line_stream.ts";
export * from "./line_decoder.ts";
export * from "./gate_payload.ts";
