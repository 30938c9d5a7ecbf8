/**
 * Sustained write throughput of `JsonlExecutionLogger` against npm `pino`
 * with its asynchronous destination, on identical fill events, in one run:
 * ours, the peer and the ratio, for both ways a trading loop yields.
 *
 * Usage: `deno run --allow-all --lock=bench/deno.lock bench/telemetry_throughput.ts [--events N] [--rounds R] [--rotate]`
 * (`--events` defaults to 1,000,000, `--rounds` to 5; `--events 20000
 * --rounds 1` is the smoke check).
 *
 * Both writers get the same events, emitted in chunks of 1,000 with a yield
 * between chunks, once with `setTimeout(0)` and once with `setImmediate`
 * (a trading loop does I/O between decisions); the clock stops when each
 * has handed every byte to the operating system (`close()` / pino's `end()`
 * and its `close` event), and every file is counted: each event must be
 * there. Rounds alternate which writer goes first; the figures are medians.
 * Besides wall-clock time the process's CPU time (all threads) is measured
 * over the same interval: other jobs on a shared machine disturb it far
 * less. Ours runs with `rotateBytes: Infinity` (one plain file, like pino);
 * `--rotate` keeps the default rotation and compression instead.
 *
 * Also printed, for scale: the yields alone (the floor of the wall clock),
 * and `writeSync` of the same bytes in 64 KiB writes (the floor of the CPU).
 *
 * @module
 */
import pino from "pino";
import { integerFlag, loadAverage, measure, median, type Run } from "./measure.ts";
import { setImmediate } from "node:timers";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import { encodeEventLine } from "../execution/telemetry/line_encoder.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { fillPool } from "./fill_event.ts";

const CHUNK = 1_000;
const POOL = 1_000;
const RAW_WRITE_BYTES = 64 * 1024;

function parseFlag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : integerFlag(name, Deno.args[at + 1] ?? "");
}

const events = parseFlag("events", 1_000_000);
const rounds = parseFlag("rounds", 5);
const rotate = Deno.args.includes("--rotate");

/** A pool of distinct fill events, cycled through by both writers. */
const pool: ExecutionEvent[] = fillPool(POOL);

type YieldStyle = "setTimeout" | "setImmediate";
const YIELDS: Record<YieldStyle, () => Promise<void>> = {
  setTimeout: () => new Promise((resolve) => setTimeout(resolve, 0)),
  setImmediate: () => new Promise((resolve) => setImmediate(resolve)),
};

async function runOurs(dir: string, pause: () => Promise<void>): Promise<Run> {
  const logger = new JsonlExecutionLogger({
    baseDir: dir,
    handleSignals: false,
    ...(rotate ? {} : { rotateBytes: Infinity, daily: false }),
  });
  const run = await measure(async () => {
    for (let i = 0; i < events; i++) {
      logger.emit(pool[i % POOL]);
      if (i % CHUNK === CHUNK - 1) await pause();
    }
    await logger.close();
  });
  const { written, dropped } = logger.stats;
  if (written !== events) {
    throw new Error(`ours wrote ${written} of ${events} (${dropped} dropped)`);
  }
  const lines = rotate ? events : await countLines(logger.pathFor("bench"));
  if (lines !== events) throw new Error(`ours: ${lines} lines in the file, not ${events}`);
  return run;
}

async function runPino(dir: string, pause: () => Promise<void>): Promise<Run> {
  const dest = pino.destination({ dest: `${dir}/pino.jsonl`, sync: false, mkdir: true });
  // No time, pid or hostname: the event's own fields plus pino's `"level":30`, like-for-like.
  const log = pino({ base: null, timestamp: false }, dest);
  // The destination opens its file asynchronously; start the clock once it is open.
  await new Promise<void>((resolve) => dest.once("ready", () => resolve()));
  const run = await measure(async () => {
    for (let i = 0; i < events; i++) {
      log.info(pool[i % POOL]);
      if (i % CHUNK === CHUNK - 1) await pause();
    }
    await new Promise<void>((resolve, reject) => {
      dest.once("close", () => resolve());
      dest.once("error", reject);
      dest.end(); // writes what is buffered, then closes
    });
  });
  const lines = await countLines(`${dir}/pino.jsonl`);
  if (lines !== events) throw new Error(`pino wrote ${lines} of ${events}`);
  return run;
}

