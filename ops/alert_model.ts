/**
 * The records of the alert lifecycle, as they are persisted under
 * `<root>/.alerts/` and sent to sinks: an alert instance's state
 * (`pending` → `firing` → `resolved`, as Prometheus has it), a notification
 * (what sinks receive: no paths, no internals), the operator's acks, snoozes
 * and silences, queued deliveries, and history entries.
 *
 * @module
 */
import type { AlertRuleId, AlertSeverity, AlertSinkName } from "../execution/alerts_config.ts";

/**
 * Where an alert instance is in its lifecycle. `inactive`: its condition
 * stopped holding before it fired (kept only to remember when it last
 * notified).
 *
 * @example
 * ```ts
 * import type { AlertState } from "./alert_model.ts";
 * const state: AlertState = "firing";
 * ```
 */
export type AlertState = "pending" | "firing" | "resolved" | "inactive";

/**
 * Why a notification was not sent.
 *
 * @example
 * ```ts
 * import type { SuppressionReason } from "./alert_model.ts";
 * const reason: SuppressionReason = "acked";
 * ```
 */
export type SuppressionReason = "acked" | "snoozed" | "silenced" | "cooldown" | "dedupe";

/**
 * What one sink was last told about the current activation of an instance.
 *
 * @example
 * ```ts
 * import type { SinkNotice } from "./alert_model.ts";
 * const notice: SinkNotice = { firing_at: "2026-11-25T09:30:45.000000+00:00", resolved_at: null };
 * ```
 */
export interface SinkNotice {
  /** When it was last sent a firing notification of this activation (first or repeat). */
  firing_at: string | null;
  /** When it was sent the resolve notification of this activation. */
  resolved_at: string | null;
}

/**
 * One alert instance (a rule and its bounded labels), as `state.jsonl` keeps it.
 *
 * @example
 * ```ts
 * import type { AlertInstance } from "./alert_model.ts";
 * type Key = AlertInstance["dedupe_key"];
 * ```
 */
export interface AlertInstance {
  /** The instance's identity: the rule id, plus its labels when it has any. */
  dedupe_key: string;
  /** The rule. */
  rule_id: AlertRuleId;
  /** Severity at the last evaluation. */
  severity: AlertSeverity;
  /** Bounded labels (never a path or a free-form value). */
  labels: Record<string, string>;
  /** Lifecycle state. */
  state: AlertState;
  /** When the condition started to hold (this activation). */
  active_since: string | null;
  /** When it started firing (this activation). */
  fired_at: string | null;
  /** When it resolved. */
  resolved_at: string | null;
  /** The last evaluation that saw it. */
  last_evaluated_at: string;
  /** The value the rule saw last. */
  last_value: number | null;
  /** The threshold it was compared with. */
  threshold: number | string | null;
  /** One-line title. */
  title: string;
  /** What the rule saw, for a person. */
  body: string;
  /** Counts activations (each pending or firing episode). */
  activation: number;
  /** Per sink, what it was told about this activation. */
  notified: Partial<Record<AlertSinkName, SinkNotice>>;
  /** The last firing notification of any activation (for the dedupe window). */
  last_firing_notice_at: string | null;
  /** Why the last notification due was held back, or `null`. */
  suppressed: SuppressionReason | null;
}

/**
 * What sinks receive, and what the store and history keep: the alert as a
 * person needs it, nothing about where the files are.
 *
 * @example
 * ```ts
 * import type { AlertNotification } from "./alert_model.ts";
 * type Kind = AlertNotification["state"]; // "firing" | "resolved"
 * ```
 */
export interface AlertNotification {
  /** Unique id of this notification. */
  id: string;
  /** When it was produced (wire timestamp). */
  timestamp_utc: string;
  /** Always `peak-trade.execution`. */
  source: string;
  /** The rule. */
  rule_id: AlertRuleId;
  /** Severity. */
  severity: AlertSeverity;
  /** `firing` (first or repeat) or `resolved`. */
  state: "firing" | "resolved";
  /** Whether this repeats an earlier firing notification. */
  repeat: boolean;
  /** One-line title. */
  title: string;
  /** What the rule saw. */
  body: string;
  /** Labels, `rule_id` and `severity` included. */
  labels: Record<string, string>;
  /** The instance's identity (what `alerts ack` takes). */
  dedupe_key: string;
  /** The value the rule saw. */
  value: number | null;
  /** The threshold. */
  threshold: number | string | null;
  /** When the condition started to hold. */
  active_since: string | null;
  /** When it started firing. */
  fired_at: string | null;
  /** When it resolved (resolve notifications). */
  resolved_at: string | null;
}

