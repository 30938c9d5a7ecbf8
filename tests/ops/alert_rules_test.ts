import assert from "node:assert/strict";
import { defaultAlertsSettings } from "../../execution/alerts_config.ts";
import type { WindowCounts } from "../../ops/activity_window.ts";
import { evaluateRules, type RuleInputs } from "../../ops/alert_rules.ts";
import type { HealthCheck, HealthReport } from "../../ops/health_status.ts";
import type { Degradation } from "../../ops/health_trends.ts";

function check(
  name: string,
  value: number | null,
  details: Record<string, unknown> | null = null,
): HealthCheck {
  return {
    name,
    status: "ok",
    message: `${name} message`,
    value,
    threshold_warn: 1,
    threshold_critical: 2,
    unit: "",
    details,
  };
}

function inputs(partial: {
  status?: HealthReport["status"];
  checks?: HealthCheck[];
  windows?: Array<[string, Partial<WindowCounts>]>;
  degradation?: Degradation;
}): RuleInputs {
  return {
    report: {
      timestamp: "",
      status: partial.status ?? "ok",
      exit_code: 0,
      checks: partial.checks ?? [],
    },
    windows: new Map((partial.windows ?? []).map(([id, w]) => [id, {
      events: 0,
      intents: 0,
      blocked: 0,
      errors: 0,
      dropped: 0,
      partial: false,
      ...w,
    }])),
    degradation: partial.degradation ??
      { degrading: false, reason: "insufficient data", window_size: 0, available: 0 },
  };
}

function active(i: RuleInputs): string[] {
  return evaluateRules(i, defaultAlertsSettings()).filter((o) => o.active).map((o) => o.rule_id);
}

Deno.test("health_critical follows the report's status", () => {
  assert.deepEqual(active(inputs({ status: "warn" })), []);
  assert.deepEqual(active(inputs({ status: "critical" })), ["health_critical"]);
});

Deno.test("parse_error_rate_high fires above 5 %, not at 5 % (the original's >)", () => {
  assert.deepEqual(active(inputs({ checks: [check("parse_error_rate", 5)] })), []);
  assert.deepEqual(active(inputs({ checks: [check("parse_error_rate", 5.01)] })), [
    "parse_error_rate_high",
  ]);
});

Deno.test("degradation rules follow the trend; the leading indicator only disk growth", () => {
  const degrading = (reasons: string[]): Degradation => ({
    degrading: true,
    reasons,
    critical_count: 0,
    warn_count: 8,
    window_size: 10,
  });
  assert.deepEqual(active(inputs({ degradation: degrading(["High warn+critical rate (8/10)"]) })), [
    "degradation_detected",
  ]);
  assert.deepEqual(
    active(inputs({ degradation: degrading(["Disk usage increasing (1.0 → 2.0 MB)"]) })),
    ["degradation_detected", "leading_indicator_disk_growth"],
  );
});

Deno.test("rejection_rate_high needs min_samples intents and fires at the threshold", () => {
  assert.deepEqual(active(inputs({ windows: [["s", { intents: 49, blocked: 49 }]] })), []);
  assert.deepEqual(active(inputs({ windows: [["s", { intents: 50, blocked: 9 }]] })), []);
  assert.deepEqual(active(inputs({ windows: [["s", { intents: 50, blocked: 10 }]] })), [
    "rejection_rate_high",
  ]);
  const outcome = evaluateRules(
    inputs({ windows: [["s", { intents: 50, blocked: 10 }]] }),
    defaultAlertsSettings(),
  )
    .find((o) => o.rule_id === "rejection_rate_high")!;
  assert.equal(outcome.value, 20);
  assert.match(outcome.title, /session s: 20% of 50 intents/);
});

Deno.test("execution_errors, telemetry_dropped and session_stale fire at their thresholds", () => {
  assert.deepEqual(active(inputs({ windows: [["s", { errors: 1 }]] })), ["execution_errors"]);
  assert.deepEqual(active(inputs({ windows: [["s", { dropped: 3 }]] })), ["telemetry_dropped"]);
  assert.deepEqual(
    active(inputs({ checks: [check("stale_sessions", 1, { sessions: [{ session_id: "x" }] })] })),
    ["session_stale"],
  );
});

Deno.test("disk_space_low fires at or below the threshold, never on unknown space", () => {
  const free = (avail: number | null) =>
    check("free_space", null, avail === null ? null : { avail_bytes: avail, total_bytes: 1000 });
  assert.deepEqual(active(inputs({ checks: [free(101)] })), []);
  assert.deepEqual(active(inputs({ checks: [free(100)] })), ["disk_space_low"]);
  assert.deepEqual(active(inputs({ checks: [free(null)] })), []);
});

Deno.test("a disabled rule is never active", () => {
  const settings = defaultAlertsSettings();
  settings.rules.health_critical.enabled = false;
  assert.deepEqual(
    evaluateRules(inputs({ status: "critical" }), settings).filter((o) => o.active),
    [],
  );
});

Deno.test("titles and bodies carry no paths", () => {
  const outcomes = evaluateRules(
    inputs({
      status: "critical",
      checks: [check("parse_error_rate", 20)],
      windows: [["s", { errors: 2 }]],
    }),
    defaultAlertsSettings(),
  );
  for (const o of outcomes) assert.doesNotMatch(`${o.title}\n${o.body}`, /\.jsonl|\/tmp\/|logs\//);
});
