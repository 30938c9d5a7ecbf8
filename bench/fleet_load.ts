/**
 * Fleet mode end to end on this machine: events from `emit()` on a host,
 * through `peak-trade ship`, a real nats-server (JetStream, file storage)
 * and `peak-trade collect`, to the line in the central file; compared in the
 * same run with the local writer alone (`emit()` to the line in the host's
 * own file), which is the peer: fleet mode adds its cost to it.
 *
 * Usage: `deno run --allow-all bench/fleet_load.ts [--events N] [--sessions S] [--rate R] [--seconds T] [--json]`
 *
 * - Throughput: `--events` (default 1,000,000) events over `--sessions`
 *   (default 2) sessions, emitted as fast as the writer takes them (chunks of
 *   1,000 with a macrotask yield); the clock stops when the last line is in
 *   the central files (fleet) or handed to the OS (writer alone). Target:
 *   ≥ 200,000 events/s end to end.
 * - Catching up: ship stopped, the same number of events written into new
 *   sessions, ship started again: events/s from its start to the last line
 *   in the central files (what ship and collect do with the CPU to
 *   themselves, e.g. after an outage).
 * - Latency: `--rate` events/s (default 5,000) for `--seconds` (default 10)
 *   into one session; each line's arrival is seen by polling the file's size
 *   every millisecond; p50/p99/max of emit → line in the central file, and
 *   emit → line in the host's file. Target: p99 ≤ 250 ms.
 *
 * nats-server must be installed (Debian: `apt-get install nats-server`).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { openSessionView } from "../live/session_view.ts";
import { readFully } from "../execution/wire/positional_reader.ts";
import { startNatsServer } from "../tests/fleet/nats_server.ts";
import { fillEvent } from "./fill_event.ts";

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(Deno.args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a positive number, got ${JSON.stringify(Deno.args[at + 1])}`);
    Deno.exit(2);
  }
  return value;
}

const EVENTS = Math.floor(flag("events", 1_000_000));
const SESSIONS = Math.floor(flag("sessions", 2));
const RATE = flag("rate", 5_000);
const SECONDS = flag("seconds", 10);
const JSON_OUT = Deno.args.includes("--json");
const CHUNK = 1_000;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const HOST = "bench-host";

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A fill event of `session` (about 250 bytes on the wire), stamped now. */
function fill(session: string, i: number): ExecutionEvent {
  return fillEvent(session, i, formatWireTimestamp(new Date()));
}

/**
 * The throughput runs cycle through a pool of prepared events per session
 * (as bench/telemetry_throughput.ts does), so both runs time the writer and
 * the fleet rather than building events.
 */
const POOL = 1_000;
const pools = Array.from(
  { length: SESSIONS },
  (_, s) => Array.from({ length: POOL }, (_, i) => fill(`s${s}`, i)),
);

/**
 * The writer both runs use: default options, but no rotation, so that neither run's clock holds
 * the compression of 64 MiB segments in a worker (a separate cost, the same with or without the
 * fleet; `ship` reads compressed segments as well, see tests/fleet/fleet_faults_test.ts).
 */
function logger(dir: string): JsonlExecutionLogger {
  return new JsonlExecutionLogger({
    baseDir: dir,
    flushOnExit: false,
    handleSignals: false,
    rotateBytes: Infinity,
    daily: false,
  });
}

async function sessionEnd(dir: string, id: string): Promise<number> {
  using view = await openSessionView(dir, id);
  return view.end;
}

/** Run `peak-trade` as a child process (stderr kept for a failure report). */
function spawn(args: string[]): { proc: Deno.ChildProcess; stderr: () => string } {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", MAIN, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) text += decoder.decode(chunk, { stream: true });
  })();
  return { proc, stderr: () => text };
}

async function stop(p: { proc: Deno.ChildProcess }): Promise<void> {
  try {
    p.proc.kill("SIGTERM");
  } catch {
    // gone
  }
  await p.proc.status;
}

/**
 * Emit `EVENTS` events over the sessions (`<prefix><n>`) into `dir`; resolves when the writer
 * has closed.
 */
