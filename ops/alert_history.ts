/**
 * Reading the alert store: the history of notifications with their delivery
 * status (the original's 16J `query` and `get_stats`, newest first), the
 * latest alerts for the dashboard and its API, and the alerts firing now
 * (for the header badge and the `peak_exec_alerts_firing` gauge).
 *
 * @module
 */
import type { AlertRuleId, AlertSeverity, AlertSinkName } from "../execution/alerts_config.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { AlertInstance, AlertNotification, SuppressionReason } from "./alert_model.ts";
import { AlertStore } from "./alert_store.ts";

/**
 * A notification as the history shows it: the notification's fields, when
 * it was recorded, where it went and how that went.
 *
 * @example
 * ```ts
 * import type { HistoryRecord } from "./alert_history.ts";
 * type Status = HistoryRecord["delivery_status"];
 * ```
 */
export interface HistoryRecord extends AlertNotification {
  /** When it was recorded. */
  recorded_at: string;
  /** The sinks it was queued for (the store always has it). */
  sinks: AlertSinkName[];
  /** Why it was held back, or `null`. */
  suppressed: SuppressionReason | null;
  /** The latest outcome per sink: `queued`, `sent`, `failed` (retrying) or `gave_up`. */
  deliveries: Partial<Record<AlertSinkName, "queued" | "sent" | "failed" | "gave_up">>;
  /**
   * Overall: `sent` (every sink), `pending` (not tried yet), `failed` (a
   * sink failed: retried, or given up), `skipped` (held back).
   */
  delivery_status: "sent" | "pending" | "failed" | "skipped";
}

/**
 * Filters of {@linkcode queryHistory}.
 *
 * @example
 * ```ts
 * import type { HistoryQuery } from "./alert_history.ts";
 * const query: HistoryQuery = { severity: "critical", limit: 20 };
 * ```
 */
export interface HistoryQuery {
  /** Recorded at or after. */
  since?: Date;
  /** Recorded at or before. */
  until?: Date;
  /** Only this severity. */
  severity?: AlertSeverity;
  /** Only this rule. */
  rule?: AlertRuleId;
  /** Most records returned (newest first). */
  limit?: number;
}

/**
 * The history read, and the lines that could not be.
 *
 * @example
 * ```ts
 * import type { HistoryResult } from "./alert_history.ts";
 * const empty: HistoryResult = { records: [], corrupt: 0 };
 * ```
 */
export interface HistoryResult {
  /** Matching records, newest first. */
  records: HistoryRecord[];
  /** History lines skipped as corrupt. */
  corrupt: number;
}

function statusOf(
  record: Omit<HistoryRecord, "delivery_status">,
): HistoryRecord["delivery_status"] {
  if (record.suppressed !== null) return "skipped";
  const outcomes = record.sinks.filter((s) => s !== "store").map((s) => record.deliveries[s]);
  if (outcomes.some((o) => o === "failed" || o === "gave_up")) return "failed";
  if (outcomes.some((o) => o === "queued" || o === undefined)) return "pending";
  return "sent";
}

/**
 * The history of the log root, newest first, filtered.
 *
 * @example
 * ```ts
 * import { queryHistory } from "./alert_history.ts";
 * const { records } = await queryHistory("logs/execution", { limit: 10 });
 * for (const r of records) console.log(r.recorded_at, r.rule_id, r.state, r.delivery_status);
 * ```
 */
