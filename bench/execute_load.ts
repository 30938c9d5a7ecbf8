/**
 * Sustained `execute()` throughput, end to end, in one run: the default
 * gates and the simulated broker without an emitter, with `NullEmitter`,
 * and with the JSONL logger writing every decision to a temp dir (the time
 * includes the final `close()`, so every event is on its way to disk),
 * against the same arithmetic written inline in one function (the limit of
 * the decisions themselves). Rounds alternate the cases; figures are
 * medians of wall-clock rates and of CPU time (all threads) per execution.
 *
 * Run: deno run --allow-read --allow-write bench/execute_load.ts [--executions N] [--rounds R] [--rotate] [--only CASES]
 * Smoke (CI): deno run --allow-read --allow-write bench/execute_load.ts --executions 10000
 *
 * `--executions` defaults to 300,000 (about 500 MB of lines for the logger
 * case, removed after each round), `--rounds` to 5. The logger runs with
 * `rotateBytes: Infinity` (one plain file); `--rotate` keeps the default
 * rotation, whose compression then runs in a worker on the same cores.
 * `--only` runs some of the cases (`inlined`, `none`, `nullEmitter`,
 * `logger`, comma-separated), to profile one alone, e.g.
 * `perf record -g deno run -A --v8-flags=--perf-basic-prof bench/execute_load.ts --only logger`.
 */
import { parseArgs } from "node:util";
import { loadAverage, measure, median, type Run } from "./measure.ts";
import {
  buildExecutionPipeline,
  type ExecutionContext,
  JsonlExecutionLogger,
  NullEmitter,
  parseExecutionConfig,
} from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    executions: { type: "string", default: "300000" },
    rounds: { type: "string", default: "5" },
    rotate: { type: "boolean", default: false },
    only: { type: "string" },
  },
  strict: true,
});
function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
    Deno.exit(2);
  }
  return value;
}
const executions = positiveInteger("executions", values.executions);
const rounds = positiveInteger("rounds", values.rounds);

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

async function runPipeline(pipeline: ReturnType<typeof buildExecutionPipeline>): Promise<void> {
  for (let i = 0; i < executions; i++) {
    const result = await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
    if (result.status !== "filled") throw new Error(`execution ${i}: ${result.status}`);
  }
}

/**
 * The decisions of the default gates and the simulated broker for the same
 * inputs, inline: price check, lot rounding (to 8 decimals), minimum
 * quantity and notional, slipped fill price, notional and fee. No objects,
 * no reason texts; async and awaited like `execute()` (the API's one
 * microtask per call).
 */
// deno-lint-ignore require-await -- the peer keeps execute()'s async shape on purpose
async function inlinedExecution(target: number, current: number, price: number): Promise<number> {
  const delta = target - current;
  if (delta === 0 || !(price > 0) || price === Infinity) return 0;
  const lot = 0.0001;
  const quantity = Math.round(Math.floor(Math.abs(delta) / lot + 1e-9) * lot * 1e8) / 1e8;
  if (quantity < 0.0001) return 0;
  if (Math.abs(quantity * price) < 10) return 0;
  const slip = 2 / 10000;
  const fillPrice = delta > 0 ? price * (1 + slip) : price * (1 - slip);
  const notional = Math.abs(quantity * fillPrice);
  return notional + notional * 0;
}

async function runInlined(): Promise<void> {
  let sum = 0;
  for (let i = 0; i < executions; i++) {
    sum += await inlinedExecution(targets[i & 1], targets[(i + 1) & 1], ctx.price);
  }
  if (!(sum > 0)) throw new Error("the inlined arithmetic filled nothing");
}

async function runLogged(): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "execute_load_" });
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      handleSignals: false,
      ...(values.rotate ? {} : { rotateBytes: Infinity, daily: false }),
    });
    const pipeline = buildExecutionPipeline(config, { emitter: logger });
    const run = await measure(async () => {
      await runPipeline(pipeline);
      await logger.close();
    });
    const { written, dropped, errors } = logger.stats;
    if (written !== executions * 7) {
      throw new Error(
        `expected ${
          executions * 7
        } events written, got ${written} (${dropped} dropped, ${errors} errors)`,
      );
    }
    return run;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const cases: Record<string, () => Promise<Run>> = {
  inlined: () => measure(runInlined),
  none: () => measure(() => runPipeline(buildExecutionPipeline(config))),
  nullEmitter: () =>
    measure(() => runPipeline(buildExecutionPipeline(config, { emitter: new NullEmitter() }))),
  logger: runLogged,
};

const names = values.only === undefined ? Object.keys(cases) : values.only.split(",");
for (const name of names) {
  if (!(name in cases)) {
    console.error(
      `--only: unknown case ${JSON.stringify(name)}; the cases are ${
        Object.keys(cases).join(", ")
      }`,
    );
    Deno.exit(2);
  }
}
console.log(
  `${
    executions.toLocaleString("en-US")
  } executions per case, ${rounds} rounds; load average at start ${loadAverage()}`,
);
const runs = new Map<string, Run[]>(names.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  // Each round starts with another case, so bursts of other jobs spread over all of them.
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length];
    runs.get(name)!.push(await cases[name]());
  }
}

const rate = (name: string) => executions / (median(runs.get(name)!.map((r) => r.wallMs)) / 1000);
const cpuNs = (name: string) => (median(runs.get(name)!.map((r) => r.cpuMs)) * 1e6) / executions;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const line = (label: string, name: string) =>
  console.log(
    `${label.padEnd(30)} ${fmt(rate(name)).padStart(11)} executions/s   ${
      fmt(cpuNs(name)).padStart(6)
    } ns CPU per execution`,
  );
const labels: Record<string, string> = {
  inlined: "inlined arithmetic (limit):",
  none: "no emitter:",
  nullEmitter: "NullEmitter:",
  logger: `JsonlExecutionLogger${values.rotate ? " (rotating)" : ""}:`,
};
for (const name of Object.keys(cases)) if (names.includes(name)) line(labels[name], name);
if (Object.keys(cases).every((name) => names.includes(name))) {
  console.log(
    `no emitter / inlined: ${(rate("inlined") / rate("none")).toFixed(2)}x the time (CPU ${
      (cpuNs("none") / cpuNs("inlined")).toFixed(2)
    }x) | NullEmitter / no emitter: ${(rate("none") / rate("nullEmitter")).toFixed(2)}x (CPU ${
      (cpuNs("nullEmitter") / cpuNs("none")).toFixed(2)
    }x) | logger: ${fmt(1e9 / cpuNs("logger"))} executions per CPU-second, 7 events each`,
  );
}
console.log(`load average at end ${loadAverage()}`);
