/**
 * Helpers of the fleet tests: sessions written by the real writer, a
 * session's logical bytes (every segment, compressed or not, then the active
 * file), polling with a deadline instead of sleeping, and `peak-trade`
 * commands run as child processes (so they can be killed with SIGKILL).
 *
 * @module
 */
import { JsonlExecutionLogger } from "../../execution/telemetry/logger.ts";
import type { JsonlExecutionLoggerOptions } from "../../execution/telemetry/options.ts";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import type { ExecutionEvent } from "../../execution/events.ts";
import { readFully } from "../../execution/wire/positional_reader.ts";
import { openSessionView } from "../../live/session_view.ts";
import {
  type FleetBatch,
  fleetBatchHeaders,
  readFleetBatch,
  scanBatchLines,
} from "../../execution/fleet/batch_message.ts";
import { type LineKey, START_LINE_KEY } from "../../execution/fleet/line_key.ts";
import { fleetSubject } from "../../execution/fleet/subjects.ts";
import { Collector } from "../../fleet/collector.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** The `i`-th test event of a session (four kinds in turn, about 250 bytes each). */
export function testEvent(sessionId: string, i: number): ExecutionEvent {
  const ts = formatWireTimestamp(new Date(Date.UTC(2026, 10, 25, 9, 30) + i));
  const symbol = ["BTC-USD", "ETH-USD", "SOL-USD"][i % 3];
  switch (i % 4) {
    case 0:
      return {
        ts,
        session_id: sessionId,
        symbol,
        mode: "paper",
        kind: "intent",
        payload: { side: "buy", quantity: 0.5, current_price: 100000 + i, strategy_key: "s1" },
      };
    case 1:
      return {
        ts,
        session_id: sessionId,
        symbol,
        mode: "paper",
        kind: "gate",
        payload: {
          gate_name: "LotSize",
          passed: true,
          code: "LOT_SIZE_OK",
          reason: "quantity is a multiple of the lot size",
          modified_qty: null,
        },
      };
    case 2:
      return {
        ts,
        session_id: sessionId,
        symbol,
        mode: "paper",
        kind: "order",
        payload: {
          client_id: `c-${i}`,
          side: "buy",
          quantity: 0.5,
          order_type: "market",
          price: 100000,
          notional: 50000,
        },
      };
    default:
      return {
        ts,
        session_id: sessionId,
        symbol,
        mode: "paper",
        kind: "fill",
        payload: {
          client_id: `c-${i - 1}`,
          side: "buy",
          filled_quantity: 0.5,
          fill_price: 100001,
          fill_notional: 50000.5,
          fill_fee: 5,
        },
      };
  }
}

/** A writer for the tests: no exit hooks, no signal handlers. */
export function testLogger(
  baseDir: string,
  options: JsonlExecutionLoggerOptions = {},
): JsonlExecutionLogger {
  return new JsonlExecutionLogger({
    baseDir,
    flushOnExit: false,
    handleSignals: false,
    onError: (report) => console.error(report.message),
    ...options,
  });
}

/** Write events `from` … `to - 1` of each session with the real writer, then close it. */
export async function writeSessions(
  baseDir: string,
  sessions: string[],
  count: number,
  options: JsonlExecutionLoggerOptions = {},
): Promise<void> {
  const logger = testLogger(baseDir, options);
  for (let i = 0; i < count; i++) {
    for (const id of sessions) logger.emit(testEvent(id, i));
    if (i % 5000 === 4999) await logger.flush();
  }
  await logger.close();
}

/** Every byte of a session's logical stream (segments, compressed or not, then the active file). */
export async function sessionBytes(baseDir: string, sessionId: string): Promise<Uint8Array> {
  using view = await openSessionView(baseDir, sessionId);
  const out = new Uint8Array(view.end - view.firstStart);
  for (const part of view.parts) {
    const reader = view.openPart(part);
    if (reader === null) throw new Error(`part at ${part.start} of ${sessionId} vanished`);
    try {
      const filled = await readFully(
        reader,
        0,
        out.subarray(part.start - view.firstStart, part.start - view.firstStart + part.size),
      );
      if (filled !== part.size) throw new Error(`part at ${part.start} is short`);
    } finally {
      reader.close();
    }
  }
  return out;
}

