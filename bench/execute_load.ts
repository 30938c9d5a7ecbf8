/**
 * Sustained `execute()` throughput, end to end: N executions with the default
 * gates and the simulated broker, first without an emitter, then with the
 * JSONL logger writing every decision to a temp dir (time includes the final
 * `close()`, so every event is on its way to disk). Prints executions/s for
 * both, events written, and the file size (about 1.7 KB per execution: 300,000
 * executions write ~520 MB, removed at the end).
 *
 * Run: deno run --allow-read --allow-write bench/execute_load.ts --executions 300000
 * Smoke (CI): deno run --allow-read --allow-write bench/execute_load.ts --executions 10000
 */
import { parseArgs } from "node:util";
import {
  buildExecutionPipeline,
  type ExecutionContext,
  JsonlExecutionLogger,
  parseExecutionConfig,
} from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { executions: { type: "string", default: "300000" } },
  strict: true,
});
const executions = Number(values.executions);
if (!Number.isInteger(executions) || executions <= 0) {
  console.error(
    `--executions: expected a positive integer, got ${JSON.stringify(values.executions)}`,
  );
  Deno.exit(2);
}

const config = parseExecutionConfig("");
const ctx: ExecutionContext = {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  ts: new Date(),
  sessionId: "load-execute",
};
// Alternate buys and sells so that positions and client ids vary like a real session.
const targets = [0.5, 0.1];

async function run(pipeline: ReturnType<typeof buildExecutionPipeline>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < executions; i++) {
    await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
  }
  return performance.now() - start;
}

const plainMs = await run(buildExecutionPipeline(config));

const dir = await Deno.makeTempDir({ prefix: "execute_load_" });
try {
  const logger = new JsonlExecutionLogger({ baseDir: dir, handleSignals: false });
  const pipeline = buildExecutionPipeline(config, { emitter: logger });
  const start = performance.now();
  await run(pipeline);
  await logger.close();
  const loggedMs = performance.now() - start;
  const { size } = await Deno.stat(logger.pathFor("load-execute"));
  const stats = logger.stats;
  const rate = (ms: number) => Math.round(executions / (ms / 1000)).toLocaleString("en-US");
  console.log(`executions:                 ${executions.toLocaleString("en-US")}`);
  console.log(
    `no emitter:                 ${rate(plainMs)} executions/s (${plainMs.toFixed(0)} ms)`,
  );
  console.log(
    `JsonlExecutionLogger:       ${rate(loggedMs)} executions/s (${
      loggedMs.toFixed(0)
    } ms, incl. close)`,
  );
  console.log(
    `events written / dropped:   ${stats.written} / ${stats.dropped} (errors ${stats.errors})`,
  );
  console.log(`file size:                  ${(size / 1024 / 1024).toFixed(1)} MiB`);
  console.log(
    `logger cost:                ${(loggedMs / plainMs).toFixed(2)}x the time without emitter`,
  );
  if (stats.written !== executions * 7) {
    console.error(`expected ${executions * 7} events written, got ${stats.written}`);
    Deno.exitCode = 1;
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
