// The alert routes: the real store, and POST actions that need the token and a same-origin request.
import assert from "node:assert/strict";
import { runAlerts } from "../../../../ops/alert_engine.ts";
import { defaultAlertsSettings } from "../../../../execution/alerts_config.ts";
import { defaultHealthSettings } from "../../../../execution/health_config.ts";
import { AlertStore } from "../../../../ops/alert_store.ts";
import { decisions, errorEvent, withRoot, writeSession } from "../../../ops/helpers.ts";
import { formPost, telemetryApp } from "../../telemetry_fixtures.ts";

/** Fire rejection_rate_high (warn) and execution_errors (critical) in `root`. */
async function fire(root: string): Promise<void> {
  await writeSession(root, "s", decisions("s", Date.now(), 50, 15) + errorEvent("s", Date.now()));
  await runAlerts({
    root,
    alerts: defaultAlertsSettings(),
    health: defaultHealthSettings(),
    console: () => {},
    measureFree: () => Promise.resolve({ space: null, problem: "" }),
  });
}

Deno.test("latest answers the store's notifications, newest first, with the alerts firing", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const res = await telemetryApp(root).request("/api/telemetry/alerts/latest");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.count, 2);
    assert.deepEqual(body.alerts.map((a: { severity: string }) => a.severity).sort(), [
      "critical",
      "warn",
    ]);
    assert.equal(body.alerts[0].delivery_status, "sent");
    assert.deepEqual(body.firing.map((a: { rule: string }) => a.rule), [
      "execution_errors",
      "rejection_rate_high",
    ]);
    assert.deepEqual(body.filters, { limit: 50, severity: null });
    const critical = await (await telemetryApp(root).request(
      "/api/telemetry/alerts/latest?severity=critical&limit=1",
    )).json();
    assert.deepEqual(critical.alerts.map((a: { rule_id: string }) => a.rule_id), [
      "execution_errors",
    ]);
  });
});

Deno.test("latest refuses a limit outside 1 to 500 and an unknown severity", async () => {
  await withRoot(async (root) => {
    const app = telemetryApp(root);
    for (
      const [query, code] of [["limit=0", "invalid_limit"], ["limit=501", "invalid_limit"], [
        "severity=page",
        "invalid_severity",
      ]]
    ) {
      const res = await app.request(`/api/telemetry/alerts/latest?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).error, code);
    }
  });
});

Deno.test("a form ack from the console is recorded and redirects back with a notice", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const res = await telemetryApp(root).request(
      formPost("/api/telemetry/alerts/ack", { dedupe_key: "rejection_rate_high", ttl: "2h" }),
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/live/telemetry?notice=acked#alerts");
    const { items } = await new AlertStore(root).readOperator();
    assert.deepEqual(items.map((e) => e.type === "ack" && e.dedupe_key), ["rejection_rate_high"]);
  });
});

Deno.test("a script acks and snoozes with JSON and gets JSON back", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const app = telemetryApp(root);
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ack = await post("/api/telemetry/alerts/ack", { dedupe_key: "execution_errors" });
    assert.equal(ack.status, 200);
    assert.equal((await ack.json()).ack.expires_at, null);
    const snooze = await post("/api/telemetry/alerts/snooze", {
      rule: "session_stale",
      ttl: "30m",
    });
    assert.equal(snooze.status, 200);
    const unsnooze = await post("/api/telemetry/alerts/unsnooze", { rule: "session_stale" });
    assert.deepEqual(await unsnooze.json(), { ok: true, rule_id: "session_stale", removed: true });
    const missing = await post("/api/telemetry/alerts/snooze", { rule: "session_stale" });
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).error, "invalid_ttl");
    const notFiring = await post("/api/telemetry/alerts/ack", { dedupe_key: "session_stale" });
    assert.equal(notFiring.status, 404);
    assert.equal((await notFiring.json()).error, "not_firing");
    const unknown = await post("/api/telemetry/alerts/snooze", { rule: "nope", ttl: "1h" });
    assert.equal(unknown.status, 400);
  });
});

Deno.test("a cross-site post is refused (a loopback dashboard without a token included)", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const app = telemetryApp(root);
    const cases: Array<Record<string, string>> = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: "http://localhost" },
    ];
    for (const headers of cases) {
      const res = await app.request(
        formPost("/api/telemetry/alerts/snooze", { rule: "session_stale", ttl: "30m" }, headers),
      );
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal((await res.json()).error, "cross_origin_refused");
    }
    assert.equal((await new AlertStore(root).readOperator()).items.length, 0, "nothing recorded");
  });
});

Deno.test("with a token set, acting needs it", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const app = telemetryApp(root, "", "s3cret-token");
    const refused = await app.request(
      formPost("/api/telemetry/alerts/ack", { dedupe_key: "rejection_rate_high" }, {
        accept: "application/json",
      }),
    );
    assert.equal(refused.status, 401);
    const allowed = await app.request(
      formPost("/api/telemetry/alerts/ack", { dedupe_key: "rejection_rate_high" }, {
        accept: "application/json",
        authorization: "Bearer s3cret-token",
      }),
    );
    assert.equal(allowed.status, 200);
  });
});

Deno.test("an oversized or unsupported body is refused", async () => {
  await withRoot(async (root) => {
    const app = telemetryApp(root);
    const big = await app.request("/api/telemetry/alerts/snooze", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "rule=" + "x".repeat(10_000),
    });
    assert.equal(big.status, 413);
    const text = await app.request("/api/telemetry/alerts/snooze", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "rule=session_stale",
    });
    assert.equal(text.status, 415);
  });
});
