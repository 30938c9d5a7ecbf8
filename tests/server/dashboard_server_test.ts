import assert from "node:assert/strict";
import { DASHBOARD_LIMIT_DEFAULTS, startDashboardServer } from "../../server/dashboard_server.ts";
import { defaultMaxConnections, openFileLimit } from "../../server/fd_limit.ts";
import { withLogDir } from "../routes/fixtures.ts";

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
      assert.equal(maxConnections, defaultMaxConnections());
      const res = await fetch(new URL("/healthz", server.url));
      assert.equal(res.status, 200);
      await res.body?.cancel();
    } finally {
      await server.shutdown();
    }
    await server.finished;
  });
});

Deno.test("the default connection limit fits the open-file limit, between 16 and 1024", () => {
  const max = defaultMaxConnections();
  assert.ok(max >= 16 && max <= 1024, String(max));
  const limit = openFileLimit();
  if (limit !== null && limit < 4096) assert.ok(max * 4 < limit, `${max} × 4 < ${limit}`);
});
