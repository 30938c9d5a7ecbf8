import assert from "node:assert/strict";
import { parseExecutionConfig } from "../../execution/config.ts";
import { opsSettingsOf } from "../../ops/ops_settings.ts";
import { TelemetryMonitor } from "../../ops/telemetry_monitor.ts";
import { startTelemetrySchedule } from "../../server/telemetry_schedule.ts";
import { decisions, withRoot, writeSession } from "../ops/helpers.ts";

function monitor(root: string): TelemetryMonitor {
  return new TelemetryMonitor(root, opsSettingsOf(parseExecutionConfig("")), {
    measureFree: () => Promise.resolve({ space: null, problem: "" }),
  });
}

Deno.test("the schedule takes a snapshot and evaluates the rules at once, then stops cleanly", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "spike", decisions("spike", Date.now(), 50, 20));
    const logged: string[] = [];
    const m = monitor(root);
    const schedule = startTelemetrySchedule(m, {
      snapshotEveryMs: 3_600_000,
      alertsEveryMs: 3_600_000,
      log: (t) => logged.push(t),
      color: false,
    });
    await schedule.firstRuns;
    await schedule.stop();
    const snapshots = (await Deno.readTextFile(`${root}/.health/snapshots.jsonl`)).trim().split(
      "\n",
    );
    assert.equal(snapshots.length, 1);
    assert.match(logged.join(""), /\[WARN\] Gate rejection rate 40%/);
    assert.deepEqual(m.schedule, { alerts_every: 3_600_000, snapshot_every: 3_600_000 });
    assert.deepEqual((await m.firing()).map((a) => a.rule), ["rejection_rate_high"]);
  });
});

Deno.test("a log root that does not exist is neither created nor written; the reason is logged once", async () => {
  await withRoot(async (root) => {
    const logged: string[] = [];
    const schedule = startTelemetrySchedule(monitor(`${root}/missing`), {
      snapshotEveryMs: 3_600_000,
      alertsEveryMs: 3_600_000,
      log: (t) => logged.push(t),
      color: false,
    });
    await schedule.firstRuns;
    await schedule.stop();
    await assert.rejects(() => Deno.stat(`${root}/missing`), Deno.errors.NotFound);
    assert.equal(
      logged.filter((l) => /Health snapshot not taken: .*does not exist/.test(l)).length,
      1,
    );
    assert.equal(
      logged.filter((l) => /Alert evaluation failed: .*does not exist/.test(l)).length,
      1,
    );
  });
});

Deno.test("with neither job the schedule does nothing", async () => {
  await withRoot(async (root) => {
    const schedule = startTelemetrySchedule(monitor(root), {
      snapshotEveryMs: null,
      alertsEveryMs: null,
      log: () => assert.fail("nothing to log"),
      color: false,
    });
    await schedule.firstRuns;
    await schedule.stop();
    assert.deepEqual([...Deno.readDirSync(root)], []);
  });
});

Deno.test("health is computed once for a burst of requests", async () => {
  await withRoot(async (root) => {
    let measured = 0;
    const m = new TelemetryMonitor(root, opsSettingsOf(parseExecutionConfig("")), {
      measureFree: () => {
        measured++;
        return Promise.resolve({ space: null, problem: "" });
      },
    });
    const reports = await Promise.all([m.health(), m.health(), m.health()]);
    assert.equal(measured, 1);
    assert.equal(reports[0], reports[2]);
  });
});
