/**
 * The alert rules: what each one looks at in a health report, the recent
 * window and the trend, and whether its condition holds now. The original's
 * four (16I: `health_critical`, `degradation_detected`,
 * `leading_indicator_disk_growth`, `parse_error_rate_high` with its `>`),
 * then `rejection_rate_high`, `execution_errors`, `telemetry_dropped`,
 * `session_stale` and `disk_space_low` (`>=`, and `<=` for free space).
 * Each rule has one instance (no labels beyond its id and severity), so an
 * alert is never multiplied by the number of sessions; the body names the
 * sessions involved.
 *
 * @module
 */
import {
  ALERT_RULE_IDS,
  type AlertRuleId,
  type AlertRuleSettings,
  type AlertSeverity,
  type AlertsSettings,
} from "../execution/alerts_config.ts";
import { formatSpaceThreshold, type SpaceThreshold } from "../execution/space_threshold.ts";
import type { WindowCounts } from "./activity_window.ts";
import type { HealthReport } from "./health_status.ts";
import type { Degradation } from "./health_trends.ts";

/**
 * What the rules are evaluated over.
 *
 * @example
 * ```ts
 * import type { RuleInputs } from "./alert_rules.ts";
 * const inputs: RuleInputs = {
 *   report: { timestamp: "2026-11-25T09:30:45.000000+00:00", status: "ok", exit_code: 0, checks: [] },
 *   windows: new Map(),
 *   degradation: { degrading: false, reason: "insufficient data", window_size: 10, available: 0 },
 * };
 * ```
 */
export interface RuleInputs {
  /** The current health report. */
  report: HealthReport;
  /** Each session's activity in the health window. */
  windows: ReadonlyMap<string, WindowCounts>;
  /** Degradation over the latest snapshots. */
  degradation: Degradation;
}

/**
 * One rule's verdict.
 *
 * @example
 * ```ts
 * import type { RuleOutcome } from "./alert_rules.ts";
 * type Active = RuleOutcome["active"];
 * ```
 */
export interface RuleOutcome {
  /** The rule. */
  rule_id: AlertRuleId;
  /** Its settings. */
  settings: AlertRuleSettings;
  /** The instance's identity. */
  dedupe_key: string;
  /** The instance's labels (`rule_id`, `severity`). */
  labels: Record<string, string>;
  /** Whether the condition holds (always false for a disabled rule). */
  active: boolean;
  /** The value compared. */
  value: number | null;
  /** The threshold, as configured. */
  threshold: number | string | null;
  /** One line. */
  title: string;
  /** What was seen. */
  body: string;
}

interface Verdict {
  active: boolean;
  value: number | null;
  title: string;
  body: string;
}

function check(report: HealthReport, name: string) {
  return report.checks.find((c) => c.name === name);
}

function pct(value: number): string {
  return `${Math.round(value * 100) / 100}%`;
}

function worstSessions(
  windows: ReadonlyMap<string, WindowCounts>,
  pick: (w: WindowCounts) => number,
): string {
  const list = [...windows].map(([id, w]) => [id, pick(w)] as const).filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]).slice(0, 3);
  return list.length === 0 ? "" : ` (most in ${list.map(([id, n]) => `${id}: ${n}`).join(", ")})`;
}

function countRule(
  windows: ReadonlyMap<string, WindowCounts>,
  pick: (w: WindowCounts) => number,
  threshold: number,
  what: string,
): Verdict {
  let total = 0;
  for (const w of windows.values()) total += pick(w);
  return {
    active: total >= threshold,
    value: total,
    title: `${total} ${what} in the recent window`,
    body: `${total} ${what} in the health window${worstSessions(windows, pick)}; ` +
      `the rule fires at ${threshold} or more.`,
  };
}

function rejectionVerdict(
  windows: ReadonlyMap<string, WindowCounts>,
  threshold: number,
  minSamples: number,
): Verdict {
  let intents = 0;
  let blocked = 0;
  let worst: { id: string; rate: number; intents: number } | null = null;
  for (const [id, w] of windows) {
    intents += w.intents;
    blocked += w.blocked;
    if (w.intents > 0 && w.intents >= minSamples) {
      const rate = (w.blocked / w.intents) * 100;
      if (worst === null || rate > worst.rate) worst = { id, rate, intents: w.intents };
    }
  }
  const overall = intents > 0 && intents >= minSamples ? (blocked / intents) * 100 : null;
  const value = overall === null && worst === null
    ? null
    : Math.max(overall ?? 0, worst?.rate ?? 0);
  const active = value !== null && value >= threshold;
  const scope = worst !== null && worst.rate >= (overall ?? 0)
    ? `session ${worst.id}: ${pct(worst.rate)} of ${worst.intents} intents`
    : `all sessions: ${pct(overall ?? 0)} of ${intents} intents`;
  return {
    active,
    value: value === null ? null : Math.round(value * 100) / 100,
    title: value === null
      ? `Gate rejection rate: too few intents (${intents} < ${minSamples})`
      : `Gate rejection rate ${pct(value)} (${scope})`,
    body: `${blocked} of ${intents} intents blocked by a gate in the health window; ` +
      `the rule fires at ${threshold}% or more, with at least ${minSamples} intents.`,
  };
}

