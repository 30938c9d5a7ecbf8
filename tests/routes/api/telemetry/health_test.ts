import assert from "node:assert/strict";
import { decisions, withRoot, writeSession } from "../../../ops/helpers.ts";
import { telemetryApp } from "../../telemetry_fixtures.ts";

Deno.test("GET /api/telemetry/health answers the report of the server's own log root", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "spike", decisions("spike", Date.now(), 50, 20));
    const res = await telemetryApp(root).request("/api/telemetry/health");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const report = await res.json();
    assert.deepEqual(Object.keys(report), ["timestamp", "status", "exit_code", "checks"]);
    assert.deepEqual([report.status, report.exit_code], ["warn", 2]);
    const rejection = report.checks.find((c: { name: string }) => c.name === "rejection_rate");
    assert.deepEqual([rejection.status, rejection.value], ["warn", 40]);
  });
});

Deno.test("a root or snapshots_path parameter is refused with 400 and nothing is read there", async () => {
  await withRoot(async (root) => {
    const app = telemetryApp(root);
    for (
      const path of [
        "/api/telemetry/health?root=/etc",
        "/api/telemetry/health?root=",
        "/api/telemetry/health?snapshots_path=/etc/passwd",
        "/api/telemetry/health/trends?snapshots_path=/etc/passwd",
        "/api/telemetry/health/trends?days=7&root=/",
        "/api/telemetry/alerts/latest?root=/",
      ]
    ) {
      const res = await app.request(path);
      assert.equal(res.status, 400, path);
      const body = await res.json();
      assert.match(body.error, /^(root|snapshots_path)_not_allowed$/, path);
      assert.match(body.detail, /reads only its own log root/);
    }
  });
});
