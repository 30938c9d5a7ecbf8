/**
 * Sustained `execute()` throughput, end to end, in one run: the default
 * gates and the simulated broker without an emitter, with `NullEmitter`,
 * and with the JSONL logger writing every decision to a temp dir (the time
 * includes the final `close()`, so every event is on its way to disk),
 * against the same arithmetic written inline in one function (the limit of
 * the decisions themselves). The logged case has a peer and a limit too:
 * the plainest correct JSONL emitter (`JSON.stringify` of each event, its
 * `seq` appended, written with `writeSync` every 64 KiB: the same lines),
 * and the floor of a logged execution without building lines (the
 * pipeline's own work with its per-event clock readings, then `writeSync`
 * of the logger's own bytes, as many per execution). Rounds alternate the
 * cases; figures are medians of wall-clock rates and of CPU time (all
 * threads) per execution.
 *
 * Each round of each case runs in a fresh process (this file with
 * `--case`; it runs an untimed round of up to 50,000 executions first, to
 * warm up), so that no case runs on a heap another one has grown: V8
 * enlarges its young generation under a case that makes much garbage (the
 * peer's strings), and the plain cases after it ran a third slower in the
 * same process. `--one-process` runs everything in this process instead
 * (for a profiler that does not follow child processes).
 *
 * Run: deno run --allow-read --allow-write --allow-run bench/execute_load.ts [--executions N] [--rounds R] [--rotate] [--only CASES] [--one-process]
 * Smoke (CI): deno run --allow-read --allow-write --allow-run bench/execute_load.ts --executions 10000 --rounds 1
 *
 * `--executions` defaults to 300,000 (about 500 MB of lines for the logger
 * case, removed after each round), `--rounds` to 5. The logger runs with
 * `rotateBytes: Infinity` (one plain file); `--rotate` keeps the default
 * rotation, whose compression then runs in a worker on the same cores.
 * `--only` runs some of the cases (`inlined`, `none`, `nullEmitter`,
 * `logger`, `stringify`, `floor`, comma-separated), to profile one alone, e.g.
 * `perf record -g deno run -A --v8-flags=--perf-basic-prof bench/execute_load.ts --only logger --one-process`.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { integerFlag, loadAverage, measure, median, type Run } from "./measure.ts";
import {
  buildExecutionPipeline,
  type ExecutionContext,
  type ExecutionEvent,
  JsonlExecutionLogger,
  NullEmitter,
  parseExecutionConfig,
} from "../mod.ts";
import type { ExecutionEventEmitter } from "../execution/events.ts";
import { EMIT_TIMED, type TimedEventSink } from "../execution/timed_emit.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    executions: { type: "string", default: "300000" },
    rounds: { type: "string", default: "5" },
    rotate: { type: "boolean", default: false },
    only: { type: "string" },
    "one-process": { type: "boolean", default: false },
    // Internal: run one round of one case and print its figures as JSON (see above).
    case: { type: "string" },
  },
  strict: true,
});
const executions = integerFlag("executions", values.executions);
/** Executions in the round being run: a child process first runs a shorter one to warm up. */
let count = executions;
/** The untimed round a child process runs first, so that every case is measured warm. */
const WARM_UP_EXECUTIONS = 50_000;
const rounds = integerFlag("rounds", values.rounds);

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
  for (let i = 0; i < count; i++) {
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
  for (let i = 0; i < count; i++) {
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
    if (written !== count * 7) {
      throw new Error(
        `expected ${
          count * 7
        } events written, got ${written} (${dropped} dropped, ${errors} errors)`,
      );
    }
    return run;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Lines per execution: intent, four gate decisions, order, fill. */
const EVENTS_PER_EXECUTION = 7;
/** How much the peer and the floor collect before one `writeSync` (the logger's batches are 64 KiB). */
const WRITE_BYTES = 64 * 1024;

/** An emitter that writes its own file: the peer and the floor. */
interface WritingEmitter extends ExecutionEventEmitter {
  /** Events it was handed. */
  readonly events: number;
  /** Write what is left and close the file (synchronous, unlike an emitter's `close`). */
  end(): void;
}

/**
 * The peer: the plainest correct JSONL emitter. Each event is
 * `JSON.stringify`'d (the pipeline's events have their keys in wire order),
 * its `seq` appended, and the lines are written with `writeSync` every 64
 * KiB: the same line format as the logger's, without its safety (no lock,
 * no identity check, no rotation, no memory cap).
 */
class StringifyEmitter implements WritingEmitter {
  #parts: string[] = [];
  #length = 0;
  #seq = 0;
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  constructor(path: string) {
    this.#file = Deno.openSync(path, { create: true, append: true });
  }

  get events(): number {
    return this.#seq;
  }

  emit(event: ExecutionEvent): void {
    const json = JSON.stringify(event);
    const line = `${json.slice(0, -1)},"seq":${++this.#seq}}\n`;
    this.#parts.push(line);
    this.#length += line.length;
    if (this.#length >= WRITE_BYTES) this.#write();
  }

  #write(): void {
    if (this.#parts.length === 0) return;
    writeAll(this.#file, this.#encoder.encode(this.#parts.join("")));
    this.#parts = [];
    this.#length = 0;
  }

  end(): void {
    this.#write();
    this.#file.close();
  }
}

/**
 * The floor of a logged execution: the pipeline hands this sink each event
 * with its own clock reading, as it does the logger, and the sink writes
 * the logger's bytes for those events (lines of a logged run, in order,
 * over and over) with `writeSync` every 64 KiB. Nothing is encoded: what is
 * left is the pipeline, its clock readings and the system calls. (The
 * sample's `seq` values are those of a short run, so a long run's lines are
 * a byte or two longer than the floor's, about 1 %.)
 */
class WriteOnlySink implements WritingEmitter, TimedEventSink {
  #events = 0;
  #clock = 0;
  #pending = 0;
  #at = 0;
  readonly #file: Deno.FsFile;

  constructor(path: string, readonly lines: Uint8Array, readonly ends: number[]) {
    this.#file = Deno.openSync(path, { create: true, append: true });
  }

  get events(): number {
    return this.#events;
  }

  /** Not counted: the pipeline must take the timed path (the event count is checked). */
  emit(_event: ExecutionEvent): void {}

  [EMIT_TIMED](micros: number): void {
    this.#clock ^= micros;
    this.#events++;
    this.#pending++;
    if (this.#pending === 256) this.#write();
  }

  /** Write the next `#pending` lines of the sample (whole lines; 256 are about 64 KiB). */
  #write(): void {
    while (this.#pending > 0) {
      const count = Math.min(this.#pending, this.ends.length - this.#at);
      const from = this.#at === 0 ? 0 : this.ends[this.#at - 1];
      writeAll(this.#file, this.lines.subarray(from, this.ends[this.#at + count - 1]));
      this.#at = (this.#at + count) % this.ends.length;
      this.#pending -= count;
    }
  }

  end(): void {
    this.#write();
    this.#file.close();
    // Reads every clock reading's trace, so that none is optimised away.
    if (this.#clock === 0.5) throw new Error("unreachable");
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

/** The logger's lines for a few thousand executions (the floor's bytes), and where each line ends. */
async function loggedSample(): Promise<{ lines: Uint8Array; ends: number[] }> {
  const dir = await Deno.makeTempDir({ prefix: "execute_load_sample_" });
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      handleSignals: false,
      rotateBytes: Infinity,
      daily: false,
    });
    const pipeline = buildExecutionPipeline(config, { emitter: logger });
    for (let i = 0; i < 2_000; i++) {
      await pipeline.execute(targets[i & 1], targets[(i + 1) & 1], ctx);
    }
    await logger.close();
    const lines = await Deno.readFile(logger.pathFor(ctx.sessionId!));
    const ends: number[] = [];
    for (let i = lines.indexOf(10); i !== -1; i = lines.indexOf(10, i + 1)) ends.push(i + 1);
    if (ends.length !== 2_000 * EVENTS_PER_EXECUTION) {
      throw new Error(
        `the sample run wrote ${ends.length} lines, not ${2_000 * EVENTS_PER_EXECUTION}`,
      );
    }
    return { lines, ends };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Count the lines of `path` and check that the last one is whole. */
async function countLines(path: string): Promise<number> {
  const bytes = await Deno.readFile(path);
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) {
    throw new Error(`${path} ends inside a line`);
  }
  let lines = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}

/** The pipeline into `make(path)`, an emitter that writes `path` itself; every event must be a line there. */
async function runWriting(name: string, make: (path: string) => WritingEmitter): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: `execute_load_${name}_` });
  try {
    const path = `${dir}/${name}.jsonl`;
    const emitter = make(path);
    const pipeline = buildExecutionPipeline(config, { emitter });
    const run = await measure(async () => {
      await runPipeline(pipeline);
      emitter.end();
    });
    const lines = await countLines(path);
    if (emitter.events !== count * EVENTS_PER_EXECUTION || lines !== emitter.events) {
      throw new Error(`the ${name} got ${emitter.events} events and wrote ${lines} lines`);
    }
    return run;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let sample: { lines: Uint8Array; ends: number[] } | null = null;

async function runFloor(): Promise<Run> {
  const { lines, ends } = sample ??= await loggedSample();
  // The sink has the pipeline's timed method, so the pipeline reads the clock for each event.
  return runWriting("floor", (path) => new WriteOnlySink(path, lines, ends));
}

const cases: Record<string, () => Promise<Run>> = {
  inlined: () => measure(runInlined),
  none: () => measure(() => runPipeline(buildExecutionPipeline(config))),
  nullEmitter: () =>
    measure(() => runPipeline(buildExecutionPipeline(config, { emitter: new NullEmitter() }))),
  logger: runLogged,
  stringify: () => runWriting("peer", (path) => new StringifyEmitter(path)),
  floor: runFloor,
};

if (values.case !== undefined) {
  // A child: one round of one case, its figures on stdout.
  const run = cases[values.case];
  if (run === undefined) throw new Error(`--case: unknown case ${JSON.stringify(values.case)}`);
  count = Math.min(executions, WARM_UP_EXECUTIONS);
  await run();
  count = executions;
  console.log(JSON.stringify(await run()));
  Deno.exit(0);
}

/** One round of `name` in a fresh process. */
async function runInChild(name: string): Promise<Run> {
  const args = [
    "run",
    "--allow-read",
    "--allow-write",
    `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
    `--lock=${fileURLToPath(new URL("./deno.lock", import.meta.url))}`,
    fileURLToPath(import.meta.url),
    "--case",
    name,
    "--executions",
    String(executions),
    ...(values.rotate ? ["--rotate"] : []),
  ];
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
  })
    .output();
  if (!output.success) throw new Error(`the ${name} case failed (exit code ${output.code})`);
  const run = JSON.parse(new TextDecoder().decode(output.stdout)) as Run;
  if (!(run.wallMs > 0) || !(run.cpuMs >= 0)) {
    throw new Error(`the ${name} case printed no figures`);
  }
  return run;
}

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
  `${executions.toLocaleString("en-US")} executions per case, ${rounds} rounds, ${
    values["one-process"] ? "all in this process" : "each in a fresh process"
  }; load average at start ${loadAverage()}`,
);
const runs = new Map<string, Run[]>(names.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  // Each round starts with another case, so bursts of other jobs spread over all of them.
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length];
    runs.get(name)!.push(values["one-process"] ? await cases[name]() : await runInChild(name));
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
  stringify: "JSON.stringify emitter (peer):",
  floor: "clock + writeSync only (floor):",
};
for (const name of Object.keys(cases)) if (names.includes(name)) line(labels[name], name);
if (["inlined", "none", "nullEmitter", "logger"].every((name) => names.includes(name))) {
  console.log(
    `no emitter / inlined: ${(rate("inlined") / rate("none")).toFixed(2)}x the time (CPU ${
      (cpuNs("none") / cpuNs("inlined")).toFixed(2)
    }x) | NullEmitter / no emitter: ${(rate("none") / rate("nullEmitter")).toFixed(2)}x (CPU ${
      (cpuNs("nullEmitter") / cpuNs("none")).toFixed(2)
    }x) | logger: ${fmt(1e9 / cpuNs("logger"))} executions per CPU-second, 7 events each`,
  );
}
if (["logger", "stringify", "floor"].every((name) => names.includes(name))) {
  // What is left for building the lines at the goal's rate, once the floor is paid.
  const targetNs = 1e9 / 300_000;
  const floorNs = cpuNs("floor");
  const linesNs = cpuNs("logger") - floorNs;
  const leftNs = targetNs - floorNs;
  console.log(
    `logger vs JSON.stringify peer: ${(rate("logger") / rate("stringify")).toFixed(2)}x the rate, ${
      (cpuNs("logger") / cpuNs("stringify")).toFixed(2)
    }x the CPU | building the ${EVENTS_PER_EXECUTION} lines (CPU above the floor): ours ${
      fmt(linesNs)
    } ns, peer ${fmt(cpuNs("stringify") - floorNs)} ns | 300,000/s is ${fmt(targetNs)} ns: ${
      leftNs > 0
        ? `${fmt(leftNs)} ns left for the lines after the floor (ours ${
          (linesNs / leftNs).toFixed(2)
        }x that)`
        : "the floor alone is over it"
    }`,
  );
}
console.log(`load average at end ${loadAverage()}`);
