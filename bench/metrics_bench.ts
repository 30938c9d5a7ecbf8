/**
 * Micro-benchmarks of the trading process's metrics:
 *
 * - `emit()`: the metrics emitter against the JSONL logger's own `emit()`
 *   (encode + queue) for the same burst of the seven events one execution
 *   writes, so the counting's share of the per-event cost is visible;
 * - `render()`: one scrape of `ExecutionMetrics` (event, writer and process
 *   families).
 *
 * Run: `deno bench --allow-read --allow-write bench/metrics_bench.ts`
 *
 * @module
 */
import {
  buildExecutionPipeline,
  type ExecutionEvent,
  ExecutionMetrics,
  ExecutionMetricsEmitter,
  JsonlExecutionLogger,
  MemoryEmitter,
  parseExecutionConfig,
} from "../mod.ts";
import { benchTempDir } from "./temp_dir.ts";

// The seven events of one filled execution, as the pipeline emits them.
const memory = new MemoryEmitter();
await buildExecutionPipeline(parseExecutionConfig(""), { emitter: memory }).execute(0.5, 0.1, {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  sessionId: "bench",
});
const execution: ExecutionEvent[] = memory.events.map(({ seq: _seq, ...event }) => event);
/** Executions per timed burst (7 events each). */
const BURST = 1_000;

const dir = benchTempDir("metrics_bench_");
const logger = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });

Deno.bench({
  name: "JsonlExecutionLogger.emit(), 1,000 executions (7,000 events)",
  group: "emit",
  baseline: true,
  async fn(b) {
    b.start();
    for (let i = 0; i < BURST; i++) for (const event of execution) logger.emit(event);
    b.end();
    await logger.flush();
  },
});

const counter = new ExecutionMetricsEmitter();
Deno.bench({
  name: "ExecutionMetricsEmitter.emit(), 1,000 executions (7,000 events)",
  group: "emit",
  fn() {
    for (let i = 0; i < BURST; i++) for (const event of execution) counter.emit(event);
  },
});

const metrics = new ExecutionMetrics({ writer: logger });
for (const event of execution) metrics.emitter.emit(event);
Deno.bench({
  name: "ExecutionMetrics.render() (one scrape)",
  group: "render",
  async fn() {
    await metrics.render();
  },
});
