// End to end against a real nats-server: three simulated hosts, each with two sessions written
// by the real writer while `peak-trade ship` runs, and two `peak-trade collect` processes sharing
// one durable consumer. The central files must hold every event exactly once, in seq order,
// byte for byte as on the hosts.
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import {
  type CliProcess,
  sessionBytes,
  spawnCli,
  testEvent,
  testLogger,
  waitFor,
  waitForCentral,
} from "./helpers.ts";
import { readCentralSessionMetas } from "../../fleet/collect_state.ts";
import { readFleetOverview } from "../../fleet/fleet_overview.ts";

const HOSTS = ["host-a", "host-b", "host-c"];
const SESSIONS = ["paper-1", "paper.2"];
const EVENTS = 50_000;

/** The seqs of a session's lines must be 1, 2, … n. */
function assertSeqsInOrder(bytes: Uint8Array, n: number, what: string): void {
  const text = new TextDecoder().decode(bytes);
  let expected = 1;
  for (const m of text.matchAll(/"seq":(\d+)\}\n/g)) {
    if (Number(m[1]) !== expected) assert.fail(`${what}: seq ${m[1]} where ${expected} was due`);
    expected++;
  }
  assert.equal(expected - 1, n, `${what}: lines with a seq`);
}

Deno.test("3 hosts × 2 sessions × 50,000 events arrive in the central root exactly once, in order, byte for byte", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleet_e2e_" });
  await using server = await startNatsServer();
  const processes: CliProcess[] = [];
  try {
    const central = `${dir}/central`;
    for (const host of HOSTS) {
      processes.push(
        spawnCli(["ship", "--nats", server.url, "--host-id", host, "--log-dir", `${dir}/${host}`]),
      );
    }
    for (let i = 0; i < 2; i++) {
      processes.push(spawnCli(["collect", "--nats", server.url, "--log-dir", central]));
    }
    // The hosts write while the shippers run.
    const started = performance.now();
    const loggers = HOSTS.map((host) => testLogger(`${dir}/${host}`));
    for (let i = 0; i < EVENTS; i++) {
      for (let h = 0; h < HOSTS.length; h++) {
        for (const session of SESSIONS) loggers[h].emit(testEvent(session, i));
      }
      if (i % 10_000 === 9_999) await Promise.all(loggers.map((l) => l.flush()));
    }
    await Promise.all(loggers.map((l) => l.close()));

    const written = performance.now();
    const waited = await waitForCentral(
      central,
      Object.fromEntries(HOSTS.map((h) => [h, `${dir}/${h}`])),
      SESSIONS,
    );
    console.log(
      `written in ${(written - started).toFixed(0)} ms; central caught up ${
        waited.toFixed(0)
      } ms later`,
    );

    for (const host of HOSTS) {
      for (const session of SESSIONS) {
        const id = `${host}.${session}`;
        const source = await sessionBytes(`${dir}/${host}`, session);
        const copy = await sessionBytes(central, id);
        assert.equal(copy.length, source.length, `${id}: bytes`);
        assert.ok(copy.every((byte, i) => byte === source[i]), `${id}: byte-equal`);
        assertSeqsInOrder(copy, EVENTS, id);
      }
    }
    const metas = readCentralSessionMetas(central);
    assert.equal(metas.size, 6);
    assert.deepEqual(
      { ...metas.get("host-b.paper.2")!, first_seen: "" },
      {
        central_session_id: "host-b.paper.2",
        host_id: "host-b",
        session_id: "paper.2",
        first_seen: "",
        gaps: [],
        gap_count: 0,
      },
    );
    // The dashboard's view: every host's status arrived (shippers report every 2 s).
    await waitFor("the three hosts' statuses", () => {
      const fleet = readFleetOverview(central);
      return fleet !== null && fleet.hosts.filter((h) => h.status_age_s !== null).length === 3;
    }, 20_000);
    assert.deepEqual(readFleetOverview(central)!.hosts.map((h) => [h.host_id, h.sessions]), [
      ["host-a", 2],
      ["host-b", 2],
      ["host-c", 2],
    ]);
  } catch (err) {
    for (const p of processes) console.error(p.stderr());
    throw err;
  } finally {
    for (const p of processes) p.kill("SIGTERM");
    const codes = await Promise.all(processes.map((p) => p.status));
    await Promise.all(processes.map((p) => p[Symbol.asyncDispose]()));
    await Deno.remove(dir, { recursive: true });
    assert.deepEqual(codes.map((c) => c.code), processes.map(() => 0), "clean stops");
  }
});
