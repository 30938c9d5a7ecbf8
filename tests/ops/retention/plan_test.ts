import assert from "node:assert/strict";
import { join } from "node:path";
import { planRetention, type RetentionPlan } from "../../../ops/retention/plan.ts";
import type { RetentionPolicy } from "../../../ops/retention/policy.ts";
import {
  markShippedRootSync,
  writeShipCheckpointSync,
} from "../../../execution/fleet/ship_checkpoint.ts";
import { START_LINE_KEY } from "../../../execution/fleet/line_key.ts";
import { readSessionLayoutSync } from "../../../execution/telemetry/segments.ts";
import {
  DAY,
  MINUTE,
  planTime,
  setMtime,
  withRoot,
  writeSegmentedSession,
  writeSession,
} from "./helpers.ts";

/** Only the rule under test is on: the others are off unless `policy` turns them on. */
const RULES_OFF: Partial<RetentionPolicy> = {
  maxAgeDays: 0,
  keepLastN: 0,
  maxTotalMb: 0,
  compressAfterDays: 0,
};

function plan(root: string, now: Date, policy: Partial<RetentionPolicy>): Promise<RetentionPlan> {
  return planRetention({ root, now, policy: { ...RULES_OFF, ...policy }, home: null });
}

/** `kind session[/segment]` of each action, in plan order. */
function actionsOf(p: RetentionPlan): string[] {
  return p.actions.map((a) =>
    `${a.kind} ${a.session_id}${a.segment_index === null ? "" : `/${a.segment_index}`}`
  );
}

Deno.test("age: a session exactly max_age_days old is kept, one a second older is deleted", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "at-limit", 10, now.getTime() - 30 * DAY);
    await writeSession(root, "past-limit", 10, now.getTime() - 30 * DAY - 1000);
    const p = await plan(root, now, { maxAgeDays: 30 });
    assert.deepEqual(actionsOf(p), ["delete-session past-limit"]);
    assert.equal(p.actions[0].rule, "age");
    assert.match(p.actions[0].reason, /last modified 30\.0 days ago, older than max_age_days 30/);
  });
});

Deno.test("age: max_age_days 0 deletes nothing by age", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "ancient", 10, now.getTime() - 3000 * DAY);
    assert.deepEqual(actionsOf(await plan(root, now, { maxAgeDays: 0 })), []);
  });
});

Deno.test("keep_last_n protects the newest sessions from the age rule, and only them", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    for (const [sid, age] of [["s1", 40], ["s2", 50], ["s3", 60]] as const) {
      await writeSession(root, sid, 5, now.getTime() - age * DAY);
    }
    assert.deepEqual(actionsOf(await plan(root, now, { maxAgeDays: 30, keepLastN: 2 })), [
      "delete-session s3",
    ]);
    assert.deepEqual(actionsOf(await plan(root, now, { maxAgeDays: 30, keepLastN: 3 })), []);
    const none = await plan(root, now, { maxAgeDays: 30, keepLastN: 0 });
    assert.deepEqual(actionsOf(none).sort(), [
      "delete-session s1",
      "delete-session s2",
      "delete-session s3",
    ]);
    const protectedRanks = (await plan(root, now, { keepLastN: 2 })).sessions
      .map((s) => [s.session_id, s.protected_rank]);
    assert.deepEqual(protectedRanks, [["s1", 1], ["s2", 2], ["s3", null]]);
  });
});

Deno.test("a session modified within the grace period is live and never deleted whole", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "recent", 100, now.getTime() - 59 * MINUTE);
    await writeSession(root, "idle", 100, now.getTime() - 61 * MINUTE);
    // A limit of one byte: the size rule would delete anything it may.
    const p = await plan(root, now, { maxTotalMb: 1 / (1024 * 1024), activeGraceMinutes: 60 });
    assert.deepEqual(actionsOf(p), ["delete-session idle"]);
    const recent = p.sessions.find((s) => s.session_id === "recent")!;
    assert.match(recent.live!, /modified 59 min ago, within active_grace_minutes 60/);
    assert.match(p.notes.join("\n"), /stays at .* above max_total_mb/);
  });
});

Deno.test("a session modified in the future counts as live", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "skewed", 10, now.getTime() + 10 * DAY);
    const p = await plan(root, now, { maxTotalMb: 1 / (1024 * 1024) });
    assert.deepEqual(actionsOf(p), []);
    assert.match(p.sessions[0].live!, /future/);
  });
});

