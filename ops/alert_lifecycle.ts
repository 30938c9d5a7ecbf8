/**
 * The alert lifecycle as Prometheus and Alertmanager users expect it, as one
 * pure function of the persisted instances, the rules' verdicts, the
 * operator's acks, snoozes and silences, and the time:
 *
 * - a condition that holds makes the instance `pending`; once it has held
 *   for the rule's `for` duration the instance is `firing` (at once for `0s`);
 *   a condition that stops holding while pending ends the episode silently;
 * - each sink is notified when the instance starts firing, again only after
 *   `repeat_interval` while it keeps firing, and once when it resolves (if it
 *   was told it fired);
 * - the first notification of an episode waits while the same alert was
 *   notified within its dedupe window, or its rule within its cooldown (a
 *   flapping alert does not page twice);
 * - a silenced, snoozed or acknowledged alert is not notified (a critical
 *   one ignores an ack unless `suppress_critical_on_ack`); its state still
 *   changes, so it notifies once the suppression ends if it still fires;
 * - everything is decided from the persisted state, so an evaluation after
 *   a restart never repeats what was already notified.
 *
 * @module
 */
import type { AlertSeverity, AlertSinkName, AlertsSettings } from "../execution/alerts_config.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import {
  type AckEntry,
  ALERT_SOURCE,
  type AlertInstance,
  type AlertNotification,
  type SilenceEntry,
  type SnoozeEntry,
  type SuppressionReason,
} from "./alert_model.ts";
import type { RuleOutcome } from "./alert_rules.ts";

/**
 * The operator entries in force at the evaluation's time.
 *
 * @example
 * ```ts
 * import type { OperatorView } from "./alert_lifecycle.ts";
 * const none: OperatorView = { acks: [], snoozes: [], silences: [] };
 * ```
 */
export interface OperatorView {
  /** Acks in force. */
  acks: readonly AckEntry[];
  /** Snoozes in force. */
  snoozes: readonly SnoozeEntry[];
  /** Silences in force. */
  silences: readonly SilenceEntry[];
}

/**
 * Input of {@linkcode advanceAlerts}.
 *
 * @example
 * ```ts
 * import type { LifecycleInput } from "./alert_lifecycle.ts";
 * type Now = LifecycleInput["now"]; // epoch ms
 * ```
 */
export interface LifecycleInput {
  /** The persisted instances, by dedupe key. */
  instances: ReadonlyMap<string, AlertInstance>;
  /** This evaluation's verdicts. */
  outcomes: readonly RuleOutcome[];
  /** Acks, snoozes and silences in force. */
  operator: OperatorView;
  /** The alert settings. */
  settings: AlertsSettings;
  /** Sinks that can deliver (the store always can). */
  sinks: readonly AlertSinkName[];
  /** Evaluation time, epoch ms. */
  now: number;
  /**
   * Makes notification ids.
   * @default {crypto.randomUUID}
   */
  newId?: () => string;
}

/**
 * A notification and the sinks it goes to.
 *
 * @example
 * ```ts
 * import type { Dispatch } from "./alert_lifecycle.ts";
 * type Sinks = Dispatch["sinks"];
 * ```
 */
export interface Dispatch {
  /** The notification. */
  notification: AlertNotification;
  /** Its sinks (the store included). */
  sinks: AlertSinkName[];
}

/**
 * What an evaluation decided.
 *
 * @example
 * ```ts
 * import type { LifecycleResult } from "./alert_lifecycle.ts";
 * type Notifications = LifecycleResult["dispatches"];
 * ```
 */
export interface LifecycleResult {
  /** Every instance after the evaluation. */
  instances: Map<string, AlertInstance>;
  /** Notifications to deliver, the most severe first. */
  dispatches: Dispatch[];
  /** Notifications held back when an alert started firing, and why (for the history). */
  held: Array<{ notification: AlertNotification; reason: SuppressionReason }>;
  /** Dedupe keys that resolved: their acks end here. */
  resolved: string[];
}

const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 1, warn: 2, critical: 3 };

function ms(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const micros = parseTimestampMicros(iso);
  return micros === null ? null : micros / 1000;
}

/**
 * Why `instance` may not be notified now (a silence matching its labels, a
 * snooze of its rule, an ack of its dedupe key that applies to its
 * severity), or `null`.
 *
 * @example
 * ```ts
 * import { suppressionOf } from "./alert_lifecycle.ts";
 * import { defaultAlertsSettings } from "../execution/alerts_config.ts";
 * const ack = { type: "ack" as const, dedupe_key: "execution_errors", created_at: "", expires_at: null };
 * const instance = { dedupe_key: "execution_errors", rule_id: "execution_errors" as const, severity: "critical" as const, labels: {} };
 * console.log(suppressionOf(instance, { acks: [ack], snoozes: [], silences: [] }, defaultAlertsSettings())); // null
 * ```
 */
