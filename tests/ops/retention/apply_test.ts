import assert from "node:assert/strict";
import { join } from "node:path";
import { applyRetention } from "../../../ops/retention/apply.ts";
import { planRetention, type RetentionPlan } from "../../../ops/retention/plan.ts";
import type { RetentionPolicy } from "../../../ops/retention/policy.ts";
import { RETENTION_LOCK_NAME } from "../../../ops/retention/run_lock.ts";
import { markShippedRootSync } from "../../../execution/fleet/ship_checkpoint.ts";
import { gzipSync } from "node:zlib";
import {
  readSegmentManifest,
  segmentDir,
  writeSegmentManifest,
} from "../../../execution/telemetry/segments.ts";
import { runRetentionCommand } from "../../../cli/retention.ts";
import { memoryIo } from "../../../cli/io.ts";
import { sessionLines } from "../../live/helpers.ts";
import {
  DAY,
  exists,
  gunzipped,
  hashTree,
  MINUTE,
  planTime,
  setMtime,
  withRoot,
  writeSegmentedSession,
  writeSession,
} from "./helpers.ts";

const POLICY: Partial<RetentionPolicy> = {
  maxAgeDays: 30,
  keepLastN: 1,
  maxTotalMb: 2048,
  compressAfterDays: 7,
};

/** The original's archive content: ends inside a line (a torn tail when it was compressed). */
const OLD_ARCHIVE_TEXT = sessionLines("archived", 3) + '{"ts": "2026-';

/**
 * A log root with one case of every action: an old session (age), a finished
 * one (compression), an original-style archive with a newer plain file (an
 * append to the archive), a live rotated session with old segments (segment
 * deletion), a finished rotated session with crash leftovers (repairs), a
 * stale temporary of ours in the root, and a fresh session (kept).
 */
async function richTree(root: string, now: Date): Promise<void> {
  const t = now.getTime();
  await writeSession(root, "old", 50, t - 40 * DAY);
  await writeSession(root, "finished", 300, t - 10 * DAY);
  await Deno.writeFile(
    join(root, "archived.jsonl.gz"),
    gzipSync(new TextEncoder().encode(OLD_ARCHIVE_TEXT)),
  );
  await setMtime(join(root, "archived.jsonl.gz"), t - 20 * DAY);
  await writeSession(root, "archived", 40, t - 9 * DAY);
  await writeSegmentedSession(
    root,
    "rotated",
    [
      { events: 30, compressed: true, mtime: t - 45 * DAY },
      { events: 30, compressed: true, mtime: t - 35 * DAY },
      { events: 30, compressed: true, mtime: t - 20 * DAY },
    ],
    10,
    t - MINUTE,
  );
  await writeSegmentedSession(
    root,
    "crashed",
    [
      { events: 30, compressed: true, mtime: t - 12 * DAY },
      { events: 30, compressed: true, mtime: t - 11 * DAY },
    ],
    10,
    t - 10 * DAY,
  );
  const crashed = segmentDir(root, "crashed");
  await Deno.writeTextFile(join(crashed, "000002.jsonl.gz.1234.tmp"), "half a gzip");
  // The plain copy beside a recorded .gz (a crash before the plain copy was removed).
  await Deno.writeTextFile(join(crashed, "000002.jsonl"), sessionLines("crashed", 30, 30));
  await setMtime(join(crashed, "000002.jsonl"), t - 11 * DAY);
  // A rotation whose manifest write never happened.
  await Deno.writeTextFile(join(crashed, "000003.jsonl"), sessionLines("crashed", 5, 60));
  await setMtime(join(crashed, "000003.jsonl"), t - 10 * DAY);
  await Deno.writeTextFile(
    join(root, "finished.jsonl.gz.00000000-0000-4000-8000-000000000000.tmp"),
    "half an archive",
  );
  await writeSession(root, "fresh", 20, t - MINUTE);
}