async function emitAll(dir: string, prefix = "s"): Promise<void> {
  const log = logger(dir);
  const events = pools.map((pool) =>
    pool.map((e) => ({ ...e, session_id: prefix + e.session_id.slice(1) }))
  );
  for (let i = 0; i < EVENTS;) {
    const end = Math.min(EVENTS, i + CHUNK);
    for (; i < end; i++) log.emit(events[i % SESSIONS][(i / SESSIONS | 0) % POOL]);
    await yieldToLoop();
  }
  await log.close();
}

/** Poll until every central session is as long as the host's; returns when. */
async function waitCentral(
  host: string,
  central: string,
  deadlineMs: number,
  prefix = "s",
): Promise<number> {
  const wanted: Array<[string, number]> = [];
  for (let s = 0; s < SESSIONS; s++) {
    wanted.push([`${prefix}${s}`, await sessionEnd(host, `${prefix}${s}`)]);
  }
  for (;;) {
    let done = true;
    for (const [id, end] of wanted) {
      if ((await sessionEnd(central, `${HOST}.${id}`)) < end) done = false;
    }
    if (done) return performance.now();
    if (performance.now() > deadlineMs) {
      throw new Error("the central root did not catch up in time");
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Emit at `RATE` events/s into session `lat` for `SECONDS`, recording each
 * seq's emit time, while a poller records when each line appears in
 * `watchDir`/`watchId`. Returns the latencies in milliseconds.
 */
async function latency(emitDir: string, watchDir: string, watchId: string): Promise<number[]> {
  const log = logger(emitDir);
  const total = Math.round(RATE * SECONDS);
  const emitted = new Float64Array(total + 1);
  const arrived = new Float64Array(total + 1);
  let seen = 0;
  let stopWatch = false;
  let deadline = Infinity;
  const watcher = (async () => {
    let position = 0;
    let carry = "";
    const decoder = new TextDecoder();
    while (!stopWatch || seen < total) {
      let end = 0;
      try {
        end = await sessionEnd(watchDir, watchId);
      } catch {
        end = 0;
      }
      if (end > position) {
        const now = performance.now();
        using view = await openSessionView(watchDir, watchId);
        const part = view.parts.at(-1)!;
        const reader = view.openPart(part)!;
        const bytes = new Uint8Array(end - position);
        await readFully(reader, position - part.start, bytes);
        reader.close();
        position = end;
        const text = carry + decoder.decode(bytes);
        const lines = text.split("\n");
        carry = lines.pop()!;
        for (const line of lines) {
          const m = /"seq":(\d+)\}$/.exec(line);
          if (m !== null) {
            arrived[Number(m[1])] = now;
            seen++;
          }
        }
      }
      if (stopWatch && performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const tickMs = 10;
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / 1000 * RATE) + 1);
    for (; i < due; i++) {
      emitted[i + 1] = performance.now();
      log.emit(fill("lat", i));
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await log.close();
  deadline = performance.now() + 30_000;
  stopWatch = true;
  await watcher;
  const out: number[] = [];
  for (let s = 1; s <= total; s++) if (arrived[s] > 0) out.push(arrived[s] - emitted[s]);
  if (out.length < total) throw new Error(`only ${out.length} of ${total} lines arrived`);
  return out.sort((a, b) => a - b);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

const work = await Deno.makeTempDir({ prefix: "fleet_load_" });
await using server = await startNatsServer();
const hostDir = `${work}/host`;
const central = `${work}/central`;
const ship = spawn(["ship", "--nats", server.url, "--host-id", HOST, "--log-dir", hostDir]);
const collect = spawn(["collect", "--nats", server.url, "--log-dir", central]);
const children = [ship, collect];
try {
  // Wait until both are connected and the consumer exists (a warm-up event through the chain).
  {
    const log = logger(hostDir);
    log.emit(fill("warmup", 0));
    await log.close();
    const deadline = performance.now() + 60_000;
    while ((await sessionEnd(central, `${HOST}.warmup`)) === 0) {
      if (performance.now() > deadline) throw new Error("warm-up did not arrive");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  // Throughput: the writer alone, then the same events through the fleet.
  const aloneStart = performance.now();
  await emitAll(`${work}/alone`);
  const aloneRate = EVENTS / ((performance.now() - aloneStart) / 1000);

  const fleetStart = performance.now();
  await emitAll(hostDir);
  const fleetWritten = performance.now();
  const fleetEnd = await waitCentral(hostDir, central, performance.now() + 600_000);
  const fleetRate = EVENTS / ((fleetEnd - fleetStart) / 1000);

  // Catching up a backlog: ship stopped, the same events written into new sessions, ship
  // started again; the clock runs from its start to the last line in the central files.
  await stop(ship);
  await emitAll(hostDir, "b");
  const shipAgain = spawn(["ship", "--nats", server.url, "--host-id", HOST, "--log-dir", hostDir]);
  children.push(shipAgain);
  // The clock starts once the new shipper is connected (process start-up is not shipping).
  while (!/stream \S+ (found|created)/.test(shipAgain.stderr())) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const catchUpStart = performance.now();
  const catchUpEnd = await waitCentral(hostDir, central, performance.now() + 600_000, "b");
  const catchUpRate = EVENTS / ((catchUpEnd - catchUpStart) / 1000);

  // Latency at RATE events/s: emit → central file, and emit → the host's own file.
  const fleetLat = await latency(hostDir, central, `${HOST}.lat`);
  const aloneLat = await latency(`${work}/alone`, `${work}/alone`, "lat");

  const result = {
    events: EVENTS,
    sessions: SESSIONS,
    throughput: {
      fleet: Math.round(fleetRate),
      writer_alone: Math.round(aloneRate),
      catch_up: Math.round(catchUpRate),
      fleet_writer_done_ms: Math.round(fleetWritten - fleetStart),
      fleet_central_done_ms: Math.round(fleetEnd - fleetStart),
    },
    latency_ms: {
      rate: RATE,
      seconds: SECONDS,
      fleet: { p50: pct(fleetLat, 0.5), p99: pct(fleetLat, 0.99), max: fleetLat.at(-1)! },
      writer_alone: { p50: pct(aloneLat, 0.5), p99: pct(aloneLat, 0.99), max: aloneLat.at(-1)! },
    },
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(result));
  } else {
    const f = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(
      `fleet_load: ${f(EVENTS)} events over ${SESSIONS} sessions; nats-server ${server.url}`,
    );
    console.log(
      `throughput emit→central file: ours ${f(fleetRate)} events/s | local writer alone ` +
        `${f(aloneRate)} events/s | ratio ${(fleetRate / aloneRate).toFixed(2)}x ` +
        `(target ≥ 200,000: ${fleetRate >= 200_000 ? "met" : "NOT met"}); the writer was done ` +
        `after ${f(fleetWritten - fleetStart)} ms, the central files ${
          f(fleetEnd - fleetWritten)
        } ms later`,
    );
    console.log(
      `catching up a backlog of ${f(EVENTS)} events (ship restarted, writer idle), from ` +
        `its connection to the last line: ` +
        `${f(catchUpRate)} events/s`,
    );
    const l = result.latency_ms;
    console.log(
      `latency at ${f(RATE)} events/s for ${SECONDS} s: ours p50 ${l.fleet.p50.toFixed(0)} ms, ` +
        `p99 ${l.fleet.p99.toFixed(0)} ms, max ${l.fleet.max.toFixed(0)} ms | local writer alone ` +
        `p50 ${l.writer_alone.p50.toFixed(0)} ms, p99 ${
          l.writer_alone.p99.toFixed(0)
        } ms | ratio ` +
        `${(l.fleet.p99 / l.writer_alone.p99).toFixed(2)}x at p99 (target ≤ 250 ms: ${
          l.fleet.p99 <= 250 ? "met" : "NOT met"
        })`,
    );
  }
} catch (err) {
  for (const child of children) console.error(child.stderr());
  throw err;
} finally {
  for (const child of children) await stop(child);
  await Deno.remove(work, { recursive: true });
}
