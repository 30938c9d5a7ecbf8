/**
 * `@peak-trade/execution`: pre-trade gates, a simulated broker, one execution
 * pipeline that records every decision as JSONL telemetry, readers that
 * filter, summarise and follow session timelines while they grow, and
 * retention that keeps a log root within its limits.
 *
 * @example
 * ```ts
 * import { buildExecutionPipeline, JsonlExecutionLogger, parseExecutionConfig } from "@peak-trade/execution";
 *
 * const logger = new JsonlExecutionLogger({ baseDir: "logs/execution" });
 * const pipeline = buildExecutionPipeline(parseExecutionConfig(""), { emitter: logger });
 * const result = await pipeline.execute(0.5, 0.1, {
 *   mode: "paper",
 *   symbol: "BTC-USD",
 *   price: 100_000,
 *   sessionId: "paper-1",
 * });
 * console.log(result.status); // "filled"
 * await logger.close();
 * ```
 *
 * @module
 */
export * from "./execution/mod.ts";
export * from "./live/mod.ts";
export * from "./ops/retention/mod.ts";
