/**
 * Micro-benchmark of the `emit()` hot path of `JsonlExecutionLogger`
 * (encode + queue, no I/O on the caller's path) against two peers doing the
 * same job for the same fill event: `JSON.stringify` with manual buffering,
 * and pino's serialisation into an in-memory stream.
 *
 * Each iteration emits a burst of 1,000 events (the figures are per 1,000:
 * divide by 1,000 for one event); our logger's queue is written out after
 * the timed part, so the figure is what a caller of `emit()` pays.
 *
 * Run: `deno bench --allow-read --allow-write --allow-env --allow-sys bench/telemetry_bench.ts`
 *
 * @module
 */
import pino from "pino";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { benchTempDir } from "./temp_dir.ts";

const event: ExecutionEvent = {
  ts: formatWireTimestamp(1_795_599_045_123_456),
  session_id: "bench",
  symbol: "BTC-USD",
  mode: "paper",
  kind: "fill",
  payload: {
    client_id: "exec_BTC-USD_1_a1b2c3",
    side: "buy",
    filled_quantity: 0.4,
    fill_price: 100_020.5,
    fill_notional: 40_008.2,
    fill_fee: 4.0008,
  },
};

/** Events per timed burst. */
const BURST = 1_000;
/** The peer's buffered lines are released once this much is queued. */
const DRAIN_AT = 4 * 1024 * 1024;

const dir = benchTempDir("telemetry_bench_");
const logger = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });

Deno.bench({
  name: "JsonlExecutionLogger.emit() x1000",
  group: "emit 1,000 fill events",
  baseline: true,
  async fn(b) {
    b.start();
    for (let i = 0; i < BURST; i++) logger.emit(event);
    b.end();
    await logger.flush();
  },
});

let manual: string[] = [];
let manualChars = 0;
let manualSeq = 0;
Deno.bench({
  name: "JSON.stringify + manual buffering x1000",
  group: "emit 1,000 fill events",
  fn(b) {
    b.start();
    for (let i = 0; i < BURST; i++) {
      const line = JSON.stringify({ ...event, seq: ++manualSeq }) + "\n";
      manual.push(line);
      manualChars += line.length;
    }
    b.end();
    if (manualChars > DRAIN_AT) {
      manual = [];
      manualChars = 0;
    }
  },
});

let pinoChars = 0;
const pinoLog = pino({ base: null, timestamp: false }, {
  write(line: string): void {
    pinoChars += line.length;
  },
});
Deno.bench({
  name: "pino.info() into an in-memory stream x1000",
  group: "emit 1,000 fill events",
  fn(b) {
    b.start();
    for (let i = 0; i < BURST; i++) pinoLog.info(event);
    b.end();
  },
});

// Keep the peers' results observable so the work cannot be optimised away.
globalThis.addEventListener("unload", () => {
  if (manualChars < 0 || pinoChars < 0) console.log(manualChars, pinoChars);
});
