// The active-segment guard, with real processes: a session whose active file a writer holds
// locked, or that a writer wrote to within the grace period, is never deleted or compressed
// whole, and its closed segments are only touched under its lock.
import assert from "node:assert/strict";
import { join } from "node:path";
import { applyRetention } from "../../../ops/retention/apply.ts";
import { planRetention } from "../../../ops/retention/plan.ts";
import { waitForLine } from "../../execution/telemetry/fixtures.ts";
import {
  DAY,
  exists,
  hashTree,
  planTime,
  setMtime,
  withRoot,
  writeSegmentedSession,
} from "./helpers.ts";

const AGGRESSIVE = {
  maxAgeDays: 1,
  keepLastN: 0,
  maxTotalMb: 1 / (1024 * 1024),
  compressAfterDays: 1,
};

/** Start a writer process (see `writer_process.ts`); `finish()` closes its stdin and waits. */
async function startWriter(args: string[]): Promise<{ finish(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("./writer_process.ts", import.meta.url).pathname, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    await waitForLine(child, "ready");
  } catch (err) {
    child.kill();
    await child.status;
    throw err;
  }
  let finished = false;
  return {
    async finish() {
      if (finished) return;
      finished = true;
      await child.stdin.close();
      const status = await child.status;
      await child.stdout.cancel().catch(() => {});
      assert.equal(status.code, 0);
    },
  };
}

Deno.test("a session whose active file a writer process holds locked is live, however old it looks", async () => {
  await withRoot(async (root) => {
    const now = planTime();
    const old = now.getTime() - 40 * DAY;
    await writeSegmentedSession(
      root,
      "held",
      [
        { events: 10, compressed: true, mtime: old },
        { events: 10, compressed: true, mtime: old },
      ],
      5,
      old,
    );
    const active = join(root, "held.jsonl");
    const writer = await startWriter(["hold-lock", active]);
    try {
      await setMtime(active, old); // opening for append changed nothing, but be sure
      const before = await hashTree(root);
      const plan = await planRetention({ root, now, policy: AGGRESSIVE, home: null });
      assert.equal(plan.sessions[0].live, "a writer holds the lock on its active file");
      // Never deleted or compressed whole; the old closed segment may go, under the lock only.
      assert.deepEqual(plan.actions.map((a) => `${a.kind} ${a.segment_index}`), [
        "delete-segment 1",
      ]);
      const report = await applyRetention(plan, { lockAttempts: 2 });
      assert.equal(report.actions[0].status, "skipped");
      assert.match(report.actions[0].error!, /a writer kept the session's lock/);
      const marker = join(root, ".last_retention_run");
      await Deno.remove(marker);
      await Deno.remove(join(root, ".retention.lock"));
      assert.equal(await hashTree(root), before, "nothing of the session changed");

      // Once the writer lets go, the same run deletes the segment.
      await writer.finish();
      const after = await applyRetention(plan);
      assert.equal(after.actions[0].status, "done");
      assert.ok(!(await exists(join(root, ".segments", "held", "000001.jsonl.gz"))));
      assert.ok(await exists(active));
    } finally {
      await writer.finish();
    }
  });
});

Deno.test("a session a writer process has open is live by the grace period, and its writer loses nothing", async () => {
  await withRoot(async (root) => {
    const writer = await startWriter(["write", root, "running"]);
    const path = join(root, "running.jsonl");
    try {
      const bytes = await Deno.readFile(path);
      const plan = await planRetention({ root, policy: AGGRESSIVE, home: null });
      assert.match(plan.sessions[0].live!, /within active_grace_minutes 60/);
      assert.deepEqual(plan.actions, []);
      assert.match(plan.notes.join("\n"), /live sessions/);
      const report = await applyRetention(plan);
      assert.equal(report.done + report.failed + report.skipped, 0);
      assert.deepEqual(await Deno.readFile(path), bytes);
    } finally {
      await writer.finish();
    }
    // The writer went on in the same file: all 200 events, once each.
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).seq),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });
});
