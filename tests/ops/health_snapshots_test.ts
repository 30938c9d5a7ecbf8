import assert from "node:assert/strict";
import type { HealthReport } from "../../ops/health_status.ts";
import {
  appendSnapshot,
  loadSnapshots,
  pruneSnapshots,
  SnapshotCache,
  snapshotOf,
  snapshotsPath,
  snapshotTime,
} from "../../ops/health_snapshots.ts";
import { DAY, HOUR, NOW, withRoot } from "./helpers.ts";

function report(atMs: number, status: "ok" | "warn" | "critical" = "ok", diskMb = 1): HealthReport {
  return {
    timestamp: snapshotTime(atMs),
    status,
    exit_code: status === "ok" ? 0 : status === "warn" ? 2 : 3,
    checks: [
      {
        name: "disk_usage",
        status,
        message: "m",
        value: diskMb,
        threshold_warn: 1500,
        threshold_critical: 1900,
        unit: "MB",
        details: null,
      },
      {
        name: "free_space",
        status: "ok",
        message: "m",
        value: 40,
        threshold_warn: 10,
        threshold_critical: 5,
        unit: "%",
        details: { avail_bytes: 400, total_bytes: 1000, free_pct: 40 },
      },
      {
        name: "rejection_rate",
        status: "ok",
        message: "m",
        value: null,
        threshold_warn: 20,
        threshold_critical: 50,
        unit: "%",
        details: null,
      },
    ],
  };
}

Deno.test("a snapshot has the original's schema 1 fields plus the new metrics", () => {
  const s = snapshotOf(report(NOW, "warn", 1024), 2048);
  assert.equal(s.schema_version, 1);
  assert.equal(s.ts_utc, "2026-11-25T12:00:00.000000+00:00");
  assert.equal(s.severity, "warn");
  assert.deepEqual(Object.keys(s.metrics).slice(0, 5), [
    "disk_usage_mb",
    "disk_usage_pct",
    "retention_staleness_hours",
    "compression_failure_rate",
    "parse_error_rate",
  ]);
  assert.equal(s.metrics.disk_usage_pct, 50);
  assert.equal(s.metrics.free_space_pct, 40);
  assert.equal(s.metrics.rejection_rate, null);
  assert.deepEqual(s.checks[0], { name: "disk_usage", status: "warn", value: 1024 });
});

Deno.test("loading is inclusive at both ends, ascending, and a limit keeps the most recent", async () => {
  await withRoot(async (root) => {
    for (const h of [3, 1, 2, 0]) {
      await appendSnapshot(root, snapshotOf(report(NOW - h * HOUR)), 90 * DAY, NOW);
    }
    const all = await loadSnapshots(root);
    assert.deepEqual(
      all.snapshots.map((s) => s.ts_utc),
      [3, 2, 1, 0].map((h) => snapshotTime(NOW - h * HOUR)),
    );
    const window = await loadSnapshots(root, {
      since: new Date(NOW - 2 * HOUR),
      until: new Date(NOW - HOUR),
    });
    assert.equal(window.snapshots.length, 2);
    const latest = await loadSnapshots(root, { limit: 2 });
    assert.deepEqual(
      latest.snapshots.map((s) => s.ts_utc),
      [1, 0].map((h) => snapshotTime(NOW - h * HOUR)),
    );
  });
});

Deno.test("corrupt lines are skipped and counted, never abort the load", async () => {
  await withRoot(async (root) => {
    await appendSnapshot(root, snapshotOf(report(NOW - HOUR)), 90 * DAY, NOW);
    await Deno.writeTextFile(snapshotsPath(root), 'garbage\n{"ts_utc": 5}\n\n[1]\n', {
      append: true,
    });
    await appendSnapshot(root, snapshotOf(report(NOW)), 90 * DAY, NOW);
    const { snapshots, corrupt } = await loadSnapshots(root);
    assert.deepEqual([snapshots.length, corrupt], [2, 3]);
  });
});

Deno.test("snapshots older than the retention are pruned; newer ones and corrupt lines stay", async () => {
  await withRoot(async (root) => {
    await appendSnapshot(root, snapshotOf(report(NOW - 100 * DAY)), 90 * DAY, NOW - 100 * DAY);
    await Deno.writeTextFile(snapshotsPath(root), "garbage\n", { append: true });
    await appendSnapshot(root, snapshotOf(report(NOW - 89 * DAY)), 90 * DAY, NOW - 89 * DAY);
    const pruned = await appendSnapshot(root, snapshotOf(report(NOW)), 90 * DAY, NOW);
    assert.equal(pruned, 1);
    const text = await Deno.readTextFile(snapshotsPath(root));
    assert.equal(text.split("\n").filter((l) => l !== "").length, 3);
    assert.match(text, /garbage/);
    assert.equal(await pruneSnapshots(root, 90 * DAY, NOW), 0, "nothing old is left");
  });
});

Deno.test("pruning leaves the file alone when its oldest snapshot is recent", async () => {
  await withRoot(async (root) => {
    await appendSnapshot(root, snapshotOf(report(NOW)), 90 * DAY, NOW);
    const before = await Deno.stat(snapshotsPath(root));
    assert.equal(await pruneSnapshots(root, 90 * DAY, NOW), 0);
    assert.equal((await Deno.stat(snapshotsPath(root))).ino, before.ino, "not rewritten");
  });
});

Deno.test("the snapshot cache reads appended snapshots only, and the file again once pruned", async () => {
  await withRoot(async (root) => {
    const cache = new SnapshotCache(root);
    assert.deepEqual(await cache.since(new Date(0)), []);
    await appendSnapshot(root, snapshotOf(report(NOW - 100 * DAY)), 365 * DAY, NOW);
    await appendSnapshot(root, snapshotOf(report(NOW - 2 * HOUR)), 365 * DAY, NOW);
    assert.equal((await cache.since(new Date(0))).length, 2);
    // Half a line (a write in progress) waits; the rest of it completes the snapshot.
    const line = JSON.stringify(snapshotOf(report(NOW - HOUR))) + "\n";
    await Deno.writeTextFile(snapshotsPath(root), line.slice(0, 20), { append: true });
    assert.equal((await cache.since(new Date(0))).length, 2);
    await Deno.writeTextFile(snapshotsPath(root), line.slice(20), { append: true });
    assert.equal((await cache.since(new Date(0))).length, 3);
    assert.equal((await cache.since(new Date(NOW - 3 * HOUR))).length, 2);
    // Pruning rewrites the file (another inode): the cache starts over.
    assert.equal(await pruneSnapshots(root, 90 * DAY, NOW), 1);
    assert.deepEqual(
      (await cache.since(new Date(0))).map((s) => s.ts_utc),
      [snapshotTime(NOW - 2 * HOUR), snapshotTime(NOW - HOUR)],
    );
  });
});
