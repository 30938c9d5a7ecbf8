/**
 * `execute()` throughput with the default gates and the simulated broker:
 * without an emitter (the baseline), with a NullEmitter, with a MemoryEmitter
 * cleared each round, and with the JSONL logger writing to a temp dir.
 *
 * Run: deno bench --allow-read --allow-write bench/execute_bench.ts
 */
import {
  buildExecutionPipeline,
  type ExecutionContext,
  JsonlExecutionLogger,
  NullEmitter,
  parseExecutionConfig,
} from "../mod.ts";
import { benchTempDir } from "./temp_dir.ts";

const config = parseExecutionConfig("");
// A fixed context time, as a backtest would pass; the pipeline only fills ts in when missing.
const ctx: ExecutionContext = {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  ts: new Date(Date.UTC(2026, 10, 25)),
  tags: [],
  sessionId: "bench-execute",
};
const ctxWithoutTs: ExecutionContext = { mode: "paper", symbol: "BTC-USD", price: 100_000 };

const plain = buildExecutionPipeline(config);
const nullEmitter = buildExecutionPipeline(config, { emitter: new NullEmitter() });

// Nothing of the bench file needs to survive: no exit flush, the directory is removed at unload.
const logDir = benchTempDir("execute_bench_");
const logger = new JsonlExecutionLogger({ baseDir: logDir, flushOnExit: false });
const logged = buildExecutionPipeline(config, { emitter: logger });

Deno.bench({
  name: "execute: default gates + simulated broker, no emitter",
  group: "execute",
  baseline: true,
  async fn() {
    await plain.execute(0.5, 0.1, ctx);
  },
});

Deno.bench({
  name: "execute: no emitter, context without ts (new Date per call)",
  group: "execute",
  async fn() {
    await plain.execute(0.5, 0.1, ctxWithoutTs);
  },
});

Deno.bench({
  name: "execute: NullEmitter (nothing built: it would drop every event)",
  group: "execute",
  async fn() {
    await nullEmitter.execute(0.5, 0.1, ctx);
  },
});

Deno.bench({
  name: "execute: blocked by MinNotional, no emitter",
  group: "execute",
  async fn() {
    await plain.execute(0.00009, 0, { ...ctx, price: 10 });
  },
});

Deno.bench({
  name: "execute: JsonlExecutionLogger to a file (7 events per execution)",
  group: "execute",
  // Bounded: each execution writes ~1.7 KB, so the file stays below ~100 MB.
  n: 50_000,
  warmup: 1_000,
  async fn() {
    await logged.execute(0.5, 0.1, ctx);
  },
});