/** The same loop and yields without writing anything: the wall-clock floor of a run. */
function runYieldsOnly(pause: () => Promise<void>): Promise<Run> {
  return measure(async () => {
    let sink = 0;
    for (let i = 0; i < events; i++) {
      sink += pool[i % POOL].seq ?? 0;
      if (i % CHUNK === CHUNK - 1) await pause();
    }
    if (sink !== 0) throw new Error("unreachable");
  });
}

/** `writeSync` of the bytes our logger writes, in 64 KiB writes: the CPU floor of a run. */
function runRawWrites(dir: string, bytes: Uint8Array): Promise<Run> {
  return measure(() => {
    using file = Deno.openSync(`${dir}/raw.jsonl`, { create: true, append: true });
    let left = events;
    while (left > 0) {
      const lines = Math.min(left, POOL);
      // The pool's lines are about 250 bytes: 64 KiB writes like the logger's batches.
      for (let at = 0; at < bytes.length; at += RAW_WRITE_BYTES) {
        file.writeSync(bytes.subarray(at, Math.min(at + RAW_WRITE_BYTES, bytes.length)));
      }
      left -= lines;
    }
    return Promise.resolve();
  });
}

async function countLines(path: string): Promise<number> {
  using file = await Deno.open(path);
  const buffer = new Uint8Array(1024 * 1024);
  let lines = 0;
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    const view = buffer.subarray(0, n);
    for (let i = view.indexOf(10); i !== -1; i = view.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

const poolBytes = new TextEncoder().encode(pool.map((e, i) => encodeEventLine(e, i + 1)).join(""));
const styles: YieldStyle[] = ["setTimeout", "setImmediate"];
const results = new Map<string, Run[]>();
const record = (key: string, run: Run) => results.set(key, [...(results.get(key) ?? []), run]);

console.log(
  `${events.toLocaleString("en")} fill events per run, ${rounds} rounds, ours ${
    rotate ? "with default rotation" : "without rotation"
  }; load average at start ${loadAverage()}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const style of styles) {
    const dir = await Deno.makeTempDir({ prefix: "telemetry_throughput_" });
    try {
      const pause = YIELDS[style];
      const order = round % 2 === 1 ? ["ours", "pino"] : ["pino", "ours"];
      for (const writer of order) {
        const run = writer === "ours" ? await runOurs(dir, pause) : await runPino(dir, pause);
        record(`${style}/${writer}`, run);
      }
      record(`${style}/yields`, await runYieldsOnly(pause));
      if (style === "setTimeout") record("raw", await runRawWrites(dir, poolBytes));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
}

const perSecond = (ms: number) => Math.round(events / (ms / 1000));
const usPerEvent = (ms: number) => (ms * 1000) / events;
const fmt = (n: number) => n.toLocaleString("en");
const raw = results.get("raw")!;
console.log(
  `limit: writeSync of the same bytes in 64 KiB writes: ${
    usPerEvent(median(raw.map((r) => r.cpuMs))).toFixed(3)
  } µs CPU per event`,
);
for (const style of styles) {
  const ours = results.get(`${style}/ours`)!;
  const peer = results.get(`${style}/pino`)!;
  const yields = results.get(`${style}/yields`)!;
  const oursWall = median(ours.map((r) => r.wallMs));
  const peerWall = median(peer.map((r) => r.wallMs));
  const oursCpu = median(ours.map((r) => r.cpuMs));
  const peerCpu = median(peer.map((r) => r.cpuMs));
  // The loop and its yields without a writer: what the harness itself costs.
  const loopCpu = median(yields.map((r) => r.cpuMs));
  const loopWall = median(yields.map((r) => r.wallMs));
  console.log(
    `${style}(0) every ${CHUNK}: ours ${fmt(perSecond(oursWall))} ev/s, ${
      usPerEvent(oursCpu).toFixed(3)
    } µs CPU/event (${usPerEvent(oursCpu - loopCpu).toFixed(3)} without the loop's own) | pino ${
      fmt(perSecond(peerWall))
    } ev/s, ${usPerEvent(peerCpu).toFixed(3)} µs CPU/event (${
      usPerEvent(peerCpu - loopCpu).toFixed(3)
    }) | ratio ${(peerWall / oursWall).toFixed(2)}x wall, ${
      (peerCpu / oursCpu).toFixed(2)
    }x CPU | the loop alone: ${loopWall.toFixed(0)} ms, ${
      usPerEvent(loopCpu).toFixed(3)
    } µs CPU/event`,
  );
}
console.log(`load average at end ${loadAverage()}`);