export function suppressionOf(
  instance: Pick<AlertInstance, "dedupe_key" | "rule_id" | "severity" | "labels">,
  operator: OperatorView,
  settings: AlertsSettings,
): SuppressionReason | null {
  const labels = instance.labels;
  if (
    operator.silences.some((s) =>
      Object.entries(s.matchers).every(([name, value]) => labels[name] === value)
    )
  ) return "silenced";
  if (operator.snoozes.some((s) => s.rule_id === instance.rule_id)) return "snoozed";
  const acked = operator.acks.some((a) => a.dedupe_key === instance.dedupe_key);
  if (acked && (instance.severity !== "critical" || settings.suppress_critical_on_ack)) {
    return "acked";
  }
  return null;
}

function notificationOf(
  instance: AlertInstance,
  state: "firing" | "resolved",
  repeat: boolean,
  nowIso: string,
  id: string,
): AlertNotification {
  return {
    id,
    timestamp_utc: nowIso,
    source: ALERT_SOURCE,
    rule_id: instance.rule_id,
    severity: instance.severity,
    state,
    repeat,
    title: state === "resolved" ? `Resolved: ${instance.title}` : instance.title,
    body: instance.body,
    labels: { ...instance.labels },
    dedupe_key: instance.dedupe_key,
    value: instance.last_value,
    threshold: instance.threshold,
    active_since: instance.active_since,
    fired_at: instance.fired_at,
    resolved_at: instance.resolved_at,
  };
}

interface Candidate {
  key: string;
  state: "firing" | "resolved";
  repeat: boolean;
  sinks: AlertSinkName[];
}

/**
 * Advance every alert instance by one evaluation.
 *
 * @example
 * ```ts
 * import { advanceAlerts } from "./alert_lifecycle.ts";
 * import { evaluateRules } from "./alert_rules.ts";
 * import { defaultAlertsSettings } from "../execution/alerts_config.ts";
 * const settings = defaultAlertsSettings();
 * const outcomes = evaluateRules({
 *   report: { timestamp: "2026-11-25T09:30:45.000000+00:00", status: "critical", exit_code: 3, checks: [] },
 *   windows: new Map(),
 *   degradation: { degrading: false, reason: "insufficient data", window_size: 10, available: 0 },
 * }, settings);
 * const result = advanceAlerts({
 *   instances: new Map(), outcomes, settings, sinks: ["console", "store"], now: Date.now(),
 *   operator: { acks: [], snoozes: [], silences: [] },
 * });
 * console.log(result.dispatches.map((d) => d.notification.rule_id)); // ["health_critical"]
 * ```
 */