Deno.test("compression: exactly compress_after_days old stays plain, older is compressed", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "at-limit", 200, now.getTime() - 7 * DAY);
    await writeSession(root, "past-limit", 200, now.getTime() - 7 * DAY - 1000);
    const p = await plan(root, now, { compressAfterDays: 7 });
    assert.deepEqual(actionsOf(p), ["compress-session past-limit"]);
    const a = p.actions[0];
    assert.equal(a.bytes_after_estimated, true);
    assert.ok(a.bytes_after > 0 && a.bytes_after < a.bytes_before / 3, `${a.bytes_after}`);
    assert.equal(a.bytes_before, (await Deno.stat(join(root, "past-limit.jsonl"))).size);
    assert.equal(p.bytes_after_estimated, true);
    assert.equal(p.bytes_after, p.bytes_before - a.bytes_before + a.bytes_after);
  });
});

Deno.test("compression: --protect-keep-last keeps the newest sessions plain", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "newer", 50, now.getTime() - 10 * DAY);
    await writeSession(root, "older", 50, now.getTime() - 20 * DAY);
    const policy = { compressAfterDays: 7, keepLastN: 1 };
    assert.deepEqual(actionsOf(await plan(root, now, policy)).sort(), [
      "compress-session newer",
      "compress-session older",
    ]);
    assert.deepEqual(actionsOf(await plan(root, now, { ...policy, protectKeepLast: true })), [
      "compress-session older",
    ]);
  });
});

Deno.test("compression: a deleted session is not compressed, and an empty file is left alone", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "old", 50, now.getTime() - 40 * DAY);
    const empty = join(root, "empty.jsonl");
    await Deno.writeTextFile(empty, "");
    await setMtime(empty, now.getTime() - 20 * DAY);
    assert.deepEqual(actionsOf(await plan(root, now, { maxAgeDays: 30, compressAfterDays: 7 })), [
      "delete-session old",
    ]);
  });
});

Deno.test("size: the oldest unprotected sessions go until the total fits, with real byte counts", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const sizes: Record<string, number> = {};
    for (const [sid, age] of [["a", 10], ["b", 20], ["c", 30], ["d", 40]] as const) {
      const path = await writeSession(root, sid, 400, now.getTime() - age * DAY);
      sizes[sid] = (await Deno.stat(path)).size;
    }
    const total = Object.values(sizes).reduce((x, y) => x + y, 0);
    // Room for exactly two sessions: the two oldest go.
    const limitMb = (sizes.a + sizes.b) / (1024 * 1024);
    const p = await plan(root, now, { maxTotalMb: limitMb });
    assert.deepEqual(actionsOf(p), ["delete-session d", "delete-session c"]);
    assert.equal(p.bytes_before, total);
    // Each deletion subtracted once (the original subtracted it twice and could go negative).
    assert.equal(p.bytes_after, sizes.a + sizes.b);
    assert.equal(p.bytes_after_estimated, false);
    assert.match(p.actions[0].reason, /is above max_total_mb/);
    // Exactly at the limit: nothing to do.
    const fits = await plan(root, now, { maxTotalMb: total / (1024 * 1024) });
    assert.deepEqual(actionsOf(fits), []);
  });
});

Deno.test("size: protected sessions stay, and the plan says the total stays above the limit", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "a", 400, now.getTime() - 10 * DAY);
    await writeSession(root, "b", 400, now.getTime() - 20 * DAY);
    const p = await plan(root, now, { maxTotalMb: 1 / 1024, keepLastN: 1 });
    assert.deepEqual(actionsOf(p), ["delete-session b"]);
    assert.match(p.notes.join("\n"), /stays at .* above max_total_mb/);
  });
});

Deno.test("size: estimated compression counts toward the limit, so fewer sessions are deleted", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const sizes: number[] = [];
    for (const [sid, age] of [["a", 10], ["b", 20], ["c", 30]] as const) {
      sizes.push(
        (await Deno.stat(await writeSession(root, sid, 2000, now.getTime() - age * DAY))).size,
      );
    }
    // Without compression two sessions would have to go; compressed (about a tenth) they all fit.
    const limitMb = sizes[0] * 1.5 / (1024 * 1024);
    const p = await plan(root, now, { maxTotalMb: limitMb, compressAfterDays: 7 });
    assert.deepEqual(actionsOf(p).sort(), [
      "compress-session a",
      "compress-session b",
      "compress-session c",
    ]);
  });
});

Deno.test("segments: old closed segments age out oldest first, never the newest closed one", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const old = now.getTime() - 40 * DAY;
    await writeSegmentedSession(
      root,
      "long",
      [
        { events: 20, compressed: true, mtime: old - 2 * DAY },
        { events: 20, compressed: true, mtime: old - DAY },
        { events: 20, compressed: true, mtime: now.getTime() - 10 * DAY },
        { events: 20, compressed: true, mtime: old }, // old again, but after a young one: kept
        { events: 20, compressed: true, mtime: old }, // the newest closed segment: the anchor
      ],
      10,
      now.getTime() - MINUTE,
    );
    const p = await plan(root, now, { maxAgeDays: 30 });
    assert.deepEqual(actionsOf(p), ["delete-segment long/1", "delete-segment long/2"]);
    assert.ok(p.actions.every((a) => a.files.every((f) => f.path.startsWith(".segments/long/"))));
    assert.match(p.sessions[0].note, /2 closed segment\(s\) deleted; live/);
  });
});

