/**
 * What counting costs: sustained `execute()` throughput with the JSONL logger
 * (the baseline) against the logger and the metrics emitter composed through
 * `CompositeEmitter` (ours), in alternating rounds so that both see the same
 * machine; each side's best round counts (the logger alone in a
 * `CompositeEmitter` is timed too: the fan-out's own cost, informational).
 * The time includes the logger's final `close()`. Prints both rates and the
 * ratio (target: ours ≥ 0.95 × baseline), and checks that the counts equal
 * the events written.
 *
 * Run: deno run --allow-read --allow-write bench/metrics_emitter.ts --executions 100000 --rounds 5
 * Smoke (CI): deno run --allow-read --allow-write bench/metrics_emitter.ts --executions 5000 --rounds 1
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  buildExecutionPipeline,
  CompositeEmitter,
  type ExecutionContext,
  type ExecutionEventEmitter,
  ExecutionMetrics,
  JsonlExecutionLogger,
  parseExecutionConfig,
} from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    executions: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
  },
  strict: true,
});
const executions = Number(values.executions);
const rounds = Number(values.rounds);
if (!Number.isInteger(executions) || executions <= 0 || !Number.isInteger(rounds) || rounds <= 0) {
  console.error("--executions and --rounds must be positive integers");
  Deno.exit(2);
}

const config = parseExecutionConfig("");
const ctx: ExecutionContext = {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  ts: new Date(),
  sessionId: "bench-metrics",
};
const targets = [0.5, 0.1];

/** One round: `executions` through a pipeline whose emitter `wrap` builds around the logger. */
async function round(
  wrap: (logger: JsonlExecutionLogger) => ExecutionEventEmitter,
): Promise<{ ms: number; written: number }> {
  const dir = await Deno.makeTempDir({ prefix: "metrics_emitter_bench_" });
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, handleSignals: false });
    const pipeline = buildExecutionPipeline(config, { emitter: wrap(logger) });
    const start = performance.now();
    for (let i = 0; i < executions; i++) {
      await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
    }
    await logger.close();
    return { ms: performance.now() - start, written: logger.stats.written };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let baselineMs = Infinity;
let compositeMs = Infinity;
let oursMs = Infinity;
let metrics: ExecutionMetrics | null = null;
let lastWritten = 0;
for (let r = 0; r < rounds; r++) {
  baselineMs = Math.min(baselineMs, (await round((logger) => logger)).ms);
  // Informational: the fan-out alone, to tell its cost from the counting's.
  compositeMs = Math.min(compositeMs, (await round((logger) => new CompositeEmitter([logger]))).ms);
  metrics = new ExecutionMetrics({ processMetrics: false });
  const counter = metrics.emitter;
  const ours = await round((logger) => new CompositeEmitter([logger, counter]));
  oursMs = Math.min(oursMs, ours.ms);
  lastWritten = ours.written;
}

const rate = (ms: number) => Math.round(executions / (ms / 1000));
const fmt = (n: number) => n.toLocaleString("en-US");
console.log(`executions per round:            ${fmt(executions)} (best of ${rounds} rounds)`);
console.log(`baseline: JsonlExecutionLogger   ${fmt(rate(baselineMs))} executions/s`);
console.log(
  `logger in a CompositeEmitter     ${fmt(rate(compositeMs))} executions/s (informational)`,
);
console.log(`ours: logger + metrics emitter   ${fmt(rate(oursMs))} executions/s`);
const ratio = rate(oursMs) / rate(baselineMs);
console.log(`ratio (ours / baseline):         ${ratio.toFixed(3)} (target ≥ 0.95)`);
const counted = metrics!.emitter.counts().eventTotal();
console.log(`events counted / written:        ${fmt(counted)} / ${fmt(lastWritten)}`);
if (counted !== lastWritten || counted !== executions * 7) {
  console.error(`expected ${executions * 7} events counted and written`);
  Deno.exitCode = 1;
}
