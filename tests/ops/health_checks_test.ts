// Every health check at its thresholds: just below warns nothing, exactly at a threshold alarms
// (the original's >=; free space alarms at or below).
import assert from "node:assert/strict";
import { defaultHealthSettings, type HealthSettings } from "../../execution/health_config.ts";
import type { WindowCounts } from "../../ops/activity_window.ts";
import {
  compressionFailuresCheck,
  diskUsageCheck,
  executionErrorsCheck,
  freeSpaceCheck,
  parseErrorRateCheck,
  rejectionRateCheck,
  retentionStalenessCheck,
  staleSessionsCheck,
  telemetryDroppedCheck,
  TEMP_FILE_GRACE_MS,
} from "../../ops/health_checks.ts";
import type { FileFacts, SessionFacts } from "../../ops/log_root_inventory.ts";
import { HOUR, MINUTE, NOW } from "./helpers.ts";

const S: HealthSettings = defaultHealthSettings();
const MB = 1024 * 1024;

function counts(partial: Partial<WindowCounts>): WindowCounts {
  return { events: 0, intents: 0, blocked: 0, errors: 0, dropped: 0, partial: false, ...partial };
}

function windows(...entries: Array<[string, Partial<WindowCounts>]>): Map<string, WindowCounts> {
  return new Map(entries.map(([id, c]) => [id, counts(c)]));
}

Deno.test("disk_usage: 1500 MB warns, 1900 MB is critical, just below each is not", () => {
  assert.equal(diskUsageCheck(1500 * MB - 1, S).status, "ok");
  assert.equal(diskUsageCheck(1500 * MB, S).status, "warn");
  assert.equal(diskUsageCheck(1900 * MB - 1, S).status, "warn");
  const critical = diskUsageCheck(1900 * MB, S);
  assert.equal(critical.status, "critical");
  assert.deepEqual(
    [critical.value, critical.threshold_warn, critical.threshold_critical, critical.unit],
    [1900, 1500, 1900, "MB"],
  );
});

Deno.test("retention_staleness: 48 h warns, 168 h is critical, measured from the marker", () => {
  assert.equal(retentionStalenessCheck(NOW - 48 * HOUR + 1, null, NOW, S).status, "ok");
  assert.equal(retentionStalenessCheck(NOW - 48 * HOUR, null, NOW, S).status, "warn");
  assert.equal(retentionStalenessCheck(NOW - 168 * HOUR, null, NOW, S).status, "critical");
  const check = retentionStalenessCheck(NOW - 2 * HOUR, NOW - 500 * HOUR, NOW, S);
  assert.equal(check.value, 2, "the marker wins over an older archive");
  assert.equal(check.details?.source, "marker");
});

Deno.test("retention_staleness falls back to the newest archive, and is ok with no value without either", () => {
  const fallback = retentionStalenessCheck(null, NOW - 200 * HOUR, NOW, S);
  assert.equal(fallback.status, "critical");
  assert.equal(fallback.details?.source, "archive");
  const none = retentionStalenessCheck(null, null, NOW, S);
  assert.deepEqual([none.status, none.value], ["ok", null]);
});

function temps(count: number, ageMs: number): FileFacts[] {
  return Array.from(
    { length: count },
    (_, i) => ({ path: `x${i}.tmp`, size: 1, mtime_ms: NOW - ageMs }),
  );
}

Deno.test("compression_failures: 10 % of session files warns, 25 % is critical", () => {
  const old = TEMP_FILE_GRACE_MS;
  assert.equal(compressionFailuresCheck(temps(9, old), 100, NOW, S).status, "ok");
  assert.equal(compressionFailuresCheck(temps(10, old), 100, NOW, S).status, "warn");
  assert.equal(compressionFailuresCheck(temps(25, old), 100, NOW, S).status, "critical");
  assert.equal(compressionFailuresCheck(temps(1, old), 0, NOW, S).value, 100);
});

Deno.test("compression_failures: a temporary file younger than the grace period is work in progress", () => {
  const check = compressionFailuresCheck(temps(50, TEMP_FILE_GRACE_MS - 1), 100, NOW, S);
  assert.deepEqual([check.status, check.value], ["ok", 0]);
  assert.equal(check.details?.in_progress_temp_files, 50);
});

Deno.test("parse_error_rate: 5 % warns, 15 % is critical, no lines is 0 %", () => {
  const sample = (invalid: number, lines = 1000) => ({ files: 1, lines, invalid, unreadable: [] });
  assert.equal(parseErrorRateCheck(sample(49), S).status, "ok");
  assert.equal(parseErrorRateCheck(sample(50), S).status, "warn");
  assert.equal(parseErrorRateCheck(sample(150), S).status, "critical");
  assert.deepEqual(
    [parseErrorRateCheck(sample(0, 0), S).status, parseErrorRateCheck(sample(0, 0), S).value],
    ["ok", 0],
  );
});

