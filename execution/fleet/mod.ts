/**
 * Fleet mode: the names, message format and checkpoints shared by `ship`,
 * `collect` and retention, and the emitter that publishes to NATS JetStream
 * straight from the process. See docs/fleet.md.
 *
 * @module
 */
export * from "./host_id.ts";
export * from "./subjects.ts";
export * from "./central_session.ts";
export * from "./line_key.ts";
export * from "./batch_message.ts";
export * from "./ship_checkpoint.ts";
export {
  connectNats,
  describeNatsError,
  type NatsConnectionOptions,
  type NatsTlsFiles,
} from "./nats_connection.ts";
export {
  type NatsEmitterStats,
  NatsExecutionEmitter,
  type NatsExecutionEmitterOptions,
} from "./nats_emitter.ts";