function summary(plan: RetentionPlan): string[] {
  return plan.actions.map((a) =>
    `${a.kind}${a.step === null ? "" : `:${a.step}`} ${a.session_id}${
      a.segment_index === null ? "" : `/${a.segment_index}`
    }`
  );
}

Deno.test("a dry-run changes nothing on disk, with every kind of action planned", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await richTree(root, now);
    const before = await hashTree(root);
    const plan = await planRetention({ root, now, policy: POLICY, home: null });
    assert.deepEqual(summary(plan).sort(), [
      "compress-session archived",
      "compress-session finished",
      "delete-segment rotated/1",
      "delete-segment rotated/2",
      "delete-session old",
      "repair:adopt-segment crashed/3",
      "repair:remove-plain-copy crashed/2",
      "repair:remove-root-temporary finished",
      "repair:remove-temporary crashed",
    ]);
    assert.equal(await hashTree(root), before);
    const io = memoryIo({ env: { HOME: "/nonexistent-home" } });
    assert.equal(await runRetentionCommand(["--log-dir", root, "--keep-last-n", "1"], io), 0);
    assert.match(io.stdout(), /^Retention dry-run for /);
    assert.match(io.stdout(), /\n {2}delete session old: last modified 40\.0 days ago/);
    assert.match(io.stdout(), /~.* estimated/);
    assert.equal(await hashTree(root), before);
  });
});

Deno.test("apply does what the plan said, reports it, and a second plan finds nothing to do", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await richTree(root, now);
    const finished = await Deno.readFile(join(root, "finished.jsonl"));
    const archivedPlain = await Deno.readTextFile(join(root, "archived.jsonl"));
    const rotatedBefore = (await readSegmentManifest(root, "rotated"))!;
    const plan = await planRetention({ root, now, policy: POLICY, home: null });
    const report = await applyRetention(plan);
    assert.deepEqual(
      report.actions.map((a) => [a.kind, a.session_id, a.status, a.error]),
      plan.actions.map((a) => [a.kind, a.session_id, "done", null]),
    );
    assert.equal(report.failed, 0);
    assert.equal(report.done, plan.actions.length);
    // Deleted.
    assert.ok(!(await exists(join(root, "old.jsonl"))));
    // Compressed: the archive holds the session's bytes, and the plain file is gone.
    assert.deepEqual(await gunzipped(join(root, "finished.jsonl.gz")), finished);
    assert.ok(!(await exists(join(root, "finished.jsonl"))));
    // Appended to the original's archive: old content, its torn line ended, then the new file.
    assert.equal(
      new TextDecoder().decode(await gunzipped(join(root, "archived.jsonl.gz"))),
      OLD_ARCHIVE_TEXT + "\n" + archivedPlain,
    );
    // The measured after-size of a compression is the archive's real size.
    const compress = report.actions.find((a) =>
      a.kind === "compress-session" && a.session_id === "finished"
    )!;
    assert.equal(compress.bytes_after, (await Deno.stat(join(root, "finished.jsonl.gz"))).size);
    assert.equal(compress.bytes_after_estimated, false);
    // Segments: the two oldest gone, the rest keep their start offsets.
    const rotated = (await readSegmentManifest(root, "rotated"))!;
    assert.deepEqual(rotated.segments, rotatedBefore.segments.slice(2));
    assert.ok(!(await exists(join(segmentDir(root, "rotated"), "000001.jsonl.gz"))));
    // Repairs: the temporaries and the plain copy are gone, the orphan is recorded.
    const crashed = (await readSegmentManifest(root, "crashed"))!;
    assert.deepEqual(crashed.segments.map((s) => [s.index, s.trigger]), [[1, "size"], [2, "size"], [
      3,
      "repair",
    ]]);
    assert.equal(
      crashed.segments[2].start_offset,
      crashed.segments[1].start_offset + crashed.segments[1].bytes,
    );
    assert.equal(crashed.segments[2].first_seq, 61);
    assert.ok(!(await exists(join(segmentDir(root, "crashed"), "000002.jsonl"))));
    assert.ok(!(await exists(join(segmentDir(root, "crashed"), "000002.jsonl.gz.1234.tmp"))));
    // The totals are the measured sizes: before minus what each action freed, once.
    const freed = report.actions.reduce((sum, a) => sum + a.bytes_before - a.bytes_after, 0);
    assert.equal(report.bytes_after, report.bytes_before - freed);
    // The marker.
    const marker = JSON.parse(await Deno.readTextFile(join(root, ".last_retention_run")));
    assert.equal(marker.done, report.done);
    assert.equal(marker.bytes_after, report.bytes_after);
    assert.equal(report.marker, join(await Deno.realPath(root), ".last_retention_run"));
    // Nothing left to do but compress the segment the repair recorded (it is plain).
    const again = await planRetention({ root, now, policy: POLICY, home: null });
    assert.deepEqual(summary(again), ["compress-segment crashed/3"]);
  });
});