/** Lines (`\n`) in `bytes`. */
export function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Lines of a session's logical stream, or 0 when it does not exist. */
export async function sessionLineCount(baseDir: string, sessionId: string): Promise<number> {
  try {
    return countLines(await sessionBytes(baseDir, sessionId));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

/** Poll `check` (backing off to 100 ms) until it returns true, or fail after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5;; wait = Math.min(wait * 2, 100)) {
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** A `peak-trade` command running as a child process. */
export interface CliProcess extends AsyncDisposable {
  /** Its standard error so far. */
  readonly stderr: () => string;
  /** Resolves with its exit code. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Send a signal. */
  kill(signal: Deno.Signal): void;
}

/** Run `main.ts` with `args` as a child process (all permissions, no colour). */
export function spawnCli(args: string[]): CliProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) text += decoder.decode(chunk, { stream: true });
  })();
  let exited = false;
  const status = child.status.then(async (s) => {
    exited = true;
    await reading;
    return s;
  });
  return {
    stderr: () => text,
    status,
    kill(signal) {
      if (exited) return;
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
    async [Symbol.asyncDispose]() {
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await status;
    },
  };
}

/** A checked batch of `lines` (each without its `\n`) of `host`'s `session`, after `prev`. */
export function makeBatch(
  host: string,
  session: string,
  lines: string[],
  prev: LineKey | null = START_LINE_KEY,
): FleetBatch {
  const body = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
  const scan = scanBatchLines(body, prev ?? START_LINE_KEY)!;
  const headers = new Map(fleetBatchHeaders({
    hostId: host,
    sessionId: session,
    prevKey: prev,
    firstKey: scan.first,
    lastKey: scan.last,
    lines: scan.count,
    offset: null,
  }));
  const batch = readFleetBatch(fleetSubject(host, session), (n) => headers.get(n), body);
  if ("foreign" in batch) throw new Error(batch.foreign);
  return batch;
}

/** A line with `seq`, as the writer writes it. */
export function seqLine(seq: number): string {
  return `{"ts":"2026-11-25T09:30:45.000000+00:00","session_id":"s","symbol":"BTC-USD","mode":"paper","kind":"intent","payload":{},"seq":${seq}}`;
}

/** The logical end of a session (0 when it does not exist): cheap, for polling. */
export async function sessionEnd(baseDir: string, sessionId: string): Promise<number> {
  using view = await openSessionView(baseDir, sessionId);
  return view.end;
}

/** Poll until each central session (`<host>.<session>`) is as long as the host's; returns the wait in ms. */
export async function waitForCentral(
  central: string,
  hosts: Record<string, string>,
  sessions: string[],
  timeoutMs = 120_000,
): Promise<number> {
  const started = performance.now();
  const wanted = new Map<string, number>();
  for (const [host, root] of Object.entries(hosts)) {
    for (const s of sessions) wanted.set(`${host}.${s}`, await sessionEnd(root, s));
  }
  await waitFor("every event in the central root", async () => {
    for (const [id, end] of wanted) if ((await sessionEnd(central, id)) < end) return false;
    return true;
  }, timeoutMs);
  return performance.now() - started;
}

/** A collector started by {@linkcode runCollector}. */
export interface RunningCollector extends AsyncDisposable {
  collector: Collector;
  /** Stop it and wait until it has. */
  stop(): Promise<void>;
}

/** `collect` of the whole fleet stream (`PEAK_EXEC`, durable `c`) into `baseDir`, running until stopped. */
export function runCollector(
  baseDir: string,
  servers: string,
  log?: (line: string) => void,
): RunningCollector {
  const abort = new AbortController();
  const collector = new Collector({
    baseDir,
    stream: { stream: "PEAK_EXEC" },
    durable: "c",
    filterSubject: "peak.exec.>",
    connection: { servers },
    ...(log === undefined ? {} : { log }),
  });
  const running = collector.run(abort.signal);
  const stop = async (): Promise<void> => {
    abort.abort();
    await running;
  };
  return { collector, stop, [Symbol.asyncDispose]: stop };
}
