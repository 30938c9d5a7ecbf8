/**
 * Writer throughput with rotation into 64 MiB segments against the same
 * writer without rotation, on identical events, alternating in one run
 * (target: within 5 %). The clock stops when every event has been handed to
 * the operating system (`flush()`); compression runs in the logger's worker
 * meanwhile (at the lowest priority where permitted) and its remaining time
 * at `close()` is reported separately. On Linux the writer thread's own CPU
 * time per event is reported too: unlike wall-clock throughput it does not
 * move with the load of other processes on a shared machine.
 *
 * Usage: `deno run -A bench/rotation_throughput.ts [--events 2000000] [--rounds 3]`
 * (smoke: `--events 20000 --rounds 1`).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { fillPool } from "./fill_event.ts";
import { integerFlag } from "./measure.ts";
import { readSegmentManifest } from "../execution/telemetry/segments.ts";

const CHUNK = 1_000;
const POOL = 1_000;

function parseFlag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : integerFlag(name, Deno.args[at + 1] ?? "");
}

const events = parseFlag("events", 2_000_000);
const rounds = parseFlag("rounds", 5);

const pool: ExecutionEvent[] = fillPool(POOL);

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** CPU time (user + system) of the calling thread in ms, or NaN where /proc is missing. */
function threadCpuMs(): number {
  try {
    const fields = Deno.readTextFileSync("/proc/thread-self/stat").split(") ")[1].split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second here).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Run {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  compactionLeftMs: number;
  segments: number;
}

async function run(rotate: boolean): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "rotation_throughput_" });
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      rotateBytes: rotate ? 64 * 1024 * 1024 : Infinity,
      daily: rotate,
    });
    const start = performance.now();
    const cpuStart = threadCpuMs();
    for (let i = 0; i < events; i++) {
      logger.emit(pool[i % POOL]);
      if (i % CHUNK === CHUNK - 1) await yieldToLoop();
    }
    await logger.flush();
    const seconds = (performance.now() - start) / 1000;
    const cpuMicrosPerEvent = (threadCpuMs() - cpuStart) * 1000 / events;
    const t = performance.now();
    await logger.close();
    const segments = (await readSegmentManifest(dir, "bench"))?.segments.length ?? 0;
    return {
      eventsPerSecond: events / seconds,
      cpuMicrosPerEvent,
      compactionLeftMs: performance.now() - t,
      segments,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const off: Run[] = [];
const on: Run[] = [];
for (let r = 0; r < rounds; r++) {
  off.push(await run(false));
  on.push(await run(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const offRate = median(off.map((r) => r.eventsPerSecond));
const onRate = median(on.map((r) => r.eventsPerSecond));
console.log(`events per run                         ${events.toLocaleString("en-US")}`);
console.log(
  `without rotation (median events/s)     ${Math.round(offRate).toLocaleString("en-US")}`,
);
console.log(
  `with 64 MiB rotation (median events/s) ${Math.round(onRate).toLocaleString("en-US")}  ` +
    `(${on[0].segments} segments per run)`,
);
console.log(
  `ratio                                  ${(onRate / offRate).toFixed(3)}  target ≥ 0.95`,
);
const offCpu = median(off.map((r) => r.cpuMicrosPerEvent));
const onCpu = median(on.map((r) => r.cpuMicrosPerEvent));
console.log(
  `writer thread CPU per event (µs)       ${offCpu.toFixed(3)} without, ${onCpu.toFixed(3)} with ` +
    `(${(offCpu / onCpu).toFixed(3)})`,
);
console.log(
  `compression left at close (median ms)  ${median(on.map((r) => r.compactionLeftMs)).toFixed(0)}`,
);