Deno.test("the CLI's --apply does what its dry-run printed", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await richTree(root, now);
    const env = { env: { HOME: "/nonexistent-home" } };
    const dry = memoryIo(env);
    assert.equal(
      await runRetentionCommand(["--root", root, "--keep-last-n", "1", "--json"], dry),
      0,
    );
    const planned = JSON.parse(dry.stdout());
    assert.equal(planned.dry_run, true);
    const wet = memoryIo(env);
    assert.equal(
      await runRetentionCommand(["--root", root, "--keep-last-n", "1", "--json", "--apply"], wet),
      0,
    );
    const applied = JSON.parse(wet.stdout());
    assert.equal(applied.dry_run, false);
    const key = (a: { kind: string; session_id: string; segment_index: number | null }) =>
      `${a.kind} ${a.session_id} ${a.segment_index}`;
    assert.deepEqual(applied.actions.map(key), planned.actions.map(key));
    assert.ok(applied.actions.every((a: { status: string }) => a.status === "done"));
  });
});

Deno.test("a failed action gives exit 3 and the other actions are still done", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "old-1", 10, now.getTime() - 40 * DAY);
    await writeSegmentedSession(
      root,
      "rotated",
      [
        { events: 10, compressed: true, mtime: now.getTime() - 45 * DAY },
        { events: 10, compressed: true, mtime: now.getTime() - 44 * DAY },
      ],
      5,
      now.getTime() - MINUTE,
    );
    await writeSession(root, "old-2", 10, now.getTime() - 50 * DAY);
    const plan = await planRetention({
      root,
      now,
      policy: { ...POLICY, keepLastN: 0 },
      home: null,
    });
    assert.deepEqual(summary(plan), [
      "delete-session old-2",
      "delete-session old-1",
      "delete-segment rotated/1",
    ]);
    // Between plan and apply the manifest becomes unreadable: that deletion cannot be done.
    await Deno.writeTextFile(join(segmentDir(root, "rotated"), "manifest.json"), "{ torn");
    const report = await applyRetention(plan);
    assert.deepEqual(report.actions.map((a) => a.status), ["done", "done", "failed"]);
    assert.match(report.actions[2].error!, /segment manifest/);
    assert.ok(!(await exists(join(root, "old-1.jsonl"))));
    assert.ok(!(await exists(join(root, "old-2.jsonl"))));
    assert.ok(await exists(join(segmentDir(root, "rotated"), "000001.jsonl.gz")));
    assert.equal(report.failed, 1);
    assert.ok(report.marker !== null, "the run still leaves its marker");

    // Through the CLI: a segment whose manifest entry disagrees with its file cannot be
    // compressed (exit 3), and the deletion beside it is still done.
    await writeSession(root, "old-3", 10, now.getTime() - 60 * DAY);
    await writeSegmentedSession(
      root,
      "odd",
      [
        { events: 10, compressed: false, mtime: now.getTime() - 20 * DAY },
      ],
      5,
      now.getTime() - 20 * DAY,
    );
    const manifest = (await readSegmentManifest(root, "odd"))!;
    manifest.segments[0].bytes += 1;
    await writeSegmentManifest(root, manifest);
    const io = memoryIo({ env: { HOME: "/nonexistent-home" } });
    const code = await runRetentionCommand(
      ["--log-dir", root, "--keep-last-n", "0", "--apply"],
      io,
    );
    assert.equal(code, 3);
    assert.match(io.stdout(), /Done:\n {2}deleted session old-3/);
    assert.match(
      io.stdout(),
      /Failed:\n {2}compress closed segment 1 of odd: .* manifest entry says/,
    );
    assert.ok(await exists(join(segmentDir(root, "odd"), "000001.jsonl")));
  });
});

