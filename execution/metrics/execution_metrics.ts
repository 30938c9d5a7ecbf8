/**
 * Prometheus metrics of the process that runs the pipeline: a registry with
 * the event families (counted by an emitter composed with the logger), the
 * writer's own families, and the standard process families.
 *
 * @module
 */
import { Registry } from "prom-client";
import { registerEventFamilies } from "./event_families.ts";
import { ExecutionMetricsEmitter } from "./metrics_emitter.ts";
import { registerProcessFamilies } from "./process_families.ts";
import { registerWriterFamilies, type WriterStatsSource } from "./writer_families.ts";

/**
 * The `Content-Type` of the Prometheus text exposition format 0.0.4.
 *
 * @example
 * ```ts
 * import { METRICS_CONTENT_TYPE } from "@peak-trade/execution";
 * console.log(METRICS_CONTENT_TYPE); // "text/plain; version=0.0.4; charset=utf-8"
 * ```
 */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Options of {@linkcode ExecutionMetrics}.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger, type ExecutionMetricsOptions } from "@peak-trade/execution";
 * const logger = new JsonlExecutionLogger();
 * const options: ExecutionMetricsOptions = { writer: logger, processMetrics: false };
 * await logger.close();
 * ```
 */
export interface ExecutionMetricsOptions {
  /**
   * The telemetry writer whose counters to expose (`peak_exec_writer_*`),
   * usually the `JsonlExecutionLogger`; without it those families are absent.
   */
  writer?: WriterStatsSource;
  /**
   * Register the standard `process_*` families (CPU seconds, resident
   * memory, start time, open file descriptors). Turn off when the process
   * already exposes them through another registry.
   * @default {true}
   */
  processMetrics?: boolean;
  /**
   * The prom-client registry to register on (to expose these beside your
   * own metrics); a new one when omitted.
   */
  registry?: Registry;
}

/**
 * The metrics of a trading process: `peak_exec_*` event families counted by
 * {@linkcode ExecutionMetrics.emitter} (give it to the pipeline beside the
 * logger with `CompositeEmitter`), the writer's `peak_exec_writer_*`
 * families, and the standard `process_*` families, in the Prometheus text
 * format. Add your own metrics to {@linkcode ExecutionMetrics.registry}.
 *
 * @example
 * ```ts
 * import {
 *   buildExecutionPipeline, CompositeEmitter, ExecutionMetrics, JsonlExecutionLogger,
 *   parseExecutionConfig,
 * } from "@peak-trade/execution";
 *
 * const logger = new JsonlExecutionLogger();
 * const metrics = new ExecutionMetrics({ writer: logger });
 * const emitter = new CompositeEmitter([logger, metrics.emitter]);
 * const pipeline = buildExecutionPipeline(parseExecutionConfig(""), { emitter });
 * await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000, sessionId: "paper-1" });
 * await logger.close();
 * const text = await metrics.render();
 * console.log(text.includes('peak_exec_fills_total{side="buy"} 1')); // true
 * ```
 */
export class ExecutionMetrics {
  /** Counts the events; compose it with the logger through `CompositeEmitter`. */
  readonly emitter: ExecutionMetricsEmitter = new ExecutionMetricsEmitter();
  /** The prom-client registry holding every family (add your own metrics here). */
  readonly registry: Registry;

  /** Register the families; see {@linkcode ExecutionMetricsOptions}. */
  constructor(options: ExecutionMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    registerEventFamilies(this.registry, () => this.emitter.counts());
    if (options.writer !== undefined) registerWriterFamilies(this.registry, options.writer);
    if (options.processMetrics ?? true) registerProcessFamilies(this.registry);
  }

  /** The `Content-Type` of {@linkcode ExecutionMetrics.render}'s text. */
  get contentType(): string {
    return METRICS_CONTENT_TYPE;
  }

  /** Every family in the Prometheus text exposition format. */
  async render(): Promise<string> {
    return await this.registry.metrics();
  }

  /** A `200` response with {@linkcode ExecutionMetrics.render}'s text, for a `/metrics` route. */
  async response(): Promise<Response> {
    return new Response(await this.render(), {
      headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  }
}
