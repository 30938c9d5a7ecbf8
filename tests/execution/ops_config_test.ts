// The [execution.telemetry.health] and [execution.alerts] tables: defaults, strict validation
// with file, line and column, and the documented example file.
import assert from "node:assert/strict";
import { ConfigError, loadExecutionConfig, parseExecutionConfig } from "../../execution/config.ts";
import { defaultHealthSettings } from "../../execution/health_config.ts";
import { ALERT_RULE_IDS, defaultAlertsSettings } from "../../execution/alerts_config.ts";

function problems(toml: string): readonly string[] {
  try {
    parseExecutionConfig(toml, "ops.toml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("without the tables the config parses as before (no health or alerts keys)", () => {
  const config = parseExecutionConfig("[execution]\n");
  assert.equal(config.execution.alerts, undefined);
  assert.equal(config.execution.telemetry.health, undefined);
});

Deno.test("the health defaults are the original's thresholds plus the new checks'", () => {
  const s = defaultHealthSettings();
  assert.deepEqual(
    [s.disk_warn_mb, s.disk_critical_mb, s.retention_warn_hours, s.retention_critical_hours],
    [1500, 1900, 48, 168],
  );
  assert.deepEqual(
    [
      s.compression_warn_pct,
      s.compression_critical_pct,
      s.parse_error_warn_pct,
      s.parse_error_critical_pct,
    ],
    [10, 25, 5, 15],
  );
  assert.equal(s.window, 15 * 60_000);
  assert.equal(s.rejection_min_intents, 50);
  assert.equal(s.stale_after, 5 * 60_000);
  assert.equal(s.stale_within, 86_400_000);
  assert.deepEqual(s.free_space_warn, { unit: "pct", value: 10 });
  assert.equal(s.snapshot_retention, 90 * 86_400_000);
});

Deno.test("the alert defaults: the original's four rules with their cooldowns, then the new five", () => {
  const a = defaultAlertsSettings();
  assert.deepEqual(Object.keys(a.rules), [...ALERT_RULE_IDS]);
  assert.deepEqual(
    [
      a.rules.health_critical.severity,
      a.rules.health_critical.cooldown,
      a.rules.health_critical.dedupe_window,
    ],
    ["critical", 300_000, 900_000],
  );
  assert.deepEqual(
    [
      a.rules.leading_indicator_disk_growth.cooldown,
      a.rules.leading_indicator_disk_growth.dedupe_window,
    ],
    [3_600_000, 7_200_000],
  );
  assert.equal(a.rules.parse_error_rate_high.threshold, 5);
  assert.equal(a.rules.rejection_rate_high.min_samples, 50);
  assert.equal(a.rules.health_critical.threshold, null);
  assert.equal(a.repeat_interval, 4 * 3_600_000);
  assert.equal(a.evaluate_every, 30_000);
  assert.equal(a.webhook.timeout, 10_000);
  assert.equal(a.suppress_critical_on_ack, false);
});

Deno.test("rule tables set severity, threshold, min_samples, for, cooldown, dedupe window and sinks", () => {
  const config = parseExecutionConfig(`
[execution.alerts]
repeat_interval = "1h"
sinks = ["console"]

[execution.alerts.rules.rejection_rate_high]
severity = "critical"
threshold = 35
min_samples = 10
for = "5m"
cooldown = "10m"
dedupe_window = "1h"
sinks = ["webhook", "store"]

[execution.alerts.rules.disk_space_low]
threshold = "20GiB"
enabled = false
`);
  const alerts = config.execution.alerts!;
  assert.equal(alerts.repeat_interval, 3_600_000);
  assert.deepEqual(alerts.sinks, ["console"]);
  const rule = alerts.rules.rejection_rate_high;
  assert.deepEqual(
    [rule.severity, rule.threshold, rule.min_samples, rule.for, rule.cooldown, rule.dedupe_window],
    ["critical", 35, 10, 300_000, 600_000, 3_600_000],
  );
  assert.deepEqual(rule.sinks, ["webhook", "store"]);
  assert.deepEqual(alerts.rules.disk_space_low.threshold, { unit: "bytes", value: 20 * 1024 ** 3 });
  assert.equal(alerts.rules.disk_space_low.enabled, false);
  assert.equal(alerts.rules.health_critical.sinks, null);
});

Deno.test("a bad duration names the file, line, column and key, and quotes the value", () => {
  assert.deepEqual(problems('[execution.telemetry.health]\nwindow = "15 minutes"\n'), [
    'ops.toml:2:10: execution.telemetry.health.window: expected a duration such as "30s", "5m", ' +
    '"2h" or "7d" (units w, d, h, m, s, ms), got "15 minutes"',
  ]);
  assert.match(
    problems("[execution.alerts.rules.session_stale]\nfor = 300\n")[0],
    /^ops\.toml:2:7: execution\.alerts\.rules\.session_stale\.for: expected a duration string/,
  );
});

Deno.test("an unknown rule or a key a rule does not have lists what is allowed", () => {
  const found = problems(
    "[execution.alerts.rules.health_critical]\nthreshold = 3\n[execution.alerts.rules.no_such_rule]\n",
  );
  assert.match(
    found[0],
    /^ops\.toml:2:1: execution\.alerts\.rules\.health_critical\.threshold: unknown key \(allowed here: enabled, severity, for, cooldown, dedupe_window, sinks\)$/,
  );
  assert.match(
    found[1],
    /execution\.alerts\.rules\.no_such_rule: unknown key \(allowed here: health_critical, .*disk_space_low\)/,
  );
});

Deno.test("a critical threshold below its warning threshold is an error on the critical key", () => {
  assert.deepEqual(problems("[execution.telemetry.health]\ndisk_warn_mb = 2000\n"), [
    // The critical key is not in the file: the error points at its table.
    "ops.toml:1:1: execution.telemetry.health.disk_critical_mb: must be ≥ disk_warn_mb (2000): a " +
    "critical threshold is never reached before its warning threshold, got 1900",
  ]);
  assert.match(
    problems(
      '[execution.telemetry.health]\nfree_space_warn = "5%"\nfree_space_critical = "10%"\n',
    )[0],
    /^ops\.toml:3:23: execution\.telemetry\.health\.free_space_critical: must be ≤ free_space_warn/,
  );
  assert.match(
    problems('[execution.telemetry.health]\nfree_space_critical = "1GiB"\n')[0],
    /free_space_critical: must use the same unit as free_space_warn/,
  );
  assert.match(
    problems('[execution.telemetry.health]\nstale_after = "2d"\n')[0],
    /stale_within: must be longer than stale_after/,
  );
});

Deno.test("webhook headers may not set Content-Type, and its url must be http or https", () => {
  const found = problems(
    '[execution.alerts.webhook]\nurl = "file:///etc/passwd"\nheaders = { "Content-Type" = "text/plain", "Bad Name" = "x" }\n',
  );
  assert.match(
    found.join("\n"),
    /ops\.toml:2:7: execution\.alerts\.webhook\.url: expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.match(
    found.join("\n"),
    /ops\.toml:3:\d+: execution\.alerts\.webhook\.headers\.Content-Type: cannot be set here/,
  );
  assert.match(found.join("\n"), /headers\.Bad Name: is not a valid HTTP header name/);
});

Deno.test("wrong types are refused, never coerced", () => {
  assert.match(problems('[execution.alerts]\nenabled = "false"\n')[0], /expected a boolean/);
  assert.match(
    problems('[execution.alerts.rules.execution_errors]\nseverity = "page"\n')[0],
    /expected one of "info", "warn", "critical"/,
  );
  assert.match(
    problems("[execution.alerts.rules.execution_errors]\nthreshold = 0\n")[0],
    /expected a number ≥ 1/,
  );
  assert.match(
    problems("[execution.telemetry.health]\nrejection_min_intents = 1.5\n")[0],
    /rejection_min_intents/,
  );
  assert.match(
    problems('[execution.alerts]\nsinks = ["console", "pager"]\n')[0],
    /execution\.alerts\.sinks\.1/,
  );
});

Deno.test("the documented example of the operations tables parses and spells out every default", async () => {
  const config = await loadExecutionConfig(
    new URL("../../docs/examples/telemetry-ops.toml", import.meta.url).pathname,
  );
  assert.deepEqual(config.execution.telemetry.health, defaultHealthSettings());
  assert.deepEqual(config.execution.alerts, defaultAlertsSettings());
});
