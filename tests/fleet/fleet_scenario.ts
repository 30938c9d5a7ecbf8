/**
 * The fault tests' scenario: one host with two sessions written by the real
 * writer at a steady pace while `peak-trade ship` and `peak-trade collect`
 * run as child processes against a real nats-server; a fault is injected
 * mid-stream by the test; at the end the central sessions must equal the
 * host's byte for byte (nothing lost, nothing duplicated).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { JsonlExecutionLoggerOptions } from "../../execution/telemetry/options.ts";
import { startNatsServer, type TestNatsServer } from "./nats_server.ts";
import {
  type CliProcess,
  sessionBytes,
  sessionEnd,
  spawnCli,
  testEvent,
  testLogger,
  waitFor,
  waitForCentral,
} from "./helpers.ts";

/** What a fault can do to the running scenario. */
export interface ScenarioContext {
  /** The nats-server. */
  server: TestNatsServer;
  /** The running shipper (replace it with `restartShip`). */
  ship: CliProcess;
  /** The running collector (replace it with `restartCollect`). */
  collect: CliProcess;
  /** Start the shipper again (after a kill). */
  restartShip(): void;
  /** Start the collector again (after a kill). */
  restartCollect(): void;
  /** Wait until the central sessions hold at least `bytes` bytes together. */
  centralAtLeast(bytes: number): Promise<void>;
  /** The writer, to rotate a session. */
  rotate(session: string): Promise<void>;
  /** Whether the writer is still writing. */
  writing(): boolean;
}

/** How a scenario runs. */
export interface ScenarioOptions {
  /** Events per session. */
  events: number;
  /** The writer's options (rotation). */
  writer?: JsonlExecutionLoggerOptions;
  /** Extra flags for ship. */
  shipFlags?: string[];
  /** The fault, run beside the writer. */
  fault(ctx: ScenarioContext): Promise<void>;
}

const HOST = "host-f";
const SESSIONS = ["s1", "s2"];
/** Events per writer step; a short pause between steps keeps the stream going for a while. */
const STEP = 250;

/** Run a scenario; returns the processes' stderr (for assertions on what they reported). */
export async function runScenario(
  options: ScenarioOptions,
): Promise<{ ship: string; collect: string }> {
  const dir = await Deno.makeTempDir({ prefix: "fleet_fault_" });
  await using server = await startNatsServer();
  const hostRoot = `${dir}/${HOST}`;
  const central = `${dir}/central`;
  const shipArgs = [
    "ship",
    "--nats",
    server.url,
    "--host-id",
    HOST,
    "--log-dir",
    hostRoot,
    ...(options.shipFlags ?? []),
  ];
  const collectArgs = ["collect", "--nats", server.url, "--log-dir", central];
  const all: CliProcess[] = [];
  const spawn = (args: string[]): CliProcess => {
    const p = spawnCli(args);
    all.push(p);
    return p;
  };
  const logger = testLogger(hostRoot, options.writer);
  let writing = true;
  // The writer holds its second half back until the fault's wait is over, so the fault always
  // lands while there is still writing to do, however slowly a loaded machine starts the
  // shipper and the collector.
  let faultDue!: () => void;
  const faultIsDue = new Promise<void>((resolve) => faultDue = resolve);
  const ctx: ScenarioContext = {
    server,
    ship: spawn(shipArgs),
    collect: spawn(collectArgs),
    restartShip() {
      ctx.ship = spawn(shipArgs);
    },
    restartCollect() {
      ctx.collect = spawn(collectArgs);
    },
    async centralAtLeast(bytes) {
      await waitFor(`${bytes} bytes in the central root`, async () => {
        let total = 0;
        for (const s of SESSIONS) total += await sessionEnd(central, `${HOST}.${s}`);
        return total >= bytes;
      });
      faultDue();
    },
    rotate: (session) => logger.rotate(session),
    writing: () => writing,
  };
  try {
    const writer = (async () => {
      for (let i = 0; i < options.events; i++) {
        if (i === Math.floor(options.events / 2)) {
          await logger.flush();
          await faultIsDue;
        }
        for (const s of SESSIONS) logger.emit(testEvent(s, i));
        if (i % STEP === STEP - 1) {
          await logger.flush();
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await logger.close();
      writing = false;
    })();
    await Promise.all([writer, options.fault(ctx).finally(faultDue)]);
    await waitForCentral(central, { [HOST]: hostRoot }, SESSIONS);
    for (const s of SESSIONS) {
      const source = await sessionBytes(hostRoot, s);
      const copy = await sessionBytes(central, `${HOST}.${s}`);
      assert.equal(copy.length, source.length, `${s}: bytes`);
      assert.ok(copy.every((b, i) => b === source[i]), `${s}: byte-equal`);
    }
    return { ship: ctx.ship.stderr(), collect: ctx.collect.stderr() };
  } catch (err) {
    for (const p of all) console.error(p.stderr());
    throw err;
  } finally {
    for (const p of all) p.kill("SIGTERM");
    await Promise.all(all.map((p) => p[Symbol.asyncDispose]()));
    await logger.close();
    await Deno.remove(dir, { recursive: true });
  }
}
