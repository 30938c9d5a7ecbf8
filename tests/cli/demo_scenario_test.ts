import assert from "node:assert/strict";
import { runDemoScenario } from "../../cli/demo_scenario.ts";
import { memoryIo } from "../../cli/io.ts";
import { readEvents } from "./helpers.ts";
import { withTempDir } from "../live/helpers.ts";

Deno.test("runDemoScenario returns the session, its path and one result per order", async () => {
  await withTempDir(async (dir) => {
    const io = memoryIo();
    const outcome = await runDemoScenario({ logDir: dir, sessionId: "demo-api", io, quiet: true });
    assert.equal(outcome.sessionId, "demo-api");
    assert.equal(outcome.path, `${dir}/demo-api.jsonl`);
    assert.ok(outcome.results.length >= 12);
    const statuses = new Set(outcome.results.map((r) => r.status));
    for (const s of ["filled", "blocked", "planned", "noop"]) {
      assert.ok(statuses.has(s as never), s);
    }
    assert.equal(io.stdout(), "");
    const events = await readEvents(outcome.path);
    const gateEvents = events.filter((e) => e.kind === "gate").length;
    const decisions = outcome.results.reduce((n, r) => n + r.gateDecisions.length, 0);
    assert.equal(gateEvents, decisions, "the file holds every gate decision");
  });
});

Deno.test("runDemoScenario refuses an invalid session id and creates nothing", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      runDemoScenario({
        logDir: `${dir}/root`,
        sessionId: "../escape",
        io: memoryIo(),
        quiet: true,
      }),
      /invalid session id/,
    );
    await assert.rejects(Deno.stat(`${dir}/root`), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${dir}/escape.jsonl`), Deno.errors.NotFound);
  });
});