export async function queryHistory(root: string, query: HistoryQuery = {}): Promise<HistoryResult> {
  const { items, corrupt } = await new AlertStore(root).readHistory();
  const byId = new Map<string, Omit<HistoryRecord, "delivery_status">>();
  const order: string[] = [];
  for (const entry of items) {
    if (entry.type === "alert") {
      const deliveries: HistoryRecord["deliveries"] = {};
      // The store is where this line is: recorded means delivered there.
      for (const sink of entry.sinks) deliveries[sink] = sink === "store" ? "sent" : "queued";
      byId.set(entry.alert.id, {
        ...entry.alert,
        recorded_at: entry.recorded_at,
        sinks: entry.sinks,
        suppressed: entry.suppressed,
        deliveries,
      });
      order.push(entry.alert.id);
    } else {
      const record = byId.get(entry.alert_id);
      if (record !== undefined) record.deliveries[entry.sink] = entry.status;
    }
  }
  const since = query.since === undefined ? -Infinity : query.since.getTime() * 1000;
  const until = query.until === undefined ? Infinity : query.until.getTime() * 1000;
  const records: HistoryRecord[] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const r = byId.get(order[i])!;
    const at = parseTimestampMicros(r.recorded_at) ?? 0;
    if (at < since || at > until) continue;
    if (query.severity !== undefined && r.severity !== query.severity) continue;
    if (query.rule !== undefined && r.rule_id !== query.rule) continue;
    records.push({ ...r, delivery_status: statusOf(r) });
    if (query.limit !== undefined && records.length >= query.limit) break;
  }
  return { records, corrupt };
}

/**
 * Counts over the history: by severity, rule and delivery status (the
 * original's `get_stats`).
 *
 * @example
 * ```ts
 * import { historyStats } from "./alert_history.ts";
 * const stats = historyStats([]);
 * console.log(stats.total); // 0
 * ```
 */
export function historyStats(records: readonly HistoryRecord[]): {
  total: number;
  by_severity: Record<string, number>;
  by_rule: Record<string, number>;
  by_status: Record<string, number>;
} {
  const count = (map: Record<string, number>, key: string) => void (map[key] = (map[key] ?? 0) + 1);
  const stats = {
    total: records.length,
    by_severity: {} as Record<string, number>,
    by_rule: {} as Record<string, number>,
    by_status: {} as Record<string, number>,
  };
  for (const r of records) {
    count(stats.by_severity, r.severity);
    count(stats.by_rule, r.rule_id);
    count(stats.by_status, r.delivery_status);
  }
  return stats;
}

/**
 * An alert firing now.
 *
 * @example
 * ```ts
 * import type { FiringAlert } from "./alert_history.ts";
 * const alert: FiringAlert = {
 *   rule: "execution_errors", severity: "critical", dedupe_key: "execution_errors",
 *   title: "2 execution error(s)", since: null, suppressed: null,
 * };
 * ```
 */
export interface FiringAlert {
  /** The rule. */
  rule: AlertRuleId;
  /** Its severity. */
  severity: AlertSeverity;
  /** The ack key. */
  dedupe_key: string;
  /** Its title. */
  title: string;
  /** When it started firing. */
  since: string | null;
  /** Why it is not being notified (acked, snoozed, silenced), or `null`. */
  suppressed: SuppressionReason | null;
}

/**
 * The alerts firing now in the log root's store (what the last evaluation
 * left), the most severe first. Reads `state.jsonl` only; no lock.
 *
 * @example
 * ```ts
 * import { firingAlerts } from "./alert_history.ts";
 * for (const a of await firingAlerts("logs/execution")) console.log(a.rule, a.severity);
 * ```
 */
export async function firingAlerts(root: string): Promise<FiringAlert[]> {
  const { items } = await new AlertStore(root).readInstances();
  return activeOf(items, "firing");
}

/**
 * Instances in `state`, the most severe first, as {@linkcode FiringAlert}s.
 *
 * @example
 * ```ts
 * import { activeOf } from "./alert_history.ts";
 * console.log(activeOf([], "pending")); // []
 * ```
 */
export function activeOf(
  instances: readonly AlertInstance[],
  state: "firing" | "pending",
): FiringAlert[] {
  const rank: Record<AlertSeverity, number> = { critical: 0, warn: 1, info: 2 };
  return instances.filter((i) => i.state === state).map((i) => ({
    rule: i.rule_id,
    severity: i.severity,
    dedupe_key: i.dedupe_key,
    title: i.title,
    since: state === "firing" ? i.fired_at : i.active_since,
    suppressed: i.suppressed,
  })).sort((a, b) => rank[a.severity] - rank[b.severity] || (a.rule < b.rule ? -1 : 1));
}