Deno.test("segments: the size rule takes the oldest data first, across sessions and segments", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSegmentedSession(
      root,
      "live",
      [
        { events: 300, compressed: false, mtime: now.getTime() - 5 * DAY },
        { events: 300, compressed: false, mtime: now.getTime() - 3 * DAY },
        { events: 300, compressed: false, mtime: now.getTime() - 2 * DAY },
      ],
      10,
      now.getTime(),
    );
    await writeSession(root, "finished", 300, now.getTime() - 4 * DAY);
    const p = await plan(root, now, { maxTotalMb: 1 / 1024 });
    // Oldest first: segment 1 (5 days), the finished session (4 days), segment 2 (3 days);
    // segment 3 anchors the live session's offsets and its active file is being written.
    assert.deepEqual(actionsOf(p), [
      "delete-segment live/1",
      "delete-session finished",
      "delete-segment live/2",
    ]);
  });
});

Deno.test("a finished rotated session gets its plain closed segments compressed, not an archive", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSegmentedSession(
      root,
      "rotated",
      [
        { events: 200, compressed: false, mtime: now.getTime() - 12 * DAY },
        { events: 200, compressed: true, mtime: now.getTime() - 11 * DAY },
      ],
      10,
      now.getTime() - 10 * DAY,
    );
    assert.deepEqual(actionsOf(await plan(root, now, { compressAfterDays: 7 })), [
      "compress-segment rotated/1",
    ]);
  });
});

Deno.test("a disabled policy plans nothing, and a missing root is no logs", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "old", 10, now.getTime() - 100 * DAY);
    const disabled = await plan(root, now, { enabled: false, maxAgeDays: 30 });
    assert.deepEqual(actionsOf(disabled), []);
    assert.match(disabled.notes[0], /disabled/);
    const missing = await plan(join(root, "nothing-here"), now, { maxAgeDays: 30 });
    assert.equal(missing.root_exists, false);
    assert.deepEqual(actionsOf(missing), []);
    assert.match(missing.notes[0], /does not exist: no logs/);
  });
});

Deno.test("a bad policy is a RangeError naming the field", async () => {
  await withRoot(async (root) => {
    await assert.rejects(
      planRetention({ root, policy: { keepLastN: 1.5 }, home: null }),
      /keepLastN: expected a whole number, got 1\.5/,
    );
    await assert.rejects(
      planRetention({ root, policy: { maxAgeDays: -1 }, home: null }),
      /maxAgeDays: expected a number ≥ 0, got -1/,
    );
  });
});

/** Mark `root` shipped (as `ship` does when it starts) and record `offset` bytes of `sid` shipped. */
function shippedUpTo(root: string, sid: string, offset: number): void {
  markShippedRootSync(root, "host-1", "PEAK_EXEC");
  writeShipCheckpointSync(root, {
    session_id: sid,
    host_id: "host-1",
    stream: "PEAK_EXEC",
    offset,
    last_key: START_LINE_KEY,
    lines: 0,
    updated_at: new Date().toISOString(),
  });
}

Deno.test("fleet: in a shipped root, segments and sessions not shipped yet are kept", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const old = now.getTime() - 40 * DAY;
    await writeSegmentedSession(
      root,
      "long",
      [
        { events: 20, compressed: true, mtime: old - 2 * DAY },
        { events: 20, compressed: true, mtime: old - DAY },
        { events: 20, compressed: true, mtime: old }, // the anchor
      ],
      10,
      now.getTime() - MINUTE,
    );
    await writeSession(root, "finished", 10, old);
    const layout = readSessionLayoutSync(root, "long");
    const first = layout.segments[0];
    // Only segment 1 was acknowledged by JetStream; "finished" not at all.
    shippedUpTo(root, "long", first.start_offset + first.bytes);
    const p = await plan(root, now, { maxAgeDays: 30 });
    assert.deepEqual(actionsOf(p), ["delete-segment long/1"]);
    assert.ok(
      p.notes.some((n) => /^finished: kept what is not shipped yet/.test(n)),
      p.notes.join(),
    );
    assert.ok(p.notes.some((n) => /^long: kept what is not shipped yet/.test(n)), p.notes.join());
  });
});

Deno.test("fleet: a root that is not shipped is not held back", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    await writeSession(root, "finished", 10, now.getTime() - 40 * DAY);
    assert.deepEqual(actionsOf(await plan(root, now, { maxAgeDays: 30 })), [
      "delete-session finished",
    ]);
  });
});