/**
 * The source name in every notification.
 *
 * @example
 * ```ts
 * import { ALERT_SOURCE } from "./alert_model.ts";
 * console.log(ALERT_SOURCE); // "peak-trade.execution"
 * ```
 */
export const ALERT_SOURCE = "peak-trade.execution";

/**
 * An operator's ack of one instance (by dedupe key), optionally until a time.
 *
 * @example
 * ```ts
 * import type { AckEntry } from "./alert_model.ts";
 * const ack: AckEntry = { type: "ack", dedupe_key: "rejection_rate_high", created_at: "2026-11-25T09:30:45.000000+00:00", expires_at: null };
 * ```
 */
export interface AckEntry {
  /** Always `ack`. */
  type: "ack";
  /** The instance acknowledged. */
  dedupe_key: string;
  /** When. */
  created_at: string;
  /** Until when, or `null` for until the alert resolves. */
  expires_at: string | null;
}

/**
 * A snooze of a rule until a time.
 *
 * @example
 * ```ts
 * import type { SnoozeEntry } from "./alert_model.ts";
 * const snooze: SnoozeEntry = { type: "snooze", rule_id: "session_stale", created_at: "2026-11-25T09:30:45.000000+00:00", expires_at: "2026-11-25T10:00:45.000000+00:00" };
 * ```
 */
export interface SnoozeEntry {
  /** Always `snooze`. */
  type: "snooze";
  /** The rule snoozed. */
  rule_id: AlertRuleId;
  /** When. */
  created_at: string;
  /** Until when (required). */
  expires_at: string;
}

/**
 * A silence: every alert whose labels include all of `matchers` is not
 * notified until a time (as an Alertmanager silence with equality matchers).
 *
 * @example
 * ```ts
 * import type { SilenceEntry } from "./alert_model.ts";
 * const silence: SilenceEntry = {
 *   type: "silence", id: "s1", matchers: { severity: "warn" }, comment: "maintenance",
 *   created_at: "2026-11-25T09:30:45.000000+00:00", expires_at: "2026-11-25T11:30:45.000000+00:00",
 * };
 * ```
 */
export interface SilenceEntry {
  /** Always `silence`. */
  type: "silence";
  /** Its id (for `alerts unsilence`). */
  id: string;
  /** Label equalities an alert must all have. */
  matchers: Record<string, string>;
  /** Why. */
  comment: string;
  /** When. */
  created_at: string;
  /** Until when (required). */
  expires_at: string;
}

/**
 * Any operator entry.
 *
 * @example
 * ```ts
 * import type { OperatorEntry } from "./alert_model.ts";
 * const isAck = (e: OperatorEntry) => e.type === "ack";
 * ```
 */
export type OperatorEntry = AckEntry | SnoozeEntry | SilenceEntry;

/**
 * A delivery waiting in the outbox (one notification, one sink).
 *
 * @example
 * ```ts
 * import type { QueuedDelivery } from "./alert_model.ts";
 * type Sink = QueuedDelivery["sink"];
 * ```
 */
export interface QueuedDelivery {
  /** Unique id of this delivery. */
  id: string;
  /** The sink. */
  sink: AlertSinkName;
  /** The notification. */
  alert: AlertNotification;
  /** Attempts made so far (each may retry within itself). */
  attempts: number;
  /** When it was queued. */
  queued_at: string;
  /** Earliest time of the next attempt. */
  next_attempt_at: string;
  /** While a process is delivering it, until when it is that process's. */
  lease_until: string | null;
  /** The last failure. */
  last_error: string | null;
}

/**
 * A history line: a notification (with the sinks it went to, or why it was
 * held back), or the outcome of one delivery.
 *
 * @example
 * ```ts
 * import type { HistoryEntry } from "./alert_model.ts";
 * const isDelivery = (e: HistoryEntry) => e.type === "delivery";
 * ```
 */
export type HistoryEntry =
  | {
    /** A notification. */
    type: "alert";
    /** When it was recorded. */
    recorded_at: string;
    /** The notification. */
    alert: AlertNotification;
    /** The sinks it was queued for (empty when held back). */
    sinks: AlertSinkName[];
    /** Why it was held back, or `null`. */
    suppressed: SuppressionReason | null;
  }
  | {
    /** A delivery outcome. */
    type: "delivery";
    /** When it was recorded. */
    recorded_at: string;
    /** The notification's id. */
    alert_id: string;
    /** The sink. */
    sink: AlertSinkName;
    /** `sent`, `failed` (will be retried) or `gave_up` (no more retries). */
    status: "sent" | "failed" | "gave_up";
    /** Which attempt. */
    attempt: number;
    /** Why it failed, or `null`. */
    error: string | null;
  };
