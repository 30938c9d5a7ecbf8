import assert from "node:assert/strict";
import { snapshotOf, snapshotTime } from "../../ops/health_snapshots.ts";
import type { HealthSnapshot } from "../../ops/health_snapshots.ts";
import { buildTrends, detectDegradation, rollup } from "../../ops/health_trends.ts";
import { DAY, HOUR, NOW } from "./helpers.ts";

function snap(
  atMs: number,
  severity: "ok" | "warn" | "critical",
  diskMb = 10,
  parse = 0,
): HealthSnapshot {
  const s = snapshotOf({
    timestamp: snapshotTime(atMs),
    status: severity,
    exit_code: 0,
    checks: [{
      name: "disk_usage",
      status: severity,
      message: "",
      value: diskMb,
      threshold_warn: 1,
      threshold_critical: 2,
      unit: "MB",
      details: null,
    }, {
      name: "parse_error_rate",
      status: "ok",
      message: "",
      value: parse,
      threshold_warn: 5,
      threshold_critical: 15,
      unit: "%",
      details: null,
    }],
  });
  return s;
}

Deno.test("a rollup counts severities, keeps the worst and min/avg/max of disk and parse errors", () => {
  const r = rollup([snap(NOW, "ok", 10, 0), snap(NOW, "warn", 20, 1), snap(NOW, "ok", 30, 2)]);
  assert.deepEqual(
    [r.snapshots, r.worst_severity, r.ok_count, r.warn_count, r.critical_count],
    [3, "warn", 2, 1, 0],
  );
  assert.deepEqual(r.disk_mb, { min: 10, avg: 20, max: 30 });
  assert.deepEqual(r.parse_error_rate, { min: 0, avg: 1, max: 2 });
});

Deno.test("degradation: critical in half of the window", () => {
  const window = [...Array(5)].map((_, i) => snap(NOW + i, "critical")).concat(
    [...Array(5)].map((_, i) => snap(NOW + 10 + i, "ok")),
  );
  const d = detectDegradation(window, 10);
  assert.ok("reasons" in d && d.degrading);
  assert.deepEqual(d.reasons, ["High critical rate (5/10)"]);
  const fewer = detectDegradation(window.map((s, i) => i === 0 ? snap(NOW, "ok") : s), 10);
  assert.equal(fewer.degrading, false);
});

Deno.test("degradation: warn or critical in 70 % of the window", () => {
  const window = [...Array(10)].map((_, i) => snap(NOW + i, i < 7 ? "warn" : "ok"));
  const d = detectDegradation(window, 10);
  assert.ok("reasons" in d);
  assert.deepEqual(d.reasons, ["High warn+critical rate (7/10)"]);
  assert.equal(
    detectDegradation(window.map((s, i) => i === 0 ? snap(NOW, "ok") : s), 10).degrading,
    false,
  );
});

Deno.test("degradation: disk usage of the second half above 1.2 times the first half's", () => {
  const grow = [100, 100, 100, 121, 121, 121].map((mb, i) => snap(NOW + i, "ok", mb));
  const d = detectDegradation(grow, 10);
  assert.ok("reasons" in d);
  assert.deepEqual(d.reasons, ["Disk usage increasing (100.0 → 121.0 MB)"]);
  const flat = [100, 100, 100, 120, 120, 120].map((mb, i) => snap(NOW + i, "ok", mb));
  assert.equal(detectDegradation(flat, 10).degrading, false, "exactly 1.2 times is not growth");
});

Deno.test("fewer than three snapshots is the original's insufficient-data answer", () => {
  assert.deepEqual(detectDegradation([snap(NOW, "critical"), snap(NOW, "critical")], 2), {
    degrading: false,
    reason: "insufficient data",
    window_size: 2,
    available: 2,
  });
});

Deno.test("the trends answer has the original's fields, the last 24 h and 7 d, and the series", () => {
  const snapshots = [
    snap(NOW - 20 * DAY, "critical", 5),
    snap(NOW - 3 * DAY, "warn", 6),
    snap(NOW - HOUR, "ok", 7),
  ];
  const t = buildTrends(snapshots, 30, NOW);
  assert.ok("overall" in t);
  assert.deepEqual(
    Object.keys(t),
    [
      "period_days",
      "snapshots_found",
      "period_start",
      "period_end",
      "overall",
      "last_24h",
      "last_7d",
      "degradation",
      "time_series",
    ],
  );
  assert.deepEqual([
    t.snapshots_found,
    t.overall.worst_severity,
    t.last_7d.worst_severity,
    t.last_24h.worst_severity,
  ], [3, "critical", "warn", "ok"]);
  assert.equal(t.degradation.window_size, 3);
  assert.deepEqual(t.time_series[2], {
    ts: snapshotTime(NOW - HOUR),
    severity: "ok",
    disk_mb: 7,
    parse_error_rate: 0,
    rejection_rate: null,
    free_space_pct: null,
  });
  const week = buildTrends(snapshots, 7, NOW);
  assert.equal(week.snapshots_found, 2);
});

Deno.test("no snapshots in the period: a message with a hint", () => {
  const t = buildTrends([snap(NOW - 40 * DAY, "ok")], 30, NOW);
  assert.ok("message" in t);
  assert.equal(t.snapshots_found, 0);
  assert.match(t.hint, /health --snapshot/);
});
