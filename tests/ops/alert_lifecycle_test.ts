// The alert lifecycle as one pure function: pending → firing → resolved with `for`, notify on
// firing, again after repeat_interval, once on resolve; dedupe and cooldown; acks, snoozes,
// silences; the per-run cap; and state carried across evaluations as it is persisted.
import assert from "node:assert/strict";
import {
  type AlertRuleId,
  type AlertsSettings,
  defaultAlertsSettings,
} from "../../execution/alerts_config.ts";
import {
  advanceAlerts,
  type LifecycleResult,
  type OperatorView,
} from "../../ops/alert_lifecycle.ts";
import type { AlertInstance } from "../../ops/alert_model.ts";
import type { RuleOutcome } from "../../ops/alert_rules.ts";
import { HOUR, MINUTE, NOW } from "./helpers.ts";

const NONE: OperatorView = { acks: [], snoozes: [], silences: [] };

function outcome(rule: AlertRuleId, active: boolean, settings: AlertsSettings): RuleOutcome {
  const s = settings.rules[rule];
  return {
    rule_id: rule,
    settings: s,
    dedupe_key: rule,
    labels: { rule_id: rule, severity: s.severity },
    active,
    value: active ? 1 : 0,
    threshold: 1,
    title: `${rule} ${active ? "holds" : "clear"}`,
    body: "",
  };
}

/** Evaluations in sequence, each starting from the last one's instances (as if persisted). */
class Sequence {
  instances = new Map<string, AlertInstance>();
  constructor(readonly settings: AlertsSettings) {}
  step(
    at: number,
    active: Partial<Record<AlertRuleId, boolean>>,
    operator = NONE,
  ): LifecycleResult {
    const outcomes = (Object.keys(active) as AlertRuleId[]).map((r) =>
      outcome(r, active[r]!, this.settings)
    );
    // A JSON round trip, as state.jsonl stores it: nothing survives in memory between runs.
    const persisted = new Map(
      [...this.instances].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as AlertInstance]),
    );
    const result = advanceAlerts({
      instances: persisted,
      outcomes,
      operator,
      settings: this.settings,
      sinks: ["console", "store"],
      now: at,
    });
    this.instances = result.instances;
    return result;
  }
}

function kinds(result: LifecycleResult): string[] {
  return result.dispatches.map((d) =>
    `${d.notification.rule_id}:${d.notification.state}${d.notification.repeat ? ":repeat" : ""}`
  );
}

Deno.test("a condition fires at once with for 0s, notifies once, and once more when it resolves", () => {
  const seq = new Sequence(defaultAlertsSettings());
  assert.deepEqual(kinds(seq.step(NOW, { rejection_rate_high: true })), [
    "rejection_rate_high:firing",
  ]);
  assert.equal(seq.instances.get("rejection_rate_high")?.state, "firing");
  assert.deepEqual(kinds(seq.step(NOW + MINUTE, { rejection_rate_high: true })), []);
  assert.deepEqual(kinds(seq.step(NOW + 2 * MINUTE, { rejection_rate_high: false })), [
    "rejection_rate_high:resolved",
  ]);
  assert.deepEqual(kinds(seq.step(NOW + 3 * MINUTE, { rejection_rate_high: false })), []);
  assert.equal(seq.instances.get("rejection_rate_high")?.state, "resolved");
});

Deno.test("with a for duration the alert is pending first and fires once it held that long", () => {
  const settings = defaultAlertsSettings();
  settings.rules.session_stale.for = 5 * MINUTE;
  const seq = new Sequence(settings);
  assert.deepEqual(kinds(seq.step(NOW, { session_stale: true })), []);
  assert.equal(seq.instances.get("session_stale")?.state, "pending");
  assert.deepEqual(kinds(seq.step(NOW + 5 * MINUTE - 1, { session_stale: true })), []);
  assert.deepEqual(kinds(seq.step(NOW + 5 * MINUTE, { session_stale: true })), [
    "session_stale:firing",
  ]);
});

Deno.test("a pending alert whose condition stops is dropped silently, and starts over", () => {
  const settings = defaultAlertsSettings();
  settings.rules.session_stale.for = 5 * MINUTE;
  const seq = new Sequence(settings);
  seq.step(NOW, { session_stale: true });
  assert.deepEqual(kinds(seq.step(NOW + 4 * MINUTE, { session_stale: false })), []);
  assert.equal(seq.instances.get("session_stale")?.state, "inactive");
  seq.step(NOW + 5 * MINUTE, { session_stale: true });
  assert.deepEqual(
    kinds(seq.step(NOW + 9 * MINUTE, { session_stale: true })),
    [],
    "the wait restarted",
  );
});

Deno.test("a firing alert notifies again only after repeat_interval", () => {
  const seq = new Sequence(defaultAlertsSettings());
  seq.step(NOW, { execution_errors: true });
  assert.deepEqual(kinds(seq.step(NOW + 4 * HOUR - 1, { execution_errors: true })), []);
  assert.deepEqual(kinds(seq.step(NOW + 4 * HOUR, { execution_errors: true })), [
    "execution_errors:firing:repeat",
  ]);
  assert.deepEqual(kinds(seq.step(NOW + 5 * HOUR, { execution_errors: true })), []);
});

