/**
 * Sustained write throughput of `JsonlExecutionLogger` against npm `pino`
 * with its asynchronous destination, on identical fill events, in one run.
 *
 * Usage: `deno run --allow-read --allow-write --allow-env --allow-sys bench/telemetry_throughput.ts [--events N] [--rounds R]`
 * (`--events` defaults to 1,000,000; use e.g. `--events 20000` as a smoke check).
 *
 * Both writers get the same events, emitted in chunks of 1,000 with a
 * macrotask yield between chunks (a trading loop does I/O between
 * decisions), and the clock stops when each has handed every byte to the
 * operating system (`close()` / pino's `end()` and its `close` event).
 *
 * @module
 */
import pino from "pino";
import { setImmediate } from "node:timers";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";

const CHUNK = 1_000;
const POOL = 1_000;

function parseFlag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(Deno.args[at + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive integer, got ${JSON.stringify(Deno.args[at + 1])}`);
    Deno.exit(2);
  }
  return value;
}

const events = parseFlag("events", 1_000_000);
const rounds = parseFlag("rounds", 1);

/** A pool of distinct fill events, cycled through by both writers. */
const pool: ExecutionEvent[] = Array.from({ length: POOL }, (_, i) => ({
  ts: formatWireTimestamp(1_795_599_045_000_000 + i * 137),
  session_id: "bench",
  symbol: i % 3 === 0 ? "ETH-USD" : "BTC-USD",
  mode: "paper",
  kind: "fill",
  payload: {
    client_id: `exec_BTC-USD_${i}_a1b2c3`,
    side: i % 2 === 0 ? "buy" : "sell",
    filled_quantity: 0.4 + i / 10_000,
    fill_price: 100_020.5 + i,
    fill_notional: 40_008.2 + i,
    fill_fee: 4.0008,
  },
}));

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runOurs(dir: string): Promise<number> {
  const logger = new JsonlExecutionLogger({ baseDir: dir });
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    logger.emit(pool[i % POOL]);
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  await logger.close();
  const elapsed = performance.now() - start;
  const { written, dropped } = logger.stats;
  if (written !== events) {
    throw new Error(`ours wrote ${written} of ${events} (${dropped} dropped)`);
  }
  return elapsed;
}

async function runPino(dir: string): Promise<number> {
  const dest = pino.destination({ dest: `${dir}/pino.jsonl`, sync: false, mkdir: true });
  // No time, pid or hostname: the event's own fields plus pino's `"level":30`, like-for-like.
  const log = pino({ base: null, timestamp: false }, dest);
  // The destination opens its file asynchronously; start the clock once it is open.
  await new Promise<void>((resolve) => dest.once("ready", () => resolve()));
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    log.info(pool[i % POOL]);
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  await new Promise<void>((resolve, reject) => {
    dest.once("close", () => resolve());
    dest.once("error", reject);
    dest.end(); // writes what is buffered, then closes
  });
  const elapsed = performance.now() - start;
  const lines = countLines(`${dir}/pino.jsonl`);
  if (lines !== events) throw new Error(`pino wrote ${lines} of ${events}`);
  return elapsed;
}

function countLines(path: string): number {
  const bytes = Deno.readFileSync(path);
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

const rate = (ms: number): number => Math.round(events / (ms / 1000));

for (let round = 1; round <= rounds; round++) {
  const dir = await Deno.makeTempDir({ prefix: "telemetry_throughput_" });
  try {
    const pinoMs = await runPino(dir);
    const oursMs = await runOurs(dir);
    const ours = rate(oursMs);
    const peer = rate(pinoMs);
    console.log(
      `round ${round}: ${events} fill events | JsonlExecutionLogger ${
        ours.toLocaleString("en")
      } ev/s ` +
        `(${oursMs.toFixed(0)} ms) | pino ${peer.toLocaleString("en")} ev/s (${
          pinoMs.toFixed(0)
        } ms) | ` +
        `ratio ${(ours / peer).toFixed(2)}x`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