export function advanceAlerts(input: LifecycleInput): LifecycleResult {
  const { settings, operator, now } = input;
  const nowIso = formatWireTimestamp(new Date(now));
  const newId = input.newId ?? (() => crypto.randomUUID());
  const instances = new Map<string, AlertInstance>();
  for (const [key, instance] of input.instances) {
    instances.set(key, {
      ...instance,
      labels: { ...instance.labels },
      notified: { ...instance.notified },
    });
  }
  const candidates: Candidate[] = [];
  const held: LifecycleResult["held"] = [];
  const resolved: string[] = [];
  // Cooldown is per rule: the latest firing notification of any of its instances.
  const ruleNotified = new Map<string, number>();
  for (const instance of instances.values()) {
    const at = ms(instance.last_firing_notice_at);
    if (at !== null) {
      ruleNotified.set(instance.rule_id, Math.max(ruleNotified.get(instance.rule_id) ?? 0, at));
    }
  }

  for (const outcome of input.outcomes) {
    const key = outcome.dedupe_key;
    let instance = instances.get(key);
    const ruleSinks = (outcome.settings.sinks ?? settings.sinks).filter((s) =>
      input.sinks.includes(s)
    );
    if (!ruleSinks.includes("store")) ruleSinks.push("store");
    if (outcome.active) {
      if (
        instance === undefined || instance.state === "resolved" || instance.state === "inactive"
      ) {
        instance = {
          dedupe_key: key,
          rule_id: outcome.rule_id,
          severity: outcome.settings.severity,
          labels: outcome.labels,
          state: "pending",
          active_since: nowIso,
          fired_at: null,
          resolved_at: null,
          last_evaluated_at: nowIso,
          last_value: outcome.value,
          threshold: outcome.threshold,
          title: outcome.title,
          body: outcome.body,
          activation: (instance?.activation ?? 0) + 1,
          notified: {},
          last_firing_notice_at: instance?.last_firing_notice_at ?? null,
          suppressed: null,
        };
        instances.set(key, instance);
      }
      instance.severity = outcome.settings.severity;
      instance.labels = outcome.labels;
      instance.last_evaluated_at = nowIso;
      instance.last_value = outcome.value;
      instance.threshold = outcome.threshold;
      instance.title = outcome.title;
      instance.body = outcome.body;
      const since = ms(instance.active_since) ?? now;
      let startedFiring = false;
      if (instance.state === "pending" && now - since >= outcome.settings.for) {
        instance.state = "firing";
        instance.fired_at = nowIso;
        startedFiring = true;
      }
      if (instance.state !== "firing") continue;
      const suppressed = suppressionOf(instance, operator, settings);
      const firstOfEpisode = Object.values(instance.notified).every((n) => n?.firing_at == null);
      let reason = suppressed;
      if (reason === null && firstOfEpisode) {
        const lastNotice = ms(instance.last_firing_notice_at);
        const lastOfRule = ruleNotified.get(instance.rule_id) ?? null;
        if (lastNotice !== null && now - lastNotice < outcome.settings.dedupe_window) {
          reason = "dedupe";
        } else if (lastOfRule !== null && now - lastOfRule < outcome.settings.cooldown) {
          reason = "cooldown";
        }
      }
      instance.suppressed = reason;
      if (reason !== null) {
        if (startedFiring) {
          held.push({
            notification: notificationOf(instance, "firing", false, nowIso, newId()),
            reason,
          });
        }
        continue;
      }
      const first: AlertSinkName[] = [];
      const repeat: AlertSinkName[] = [];
      for (const sink of ruleSinks) {
        const last = ms(instance.notified[sink]?.firing_at);
        if (last === null) first.push(sink);
        else if (now - last >= settings.repeat_interval) repeat.push(sink);
      }
      if (first.length > 0) candidates.push({ key, state: "firing", repeat: false, sinks: first });
      if (repeat.length > 0) candidates.push({ key, state: "firing", repeat: true, sinks: repeat });
      continue;
    }
    if (instance === undefined) continue;
    instance.last_evaluated_at = nowIso;
    if (instance.state === "pending") {
      instance.state = "inactive";
      instance.suppressed = null;
    } else if (instance.state === "firing") {
      instance.state = "resolved";
      instance.resolved_at = nowIso;
      instance.suppressed = null;
      instance.last_value = outcome.value;
      instance.body = outcome.body;
      resolved.push(key);
      const told = (Object.entries(instance.notified) as Array<
        [AlertSinkName, typeof instance.notified[AlertSinkName]]
      >)
        .filter(([, n]) => n?.firing_at != null && n.resolved_at == null)
        .map(([sink]) => sink);
      if (told.length > 0) candidates.push({ key, state: "resolved", repeat: false, sinks: told });
    }
  }

  // The most severe first, then the oldest episode, within the per-run cap; the rest wait.
  candidates.sort((a, b) => {
    const ia = instances.get(a.key)!;
    const ib = instances.get(b.key)!;
    return SEVERITY_RANK[ib.severity] - SEVERITY_RANK[ia.severity] ||
      (ms(ia.active_since) ?? 0) - (ms(ib.active_since) ?? 0) || (a.key < b.key ? -1 : 1);
  });
  const dispatches: Dispatch[] = [];
  for (const candidate of candidates.slice(0, settings.max_notifications_per_run)) {
    const instance = instances.get(candidate.key)!;
    for (const sink of candidate.sinks) {
      const notice = instance.notified[sink] ?? { firing_at: null, resolved_at: null };
      if (candidate.state === "firing") notice.firing_at = nowIso;
      else notice.resolved_at = nowIso;
      instance.notified[sink] = { ...notice };
    }
    if (candidate.state === "firing") instance.last_firing_notice_at = nowIso;
    dispatches.push({
      notification: notificationOf(instance, candidate.state, candidate.repeat, nowIso, newId()),
      sinks: candidate.sinks,
    });
  }
  // Episodes that ended long ago are forgotten with the history.
  for (const [key, instance] of instances) {
    const ended = ms(instance.resolved_at ?? instance.last_evaluated_at) ?? now;
    if (
      (instance.state === "resolved" || instance.state === "inactive") &&
      now - ended > settings.history_retention
    ) instances.delete(key);
  }
  return { instances, dispatches, held, resolved };
}