Deno.test("free_space: at or below 10 % warns, at or below 5 % is critical", () => {
  const free = (avail: number) => ({
    space: { total_bytes: 1000, avail_bytes: avail, source: "statfs" as const },
    problem: null,
  });
  assert.equal(freeSpaceCheck(free(101), S).status, "ok");
  assert.equal(freeSpaceCheck(free(100), S).status, "warn");
  assert.equal(freeSpaceCheck(free(51), S).status, "warn");
  const critical = freeSpaceCheck(free(50), S);
  assert.deepEqual([critical.status, critical.value, critical.unit], ["critical", 5, "%"]);
  assert.equal(critical.details?.avail_bytes, 50);
});

Deno.test("free_space in bytes compares bytes", () => {
  const s: HealthSettings = {
    ...S,
    free_space_warn: { unit: "bytes", value: 2000 },
    free_space_critical: { unit: "bytes", value: 1000 },
  };
  const at = (avail: number) =>
    freeSpaceCheck(
      { space: { total_bytes: 1e9, avail_bytes: avail, source: "df" }, problem: null },
      s,
    );
  assert.deepEqual([at(2001).status, at(2000).status, at(1000).status], ["ok", "warn", "critical"]);
  assert.equal(at(1500).value, 1500);
});

Deno.test("free_space that cannot be measured is ok with no value and says why", () => {
  const check = freeSpaceCheck({ space: null, problem: "statfs: not allowed" }, S);
  assert.deepEqual([check.status, check.value], ["ok", null]);
  assert.match(check.message, /free space unknown: statfs: not allowed/);
});

Deno.test("rejection_rate: judged only with 50 intents, per session and overall, the worst wins", () => {
  assert.equal(rejectionRateCheck(windows(["a", { intents: 49, blocked: 49 }]), S).value, null);
  assert.equal(rejectionRateCheck(windows(["a", { intents: 49, blocked: 49 }]), S).status, "ok");
  assert.equal(rejectionRateCheck(windows(["a", { intents: 50, blocked: 9 }]), S).status, "ok");
  assert.equal(rejectionRateCheck(windows(["a", { intents: 50, blocked: 10 }]), S).status, "warn");
  assert.equal(
    rejectionRateCheck(windows(["a", { intents: 50, blocked: 25 }]), S).status,
    "critical",
  );
  // Two small sessions judged together: 60 intents, 30 blocked.
  const overall = rejectionRateCheck(
    windows(["a", { intents: 30, blocked: 15 }], ["b", { intents: 30, blocked: 15 }]),
    S,
  );
  assert.deepEqual([overall.status, overall.value], ["critical", 50]);
  // One bad session among quiet ones is not averaged away.
  const worst = rejectionRateCheck(
    windows(["bad", { intents: 50, blocked: 30 }], ["good", { intents: 1000, blocked: 0 }]),
    S,
  );
  assert.deepEqual([worst.status, worst.value], ["critical", 60]);
  assert.equal((worst.details?.sessions as Array<{ session_id: string }>)[0].session_id, "bad");
});

Deno.test("execution_errors: 1 warns, 10 is critical; the writer's drop reports are not errors", () => {
  assert.equal(executionErrorsCheck(windows(["a", { errors: 0, dropped: 500 }]), S).status, "ok");
  assert.equal(executionErrorsCheck(windows(["a", { errors: 1 }]), S).status, "warn");
  assert.equal(executionErrorsCheck(windows(["a", { errors: 9 }]), S).status, "warn");
  assert.equal(
    executionErrorsCheck(windows(["a", { errors: 4 }], ["b", { errors: 6 }]), S).status,
    "critical",
  );
});

Deno.test("telemetry_dropped: 1 dropped event warns, 100 are critical; 0 as a threshold turns it off", () => {
  assert.equal(telemetryDroppedCheck(windows(["a", { dropped: 0 }]), S).status, "ok");
  assert.equal(telemetryDroppedCheck(windows(["a", { dropped: 1 }]), S).status, "warn");
  assert.equal(telemetryDroppedCheck(windows(["a", { dropped: 100 }]), S).status, "critical");
  const off = { ...S, dropped_warn: 0, dropped_critical: 0 };
  assert.equal(telemetryDroppedCheck(windows(["a", { dropped: 1000 }]), off).status, "ok");
});

function session(id: string, mtime: number | null): SessionFacts {
  return {
    root: ".",
    session_id: id,
    active: mtime === null ? null : { path: `${id}.jsonl`, size: 1, mtime_ms: mtime },
    archive: null,
    segments: [],
    bytes: 1,
    mtime_ms: mtime ?? 0,
    manifest_problem: null,
  };
}

Deno.test("stale_sessions: written within a day but not within 5 minutes, at the boundaries", () => {
  const sessions = [
    session("fresh", NOW - 5 * MINUTE + 1),
    session("just-stale", NOW - 5 * MINUTE),
    session("day-old", NOW - 24 * HOUR + 1),
    session("older", NOW - 24 * HOUR),
    session("archived", null),
  ];
  const check = staleSessionsCheck(sessions, NOW, S);
  assert.equal(check.value, 2);
  assert.equal(check.status, "warn");
  assert.deepEqual(
    (check.details?.sessions as Array<{ session_id: string }>).map((s) => s.session_id),
    ["just-stale", "day-old"],
  );
  const five = Array.from({ length: 5 }, (_, i) => session(`s${i}`, NOW - HOUR));
  assert.equal(staleSessionsCheck(five, NOW, S).status, "critical");
});
