/**
 * The logger of another checkout against this one, in one process, on the
 * fill events of `telemetry_throughput.ts`: rounds alternate which goes
 * first, the figures are medians of CPU time per event (all threads), and
 * the files of the first round are compared byte for byte (a change of the
 * encoder must not change the wire). With `--pipeline`, `execute()` with
 * the logger instead (CPU per execution, 7 events each).
 *
 * Differences of a few percent drown in the spread between separate runs of
 * a benchmark; here both versions share the process, the machine's state
 * and the rounds.
 *
 * Usage:
 *   git worktree add /tmp/before <commit>
 *   deno run -A --lock=bench/deno.lock bench/logger_ab.ts --before /tmp/before [--style setTimeout|setImmediate] [--events N] [--rounds R] [--pipeline]
 * Smoke check (this checkout against itself):
 *   deno run -A --lock=bench/deno.lock bench/logger_ab.ts --before . --events 20000 --rounds 1
 *
 * @module
 */
import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import { cpuMs, integerFlag, loadAverage, median } from "./measure.ts";
import { fillPool } from "./fill_event.ts";
import type { ExecutionEvent } from "../execution/events.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    before: { type: "string" },
    style: { type: "string", default: "setTimeout" },
    events: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "7" },
    pipeline: { type: "boolean", default: false },
  },
  strict: true,
});

function fail(message: string): never {
  console.error(`logger_ab: ${message}`);
  Deno.exit(2);
}

if (values.before === undefined) fail("--before DIR: the checkout to compare with is required");
if (values.style !== "setTimeout" && values.style !== "setImmediate") {
  fail(`--style: setTimeout or setImmediate, got ${JSON.stringify(values.style)}`);
}
const events = integerFlag("events", values.events);
const rounds = integerFlag("rounds", values.rounds);
function checkoutRoot(dir: string): URL {
  try {
    const root = new URL(`${Deno.realPathSync(dir)}/`, "file://");
    if (Deno.statSync(new URL("mod.ts", root)).isFile) return root;
  } catch {
    // Reported below.
  }
  fail(`--before ${dir}: no mod.ts there (give the root of a checkout)`);
}
const beforeRoot = checkoutRoot(values.before);

/** Each checkout's `mod.ts` (its logger and pipeline), typed alike only by convention. */
// deno-lint-ignore no-explicit-any -- two checkouts' modules
const versions: Record<"before" | "after", any> = {
  before: await import(new URL("mod.ts", beforeRoot).href),
  after: await import("../mod.ts"),
};

const CHUNK = 1000;
const pool: ExecutionEvent[] = fillPool(1000);
const pause = values.style === "setTimeout"
  ? () => new Promise<void>((resolve) => setTimeout(resolve, 0))
  : () => new Promise<void>((resolve) => setImmediate(resolve));

/** One round of a checkout's `module`: CPU µs per event (or per execution), and the file it wrote. */
// deno-lint-ignore no-explicit-any -- see `versions`
async function round(module: any): Promise<{ us: number; bytes: Uint8Array }> {
  const dir = await Deno.makeTempDir({ prefix: "logger_ab_" });
  try {
    const logger = new module.JsonlExecutionLogger({
      baseDir: dir,
      handleSignals: false,
      rotateBytes: Infinity,
      daily: false,
    });
    const start = cpuMs();
    let count = events;
    if (values.pipeline) {
      const pipeline = module.buildExecutionPipeline(module.parseExecutionConfig(""), {
        emitter: logger,
      });
      const ctx = {
        mode: "paper",
        symbol: "BTC-USD",
        price: 100_000,
        ts: new Date(1_795_599_045_000),
        sessionId: "bench",
      };
      const targets = [0.5, 0.1];
      count = Math.ceil(events / 7);
      for (let i = 0; i < count; i++) {
        await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
      }
    } else {
      for (let i = 0; i < events; i++) {
        logger.emit(pool[i % pool.length]);
        if (i % CHUNK === CHUNK - 1) await pause();
      }
    }
    await logger.close();
    const us = ((cpuMs() - start) * 1000) / count;
    return { us, bytes: await Deno.readFile(`${dir}/bench.jsonl`) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  // The pipeline's client ids end in random hex digits: compare lengths and line counts.
  if (values.pipeline) {
    const lines = (bytes: Uint8Array) => bytes.reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 0);
    return a.length === b.length && lines(a) === lines(b);
  }
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

console.log(
  `${values.pipeline ? `${Math.ceil(events / 7)} executions` : `${events} fill events`}, ` +
    `${values.pipeline ? "" : `${values.style} every ${CHUNK}, `}${rounds} measured rounds ` +
    `after a warm-up; load average ${loadAverage()}`,
);
const samples: Record<"before" | "after", number[]> = { before: [], after: [] };
for (let r = 0; r <= rounds; r++) {
  const order = r % 2 === 0 ? (["after", "before"] as const) : (["before", "after"] as const);
  const got: Partial<Record<"before" | "after", Uint8Array>> = {};
  for (const name of order) {
    const { us, bytes } = await round(versions[name]);
    got[name] = bytes;
    if (r > 0) samples[name].push(us);
  }
  if (r === 0 && !sameBytes(got.before!, got.after!)) {
    fail("the two versions wrote different bytes for the same events");
  }
}
const before = median(samples.before);
const after = median(samples.after);
const unit = values.pipeline ? "µs CPU per execution" : "µs CPU per event";
console.log(
  `before ${before.toFixed(3)} ${unit} | after ${after.toFixed(3)} | after / before ` +
    `${(after / before).toFixed(3)}x | files: ${
      values.pipeline ? "same size and lines" : "identical"
    }`,
);
console.log(`load average at end ${loadAverage()}`);