Deno.test("a session written to between plan and apply is skipped, not deleted", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const path = await writeSession(root, "revived", 10, now.getTime() - 40 * DAY);
    const plan = await planRetention({
      root,
      now,
      policy: { ...POLICY, keepLastN: 0 },
      home: null,
    });
    assert.deepEqual(summary(plan), ["delete-session revived"]);
    await Deno.writeTextFile(path, sessionLines("revived", 1, 10), { append: true });
    const report = await applyRetention(plan);
    assert.equal(report.actions[0].status, "skipped");
    assert.match(report.actions[0].error!, /changed since the plan/);
    assert.ok(await exists(path));
    assert.equal(report.bytes_after, report.bytes_before);
  });
});

Deno.test("a second run while one holds the run lock changes nothing and fails", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const path = await writeSession(root, "old", 10, now.getTime() - 40 * DAY);
    const plan = await planRetention({
      root,
      now,
      policy: { ...POLICY, keepLastN: 0 },
      home: null,
    });
    const held = await Deno.open(join(root, RETENTION_LOCK_NAME), {
      read: true,
      write: true,
      create: true,
    });
    try {
      assert.equal(await held.tryLock(true), true);
      const report = await applyRetention(plan);
      assert.equal(report.failed, 1);
      assert.match(report.actions[0].error!, /another retention run/);
      assert.equal(report.marker, null);
      assert.ok(await exists(path));
    } finally {
      held.close();
    }
  });
});

Deno.test("a plan whose files lie outside their session is refused", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "old", 10, now.getTime() - 40 * DAY);
    const elsewhere = await writeSession(root, "other", 10, now.getTime());
    const plan = await planRetention({
      root,
      now,
      policy: { ...POLICY, keepLastN: 0 },
      home: null,
    });
    plan.actions[0].files.push({ path: "../../escape.jsonl", bytes: 1, mtime_ms: 0, ino: 1 });
    plan.actions[0].files.push({ path: "other.jsonl", bytes: 1, mtime_ms: 0, ino: 1 });
    const report = await applyRetention(plan);
    assert.equal(report.actions[0].status, "failed");
    assert.match(report.actions[0].error!, /outside its session/);
    assert.ok(await exists(elsewhere));
    assert.ok(await exists(join(root, "old.jsonl")));
  });
});

Deno.test("fleet: a session that `ship` started on after the plan is skipped as not shipped", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const path = await writeSession(root, "finished", 10, now.getTime() - 40 * DAY);
    const plan = await planRetention({
      root,
      now,
      policy: { ...POLICY, keepLastN: 0 },
      home: null,
    });
    assert.deepEqual(summary(plan), ["delete-session finished"]);
    // The shipper starts on this root between the plan and its application: nothing shipped yet.
    markShippedRootSync(root, "host-1", "PEAK_EXEC");
    const report = await applyRetention(plan);
    assert.equal(report.actions[0].status, "skipped");
    assert.match(report.actions[0].error!, /not shipped yet/);
    assert.ok(await exists(path));
  });
});
