/**
 * What counting costs: sustained `execute()` throughput with the JSONL logger
 * (the baseline) against the logger and the metrics emitter composed through
 * `CompositeEmitter` (ours), in alternating rounds so that both see the same
 * machine. Each side's best round counts, in wall-clock time and in CPU time
 * of the whole process (all threads: the logger's writes included), the
 * steadier of the two on a shared machine. The logger alone in a
 * `CompositeEmitter` is timed too (informational: the fan-out's own cost).
 * Times include the logger's final `close()`. Prints the rates and the ratios
 * (target: ours ≥ 0.95 × baseline), and checks that the counts equal the
 * events written.
 *
 * Run: deno run --allow-read --allow-write bench/metrics_emitter.ts  (20,000 executions × 15 rounds)
 * Smoke (CI): deno run --allow-read --allow-write bench/metrics_emitter.ts --executions 5000 --rounds 1
 *
 * @module
 */
import { parseArgs } from "node:util";
import process from "node:process";
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
    executions: { type: "string", default: "20000" },
    rounds: { type: "string", default: "15" },
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

/** What one round took: wall-clock and CPU time (all threads of this process), in ms. */
interface RoundTime {
  ms: number;
  cpuMs: number;
  written: number;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One round: `executions` through a pipeline whose emitter `wrap` builds around the logger. */
async function round(
  wrap: (logger: JsonlExecutionLogger) => ExecutionEventEmitter,
): Promise<RoundTime> {
  const dir = await Deno.makeTempDir({ prefix: "metrics_emitter_bench_" });
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, handleSignals: false });
    const pipeline = buildExecutionPipeline(config, { emitter: wrap(logger) });
    const start = performance.now();
    const cpuStart = cpuMs();
    for (let i = 0; i < executions; i++) {
      await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
    }
    await logger.close();
    return {
      ms: performance.now() - start,
      cpuMs: cpuMs() - cpuStart,
      written: logger.stats.written,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The best (shortest) wall and CPU time of each side over the rounds. */
class Best {
  ms = Infinity;
  cpuMs = Infinity;
  add(time: RoundTime): void {
    this.ms = Math.min(this.ms, time.ms);
    this.cpuMs = Math.min(this.cpuMs, time.cpuMs);
  }
}

const baseline = new Best();
const composite = new Best();
const ours = new Best();
let metrics: ExecutionMetrics | null = null;
let lastWritten = 0;
for (let r = 0; r < rounds; r++) {
  baseline.add(await round((logger) => logger));
  // Informational: the fan-out alone, to tell its cost from the counting's.
  composite.add(await round((logger) => new CompositeEmitter([logger])));
  metrics = new ExecutionMetrics({ processMetrics: false });
  const counter = metrics.emitter;
  const time = await round((logger) => new CompositeEmitter([logger, counter]));
  ours.add(time);
  lastWritten = time.written;
}

const rate = (ms: number) => Math.round(executions / (ms / 1000));
const fmt = (n: number) => n.toLocaleString("en-US").padStart(9);
const line = (what: string, best: Best) =>
  console.log(
    `${what.padEnd(36)}${fmt(rate(best.ms))} executions/s  ${fmt(rate(best.cpuMs))} per CPU-second`,
  );
console.log(
  `executions per round: ${executions.toLocaleString("en-US")} (best of ${rounds} rounds)`,
);
line("baseline: JsonlExecutionLogger", baseline);
line("logger in a CompositeEmitter (info)", composite);
line("ours: logger + metrics emitter", ours);
const wallRatio = rate(ours.ms) / rate(baseline.ms);
const cpuRatio = rate(ours.cpuMs) / rate(baseline.cpuMs);
console.log(
  `ratio (ours / baseline): ${wallRatio.toFixed(3)} wall clock, ${cpuRatio.toFixed(3)} CPU time ` +
    "(target ≥ 0.95; on a shared machine the CPU-time ratio is the steadier one)",
);
const counted = metrics!.emitter.counts().eventTotal();
console.log(
  `events counted / written: ${counted.toLocaleString("en-US")} / ${
    lastWritten.toLocaleString("en-US")
  }`,
);
if (counted !== lastWritten || counted !== executions * 7) {
  console.error(`expected ${executions * 7} events counted and written`);
  Deno.exitCode = 1;
}
