// Symbolic links are never followed, removed or written through, wherever they are planted.
import assert from "node:assert/strict";
import { join } from "node:path";
import { applyRetention } from "../../../ops/retention/apply.ts";
import { planRetention } from "../../../ops/retention/plan.ts";
import {
  DAY,
  exists,
  hashTree,
  planTime,
  withRoot,
  writeSegmentedSession,
  writeSession,
} from "./helpers.ts";

const AGGRESSIVE = {
  maxAgeDays: 1,
  keepLastN: 0,
  maxTotalMb: 1 / (1024 * 1024),
  compressAfterDays: 1,
};

/** A directory outside the log root holding a file retention must never touch. */
async function withOutside<T>(fn: (outside: string, victim: string) => Promise<T>): Promise<T> {
  const outside = await Deno.makeTempDir({ prefix: "retention_outside_" });
  try {
    const victim = join(outside, "victim.jsonl");
    await Deno.writeTextFile(victim, '{"ts": "2020-01-01T00:00:00Z", "kind": "intent"}\n');
    await Deno.utime(victim, new Date(0), new Date(0));
    return await fn(outside, victim);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
}

Deno.test("a session file that is a symbolic link is left alone, and so is its target", async () => {
  await withOutside(async (outside, victim) => {
    await withRoot(async (root) => {
      const now = planTime();
      await Deno.symlink(victim, join(root, "linked.jsonl"));
      await writeSession(root, "plain", 10, now.getTime() - 100 * DAY);
      const before = await hashTree(outside);
      const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
      assert.deepEqual(plan.actions.map((a) => a.session_id), ["plain"]);
      const linked = plan.sessions.find((s) => s.session_id === "linked")!;
      assert.equal(linked.outcome, "skip");
      assert.match(linked.note, /symbolic link/);
      const report = await applyRetention(plan);
      assert.equal(report.failed, 0);
      assert.equal(await hashTree(outside), before);
      assert.ok(await exists(join(root, "linked.jsonl")));
      assert.ok(!(await exists(join(root, "plain.jsonl"))));
    });
  });
});

Deno.test("a session's segment directory that is a symbolic link skips the session", async () => {
  await withOutside(async (outside) => {
    await withRoot(async (root) => {
      const now = planTime();
      await writeSession(root, "s", 10, now.getTime() - 100 * DAY);
      await Deno.mkdir(join(root, ".segments"));
      await Deno.symlink(outside, join(root, ".segments", "s"));
      const before = await hashTree(outside);
      const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
      assert.deepEqual(plan.actions, []);
      assert.match(plan.sessions[0].note, /\.segments\/s is a symbolic link/);
      await applyRetention(plan);
      assert.equal(await hashTree(outside), before);
      assert.ok(await exists(join(root, "s.jsonl")));
    });
  });
});

Deno.test("a .segments that is a symbolic link stops every session and is a problem", async () => {
  await withOutside(async (outside) => {
    await withRoot(async (root) => {
      const now = planTime();
      await writeSession(root, "s", 10, now.getTime() - 100 * DAY);
      await Deno.symlink(outside, join(root, ".segments"));
      const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
      assert.deepEqual(plan.actions, []);
      assert.match(plan.problems.join("\n"), /\.segments is a symbolic link/);
      assert.equal(plan.sessions[0].outcome, "skip");
    });
  });
});

Deno.test("a link inside a segment directory skips that session", async () => {
  await withOutside(async (_outside, victim) => {
    await withRoot(async (root) => {
      const now = planTime();
      await writeSegmentedSession(
        root,
        "s",
        [
          { events: 10, compressed: true, mtime: now.getTime() - 100 * DAY },
          { events: 10, compressed: true, mtime: now.getTime() - 100 * DAY },
        ],
        5,
        now.getTime() - 100 * DAY,
      );
      await Deno.symlink(victim, join(root, ".segments", "s", "000003.jsonl"));
      const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
      assert.deepEqual(plan.actions, []);
      assert.match(plan.sessions[0].note, /000003\.jsonl is a symbolic link/);
    });
  });
});

Deno.test("a root reached through a symbolic link component works on the real directory only", async () => {
  await withRoot(async (dir) => {
    const now = planTime();
    const real = join(dir, "real");
    await Deno.mkdir(real);
    await Deno.symlink(real, join(dir, "via"));
    await writeSession(real, "old", 10, now.getTime() - 100 * DAY);
    const plan = await planRetention({
      root: join(dir, "via"),
      now,
      policy: AGGRESSIVE,
      home: null,
    });
    assert.equal(plan.root_real_path, await Deno.realPath(real));
    assert.deepEqual(plan.actions.map((a) => a.kind), ["delete-session"]);
    const report = await applyRetention(plan);
    assert.equal(report.done, 1);
    assert.ok(!(await exists(join(real, "old.jsonl"))));
    assert.ok(await exists(join(dir, "via")), "the link itself stays");
  });
});

Deno.test("a file that is not execution telemetry is never deleted", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const foreign = join(root, "notes.jsonl");
    await Deno.writeTextFile(foreign, '{"title": "my notes"}\n');
    await Deno.utime(foreign, new Date(0), new Date(0));
    const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
    assert.deepEqual(plan.actions, []);
    assert.match(plan.sessions[0].note, /does not start with an execution event/);
  });
});