Deno.test("a flapping alert does not notify again within its dedupe window", () => {
  const seq = new Sequence(defaultAlertsSettings()); // rejection_rate_high: dedupe 900 s
  seq.step(NOW, { rejection_rate_high: true });
  seq.step(NOW + MINUTE, { rejection_rate_high: false });
  const again = seq.step(NOW + 2 * MINUTE, { rejection_rate_high: true });
  assert.deepEqual(kinds(again), []);
  assert.deepEqual(again.held.map((h) => h.reason), ["dedupe"]);
  // Still firing once the window has passed: now it notifies.
  assert.deepEqual(kinds(seq.step(NOW + 15 * MINUTE, { rejection_rate_high: true })), [
    "rejection_rate_high:firing",
  ]);
});

Deno.test("a held-back episode resolves without a resolve notification", () => {
  const seq = new Sequence(defaultAlertsSettings());
  seq.step(NOW, { rejection_rate_high: true });
  seq.step(NOW + MINUTE, { rejection_rate_high: false });
  seq.step(NOW + 2 * MINUTE, { rejection_rate_high: true });
  assert.deepEqual(kinds(seq.step(NOW + 3 * MINUTE, { rejection_rate_high: false })), []);
});

Deno.test("cooldown holds a new episode back when the rule notified recently", () => {
  const settings = defaultAlertsSettings();
  settings.rules.rejection_rate_high.dedupe_window = 0;
  settings.rules.rejection_rate_high.cooldown = 10 * MINUTE;
  const seq = new Sequence(settings);
  seq.step(NOW, { rejection_rate_high: true });
  seq.step(NOW + MINUTE, { rejection_rate_high: false });
  assert.deepEqual(
    seq.step(NOW + 2 * MINUTE, { rejection_rate_high: true }).held.map((h) => h.reason),
    [
      "cooldown",
    ],
  );
});

Deno.test("an ack holds a warning back but not a critical alert, unless configured", () => {
  const ack = (key: string) => ({
    acks: [{ type: "ack" as const, dedupe_key: key, created_at: "", expires_at: null }],
    snoozes: [],
    silences: [],
  });
  const seq = new Sequence(defaultAlertsSettings());
  const warn = seq.step(NOW, { rejection_rate_high: true }, ack("rejection_rate_high"));
  assert.deepEqual(kinds(warn), []);
  assert.deepEqual(warn.held.map((h) => h.reason), ["acked"]);
  const critical = seq.step(NOW, { execution_errors: true }, ack("execution_errors"));
  assert.deepEqual(kinds(critical), ["execution_errors:firing"]);

  const strict = defaultAlertsSettings();
  strict.suppress_critical_on_ack = true;
  const seq2 = new Sequence(strict);
  assert.deepEqual(kinds(seq2.step(NOW, { execution_errors: true }, ack("execution_errors"))), []);
});

Deno.test("an alert acked before its first notification notifies once the ack is gone", () => {
  const seq = new Sequence(defaultAlertsSettings());
  const acked = {
    acks: [{ type: "ack" as const, dedupe_key: "session_stale", created_at: "", expires_at: null }],
    snoozes: [],
    silences: [],
  };
  seq.step(NOW, { session_stale: true }, acked);
  assert.deepEqual(kinds(seq.step(NOW + MINUTE, { session_stale: true })), [
    "session_stale:firing",
  ]);
});

Deno.test("a snooze holds back every notification of its rule; a silence those its labels match", () => {
  const seq = new Sequence(defaultAlertsSettings());
  const snoozed = {
    acks: [],
    snoozes: [{
      type: "snooze" as const,
      rule_id: "execution_errors" as const,
      created_at: "",
      expires_at: "",
    }],
    silences: [],
  };
  assert.deepEqual(seq.step(NOW, { execution_errors: true }, snoozed).held.map((h) => h.reason), [
    "snoozed",
  ]);
  const silenced = {
    acks: [],
    snoozes: [],
    silences: [{
      type: "silence" as const,
      id: "s1",
      matchers: { severity: "warn" },
      comment: "",
      created_at: "",
      expires_at: "",
    }],
  };
  const result = seq.step(NOW, { telemetry_dropped: true, execution_errors: true }, silenced);
  assert.deepEqual(
    kinds(result),
    ["execution_errors:firing"],
    "critical does not match the silence",
  );
  assert.deepEqual(result.held.map((h) => h.reason), ["silenced"]);
});

Deno.test("the most severe notifications go first, within the per-run cap; the rest wait", () => {
  const settings = defaultAlertsSettings();
  settings.max_notifications_per_run = 1;
  const seq = new Sequence(settings);
  assert.deepEqual(kinds(seq.step(NOW, { session_stale: true, execution_errors: true })), [
    "execution_errors:firing",
  ]);
  assert.deepEqual(kinds(seq.step(NOW + MINUTE, { session_stale: true, execution_errors: true })), [
    "session_stale:firing",
  ]);
});

Deno.test("each sink is told once: a sink added later is notified, the others are not again", () => {
  const seq = new Sequence(defaultAlertsSettings());
  seq.step(NOW, { execution_errors: true });
  const result = advanceAlerts({
    instances: seq.instances,
    outcomes: [outcome("execution_errors", true, seq.settings)],
    operator: NONE,
    settings: seq.settings,
    sinks: ["console", "webhook", "store"],
    now: NOW + MINUTE,
  });
  assert.deepEqual(result.dispatches.map((d) => d.sinks), [["webhook"]]);
});

Deno.test("a disabled rule resolves the alert it had firing", () => {
  const seq = new Sequence(defaultAlertsSettings());
  seq.step(NOW, { session_stale: true });
  seq.settings.rules.session_stale.enabled = false;
  // evaluateRules reports a disabled rule as inactive.
  assert.deepEqual(kinds(seq.step(NOW + MINUTE, { session_stale: false })), [
    "session_stale:resolved",
  ]);
});
