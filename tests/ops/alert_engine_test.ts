// One evaluation end to end: webhook deliveries that fail are recorded, kept and retried on a
// later run; a slow webhook never holds the state lock.
import assert from "node:assert/strict";
import { type AlertsSettings, defaultAlertsSettings } from "../../execution/alerts_config.ts";
import { defaultHealthSettings } from "../../execution/health_config.ts";
import { runAlerts } from "../../ops/alert_engine.ts";
import { queryHistory } from "../../ops/alert_history.ts";
import { AlertStore } from "../../ops/alert_store.ts";
import { acknowledge } from "../../ops/operator_actions.ts";
import { errorEvent, MINUTE, withRoot, writeSession } from "./helpers.ts";

function settings(url: string): AlertsSettings {
  const s = defaultAlertsSettings();
  s.webhook = { ...s.webhook, enabled: true, url, retries: 0, timeout: 5_000 };
  return s;
}

const unknownSpace = () => Promise.resolve({ space: null, problem: "not measured in tests" });

Deno.test("a failed webhook delivery is recorded, kept, and delivered by a later run", async () => {
  let answer = 500;
  const received: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    received.push(JSON.parse(await req.text()).rule_id);
    return new Response(null, { status: answer });
  });
  try {
    await withRoot(async (root) => {
      await writeSession(root, "broken", errorEvent("broken", Date.now()));
      const alerts = settings(`http://127.0.0.1:${server.addr.port}/hook`);
      const t = Date.now();
      const first = await runAlerts({
        root,
        alerts,
        health: defaultHealthSettings(),
        console: () => {},
        now: () => t,
        measureFree: unknownSpace,
      });
      assert.equal(first.exitCode, 2, "a critical alert fired (that wins over the failure)");
      assert.deepEqual(
        first.deliveries.map((d) => [d.sink, d.status]).sort(),
        [["console", "sent"], ["webhook", "failed"]],
      );
      const { items } = await new AlertStore(root).readOutbox();
      assert.deepEqual(items.map((d) => [d.sink, d.attempts]), [["webhook", 1]]);

      // Too early for the retry: nothing is sent again.
      answer = 200;
      const early = await runAlerts({
        root,
        alerts,
        health: defaultHealthSettings(),
        console: () => {},
        now: () => t + 1_000,
        measureFree: unknownSpace,
      });
      assert.deepEqual(early.deliveries, []);
      // After the retry delay the queued delivery goes out; the alert itself is not re-notified.
      const later = await runAlerts({
        root,
        alerts,
        health: defaultHealthSettings(),
        console: () => {},
        now: () => t + MINUTE,
        measureFree: unknownSpace,
      });
      assert.deepEqual(later.dispatches, []);
      assert.deepEqual(later.deliveries.map((d) => [d.sink, d.status]), [["webhook", "sent"]]);
      assert.equal(later.exitCode, 0);
      assert.deepEqual(received, ["execution_errors", "execution_errors"]);
      const { records } = await queryHistory(root);
      assert.deepEqual(records[0].deliveries, { console: "sent", webhook: "sent", store: "sent" });
      assert.equal(records[0].delivery_status, "sent");
      const raw = await new AlertStore(root).readHistory();
      assert.deepEqual(
        raw.items.filter((e) => e.type === "delivery" && e.sink === "webhook").map((e) =>
          e.type === "delivery" ? e.status : ""
        ),
        ["failed", "sent"],
      );
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a failing webhook alone makes the run exit 1", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(null, { status: 500 }),
  );
  try {
    await withRoot(async (root) => {
      await writeSession(root, "stale", errorEvent("stale", Date.now()));
      const alerts = settings(`http://127.0.0.1:${server.addr.port}/hook`);
      alerts.rules.execution_errors.severity = "warn";
      const result = await runAlerts({
        root,
        alerts,
        health: defaultHealthSettings(),
        console: () => {},
        measureFree: unknownSpace,
      });
      assert.equal(result.exitCode, 1);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a slow webhook does not hold the state lock: an ack goes through meanwhile", async () => {
  const arrived = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    await req.body?.cancel();
    arrived.resolve();
    await release.promise;
    return new Response(null, { status: 204 });
  });
  try {
    await withRoot(async (root) => {
      await writeSession(root, "broken", errorEvent("broken", Date.now()));
      const running = runAlerts({
        root,
        alerts: settings(`http://127.0.0.1:${server.addr.port}/hook`),
        health: defaultHealthSettings(),
        console: () => {},
        measureFree: unknownSpace,
      });
      await arrived.promise;
      const ack = await acknowledge(new AlertStore(root), "execution_errors", null);
      assert.equal(ack.dedupe_key, "execution_errors");
      release.resolve();
      const result = await running;
      assert.ok(result.deliveries.every((d) => d.status === "sent"));
    });
  } finally {
    release.resolve();
    await server.shutdown();
  }
});

Deno.test("alerting disabled evaluates and writes nothing", async () => {
  await withRoot(async (root) => {
    const alerts = defaultAlertsSettings();
    alerts.enabled = false;
    const result = await runAlerts({
      root,
      alerts,
      health: defaultHealthSettings(),
      console: () => {},
      measureFree: unknownSpace,
    });
    assert.deepEqual([result.enabled, result.report, result.exitCode], [false, null, 0]);
    await assert.rejects(() => Deno.stat(`${root}/.alerts`), Deno.errors.NotFound);
  });
});
