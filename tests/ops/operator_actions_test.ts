import assert from "node:assert/strict";
import { AlertStore, operatorView } from "../../ops/alert_store.ts";
import {
  acknowledge,
  OperatorActionError,
  silence,
  snooze,
  unsilence,
  unsnooze,
} from "../../ops/operator_actions.ts";
import { DAY, HOUR, NOW, withRoot } from "./helpers.ts";

Deno.test("an ack lasts until its TTL; a second ack of the key replaces the first", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await acknowledge(store, "rejection_rate_high", HOUR, NOW);
    const ack = await acknowledge(store, "rejection_rate_high", 2 * HOUR, NOW);
    assert.equal(ack.expires_at, "2026-11-25T14:00:00.000000+00:00");
    const { items } = await store.readOperator();
    assert.equal(items.length, 1);
    assert.equal(operatorView(items, NOW + 2 * HOUR - 1).acks.length, 1);
    assert.equal(operatorView(items, NOW + 2 * HOUR).acks.length, 0, "expired");
  });
});

Deno.test("a snooze needs a known rule and a TTL; unsnooze lifts it", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await assert.rejects(() => snooze(store, "nope", HOUR, NOW), OperatorActionError);
    await assert.rejects(
      () => snooze(store, "session_stale", 0, NOW),
      /time to live greater than 0/,
    );
    await assert.rejects(() => snooze(store, "session_stale", 40 * DAY, NOW), /at most 31 days/);
    await snooze(store, "session_stale", HOUR, NOW);
    assert.equal(await unsnooze(store, "session_stale", NOW), true);
    assert.equal(await unsnooze(store, "session_stale", NOW), false);
    assert.equal((await store.readOperator()).items.length, 0);
  });
});

Deno.test("silences need matchers and a TTL, and are lifted by id", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await assert.rejects(() => silence(store, {}, HOUR, "", NOW), /at least one matcher/);
    await assert.rejects(
      () => silence(store, { "Bad-Name": "x" }, HOUR, "", NOW),
      /not a label name/,
    );
    const s = await silence(store, { severity: "warn" }, HOUR, "maintenance", NOW);
    assert.equal(await unsilence(store, s.id, NOW), true);
    assert.equal(await unsilence(store, s.id, NOW), false);
  });
});

Deno.test("an action drops entries that have expired", async () => {
  await withRoot(async (root) => {
    const store = new AlertStore(root);
    await snooze(store, "session_stale", HOUR, NOW);
    await snooze(store, "telemetry_dropped", HOUR, NOW + 2 * HOUR);
    const { items } = await store.readOperator();
    assert.deepEqual(items.map((e) => e.type === "snooze" && e.rule_id), ["telemetry_dropped"]);
  });
});

Deno.test("a key that is no dedupe key is refused", async () => {
  await withRoot(async (root) => {
    await assert.rejects(
      () => acknowledge(new AlertStore(root), "../../etc", null, NOW),
      /is not an alert's dedupe key/,
    );
  });
});
