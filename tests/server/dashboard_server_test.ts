import assert from "node:assert/strict";
import { DASHBOARD_LIMIT_DEFAULTS, startDashboardServer } from "../../server/dashboard_server.ts";
import { fitConnections, openFileLimit } from "../../server/fd_limit.ts";
import { FailureBudget } from "../../web/failure_budget.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { withLogDir } from "../routes/fixtures.ts";
import { clearSummaryCache } from "../../live/summary.ts";
import { keptSummaryWorkerEnded, summaryWorkerStats } from "../../live/summary_workers.ts";
import { writeSplitReadSession } from "../live/helpers.ts";

Deno.test("startDashboardServer refuses a token shorter than 16 characters before listening", async () => {
  await assert.rejects(
    startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs", token: "a" }),
    (err: Error) => err instanceof RangeError && /at least 16 characters/.test(err.message),
  );
});

Deno.test("startDashboardServer refuses a limit that is not a positive integer", async () => {
  for (const limit of [{ maxConnections: 0 }, { idleTimeoutMs: -1 }, { headerTimeoutMs: 1.5 }]) {
    await assert.rejects(
      startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs", ...limit }),
      RangeError,
      JSON.stringify(limit),
    );
  }
});

Deno.test("without limit options the server runs with the documented defaults", async () => {
  await withLogDir(async (dir) => {
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    try {
      const { maxConnections, ...rest } = server.limits;
      assert.deepEqual(rest, DASHBOARD_LIMIT_DEFAULTS);
      assert.equal(maxConnections, fitConnections().maxConnections);
      assert.deepEqual(server.warnings, []);
      const res = await fetch(new URL("/healthz", server.url));
      assert.equal(res.status, 200);
      await res.body?.cancel();
    } finally {
      await server.shutdown();
    }
    await server.finished;
  });
});

Deno.test("the default connection limit fits the open-file limit, between 1 and 1024", () => {
  const { maxConnections: max, warning } = fitConnections();
  assert.ok(max >= 1 && max <= 1024, String(max));
  assert.equal(warning, null, "this machine's limit allows 16 connections or more");
  const limit = openFileLimit();
  if (limit !== null && limit < 4096) assert.ok(max * 4 < limit, `${max} × 4 < ${limit}`);
});

Deno.test("a connection limit the open-file limit cannot hold is lowered, with a warning", async () => {
  const limit = openFileLimit();
  assert.ok(limit !== null, "/proc/self/limits is readable here");
  const asked = limit * 2;
  await withLogDir(async (dir) => {
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      maxConnections: asked,
    });
    try {
      assert.ok(server.limits.maxConnections * 4 < limit, String(server.limits.maxConnections));
      assert.equal(server.warnings.length, 1);
      assert.match(
        server.warnings[0],
        new RegExp(`a limit of ${asked} connections does not fit the open-file limit of ${limit} `),
      );
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("over HTTP, wrong bearer tokens are slowed down per client address", async () => {
  await withLogDir(async (dir) => {
    const token = "correct-horse-battery-staple";
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      token,
      // A frozen clock: the lockout cannot run out between two requests, however slow the machine.
      authFailures: new FailureBudget({ now: () => 0 }),
      refusals: new RefusalLog({ write: () => {} }),
    });
    try {
      const statuses: number[] = [];
      const guesses = ["a", "b", "c", "d", "e", "f"].map((g) => `${g}-0123456789abcdef`);
      for (const guess of [...guesses, token]) {
        const res = await fetch(new URL("/api/live/sessions", server.url), {
          headers: { authorization: `Bearer ${guess}` },
        });
        statuses.push(res.status);
        if (res.status === 429) assert.equal(res.headers.get("retry-after"), "1");
        await res.body?.cancel();
      }
      // Five free failures, the sixth starts a 1 s lockout, and then even the right token is not
      // checked (no oracle for a guesser).
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429]);
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("the server keeps the cold summary's worker warm while it runs, and ends it at shutdown", async () => {
  await withLogDir(async (dir) => {
    await writeSplitReadSession(dir);
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    try {
      assert.equal(summaryWorkerStats().idleMs, 30_000, "held while serving");
      const before = summaryWorkerStats();
      for (let i = 0; i < 2; i++) {
        clearSummaryCache();
        const res = await fetch(new URL("/api/live/execution/big/summary", server.url));
        assert.equal(res.status, 200);
        assert.equal((await res.json()).event_count, 200_000);
      }
      const after = summaryWorkerStats();
      assert.equal(after.started - before.started, 1);
      assert.equal(after.reused - before.reused, 1);
      assert.equal(after.kept, true);
    } finally {
      await server.shutdown();
    }
    await server.finished;
    await keptSummaryWorkerEnded();
    assert.deepEqual(
      { kept: summaryWorkerStats().kept, idleMs: summaryWorkerStats().idleMs },
      { kept: false, idleMs: null },
    );
  });
});
