import assert from "node:assert/strict";
import { appendSnapshot, snapshotOf, snapshotTime } from "../../../../ops/health_snapshots.ts";
import { DAY, HOUR, withRoot } from "../../../ops/helpers.ts";
import { telemetryApp } from "../../telemetry_fixtures.ts";

async function snapshotAt(root: string, atMs: number, status: "ok" | "warn" | "critical") {
  await appendSnapshot(
    root,
    snapshotOf({
      timestamp: snapshotTime(atMs),
      status,
      exit_code: 0,
      checks: [{
        name: "disk_usage",
        status,
        message: "",
        value: 1,
        threshold_warn: 1500,
        threshold_critical: 1900,
        unit: "MB",
        details: null,
      }],
    }),
    90 * DAY,
    atMs,
  );
}

Deno.test("trends answer the original's shape over the log root's snapshots", async () => {
  await withRoot(async (root) => {
    const now = Date.now();
    await snapshotAt(root, now - 10 * DAY, "critical");
    await snapshotAt(root, now - 8 * DAY, "critical");
    await snapshotAt(root, now - 2 * DAY, "warn");
    await snapshotAt(root, now - HOUR, "ok");
    const res = await telemetryApp(root).request("/api/telemetry/health/trends?days=30");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(
      [
        body.period_days,
        body.snapshots_found,
        body.overall.worst_severity,
        body.last_7d.worst_severity,
        body.last_24h.worst_severity,
      ],
      [30, 4, "critical", "warn", "ok"],
    );
    assert.equal(body.time_series.length, 4);
    assert.deepEqual(body.degradation, {
      degrading: true,
      reasons: ["High critical rate (2/4)", "High warn+critical rate (3/4)"],
      critical_count: 2,
      warn_count: 1,
      window_size: 4,
    });
    const week = await (await telemetryApp(root).request("/api/telemetry/health/trends?days=7"))
      .json();
    assert.equal(week.snapshots_found, 2);
  });
});

Deno.test("no snapshots: the message and its hint", async () => {
  await withRoot(async (root) => {
    const body = await (await telemetryApp(root).request("/api/telemetry/health/trends")).json();
    assert.deepEqual([body.period_days, body.snapshots_found, body.message], [
      30,
      0,
      "No health snapshots found",
    ]);
    assert.match(body.hint, /--snapshot/);
  });
});

Deno.test("days outside 1 to 365 is a 400 that says so", async () => {
  await withRoot(async (root) => {
    for (const days of ["0", "366", "-1", "7.5", "week"]) {
      const res = await telemetryApp(root).request(`/api/telemetry/health/trends?days=${days}`);
      assert.equal(res.status, 400, days);
      const body = await res.json();
      assert.equal(body.error, "invalid_days");
      assert.match(body.detail, /days must be an integer from 1 to 365/);
    }
  });
});