function diskSpaceVerdict(report: HealthReport, threshold: SpaceThreshold): Verdict {
  const details = check(report, "free_space")?.details ?? null;
  const avail = typeof details?.avail_bytes === "number" ? details.avail_bytes : null;
  const total = typeof details?.total_bytes === "number" ? details.total_bytes : null;
  if (avail === null || total === null || total === 0) {
    return {
      active: false,
      value: null,
      title: "Free space unknown",
      body: "The free space of the log root's volume could not be measured.",
    };
  }
  const freePct = (avail / total) * 100;
  const value = threshold.unit === "pct" ? Math.round(freePct * 100) / 100 : avail;
  const gib = Math.round((avail / 1024 ** 3) * 100) / 100;
  return {
    active: value <= threshold.value,
    value,
    title: `Low free space: ${gib} GiB (${pct(freePct)}) left on the log root's volume`,
    body: `${gib} GiB free (${pct(freePct)}); the rule fires at ${
      formatSpaceThreshold(threshold)
    } or less.`,
  };
}

function verdictOf(rule: AlertRuleId, s: AlertRuleSettings, inputs: RuleInputs): Verdict {
  const { report, windows, degradation } = inputs;
  const threshold = typeof s.threshold === "number" ? s.threshold : 0;
  switch (rule) {
    case "health_critical": {
      const critical = report.checks.filter((c) => c.status === "critical");
      return {
        active: report.status === "critical",
        value: critical.length,
        title: `Telemetry health is ${report.status}`,
        body: critical.length === 0
          ? "No check is critical."
          : critical.map((c) => `${c.name}: ${c.message}`).join("\n"),
      };
    }
    case "degradation_detected": {
      const reasons = "reasons" in degradation ? degradation.reasons : [];
      return {
        active: degradation.degrading,
        value: reasons.length,
        title: degradation.degrading ? "Telemetry health is degrading" : "No degradation",
        body: reasons.length === 0
          ? ("reason" in degradation
            ? `Trend: ${degradation.reason}.`
            : "No degradation rule holds.")
          : reasons.join("\n"),
      };
    }
    case "leading_indicator_disk_growth": {
      const reasons = "reasons" in degradation ? degradation.reasons : [];
      const growth = reasons.find((r) => /disk usage increasing/i.test(r));
      return {
        active: growth !== undefined,
        value: growth === undefined ? 0 : 1,
        title: growth === undefined ? "Disk usage stable" : "Leading indicator: disk usage growing",
        body: growth ?? "Disk usage is not growing across the latest snapshots.",
      };
    }
    case "parse_error_rate_high": {
      const value = check(report, "parse_error_rate")?.value ?? null;
      return {
        // The original compared with `>` here (all health checks use `>=`).
        active: value !== null && value > threshold,
        value,
        title: `Parse-error rate ${pct(value ?? 0)} in the sampled telemetry`,
        body: `${check(report, "parse_error_rate")?.message ?? ""}; the rule fires above ${
          pct(threshold)
        }.`,
      };
    }
    case "rejection_rate_high":
      return rejectionVerdict(windows, threshold, s.min_samples ?? 0);
    case "execution_errors":
      return countRule(windows, (w) => w.errors, threshold, "execution error(s)");
    case "telemetry_dropped":
      return countRule(windows, (w) => w.dropped, threshold, "dropped telemetry event(s)");
    case "session_stale": {
      const stale = check(report, "stale_sessions");
      const value = stale?.value ?? 0;
      const listed = (stale?.details?.sessions as Array<{ session_id: string }> | undefined) ?? [];
      return {
        active: value >= threshold,
        value,
        title: `${value} stale session(s)`,
        body: `${stale?.message ?? ""}${
          listed.length === 0 ? "" : `\nSessions: ${listed.map((x) => x.session_id).join(", ")}`
        }`,
      };
    }
    case "disk_space_low":
      return diskSpaceVerdict(report, s.threshold as SpaceThreshold);
  }
}

function thresholdText(threshold: AlertRuleSettings["threshold"]): number | string | null {
  if (threshold === null || typeof threshold === "number") return threshold;
  return formatSpaceThreshold(threshold);
}

/**
 * Evaluate every rule (a disabled one is reported inactive, so an alert it
 * had firing resolves).
 *
 * @example
 * ```ts
 * import { evaluateRules } from "./alert_rules.ts";
 * import { defaultAlertsSettings } from "../execution/alerts_config.ts";
 * const outcomes = evaluateRules({
 *   report: { timestamp: "2026-11-25T09:30:45.000000+00:00", status: "critical", exit_code: 3, checks: [] },
 *   windows: new Map(),
 *   degradation: { degrading: false, reason: "insufficient data", window_size: 10, available: 0 },
 * }, defaultAlertsSettings());
 * console.log(outcomes.find((o) => o.rule_id === "health_critical")?.active); // true
 * ```
 */
export function evaluateRules(inputs: RuleInputs, settings: AlertsSettings): RuleOutcome[] {
  return ALERT_RULE_IDS.map((rule) => {
    const s = settings.rules[rule];
    const verdict = verdictOf(rule, s, inputs);
    const severity: AlertSeverity = s.severity;
    return {
      rule_id: rule,
      settings: s,
      dedupe_key: rule,
      labels: { rule_id: rule, severity },
      active: s.enabled && verdict.active,
      value: verdict.value,
      threshold: thresholdText(s.threshold),
      title: verdict.title,
      body: verdict.body,
    };
  });
}
