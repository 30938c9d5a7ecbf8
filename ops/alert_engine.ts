/**
 * One alert evaluation over a log root, end to end: compute health and the
 * trend, evaluate the rules, advance the lifecycle from the persisted state
 * under the state lock, queue the notifications and record them in the
 * history (the store), then deliver what is due. `alerts run` calls it once;
 * `serve` on a schedule.
 *
 * @module
 */
import type { AlertSinkName, AlertsSettings } from "../execution/alerts_config.ts";
import type { HealthSettings } from "../execution/health_config.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import type { ActivityWindowReader, WindowCounts } from "./activity_window.ts";
import { deliverOutbox, type DeliveryOutcome, queueFor } from "./alert_delivery.ts";
import { advanceAlerts, type Dispatch, type LifecycleResult } from "./alert_lifecycle.ts";
import type { AlertInstance, HistoryEntry, OperatorEntry } from "./alert_model.ts";
import { evaluateRules } from "./alert_rules.ts";
import { AlertStore, inForce, operatorView } from "./alert_store.ts";
import type { FreeSpaceResult } from "./free_space.ts";
import { computeHealth } from "./health_report.ts";
import { type HealthSnapshot, loadSnapshots } from "./health_snapshots.ts";
import type { HealthReport } from "./health_status.ts";
import { DEGRADATION_WINDOW, detectDegradation } from "./health_trends.ts";
import type { AlertNotification } from "./alert_model.ts";
import type { WebhookHooks } from "./webhook_sink.ts";

/** Snapshots older than this do not count for the degradation the rules look at. */
const TREND_DAYS = 30;

/**
 * Options of {@linkcode runAlerts}.
 *
 * @example
 * ```ts
 * import type { AlertRunOptions } from "./alert_engine.ts";
 * import { defaultAlertsSettings } from "../execution/alerts_config.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const options: AlertRunOptions = {
 *   root: "logs/execution", alerts: defaultAlertsSettings(), health: defaultHealthSettings(),
 *   console: (n) => console.log(n.title),
 * };
 * ```
 */
export interface AlertRunOptions {
  /** The log root. */
  root: string;
  /** Rules and sinks. */
  alerts: AlertsSettings;
  /** Health thresholds (the rules read the health report). */
  health: HealthSettings;
  /** Prints a console notification. */
  console: (notification: AlertNotification) => void;
  /**
   * Evaluation time (epoch ms), and the clock for deliveries.
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Evaluate and show what would be sent; change and send nothing.
   * @default {false}
   */
  dryRun?: boolean;
  /**
   * Only these sinks (the store always records).
   * @default {every configured sink}
   */
  onlySinks?: readonly AlertSinkName[];
  /** Reuse a window reader (incremental in a long-running process). */
  windowReader?: ActivityWindowReader;
  /** How free space is measured (tests). */
  measureFree?: (dir: string) => Promise<FreeSpaceResult>;
  /** Test hooks of the webhook. */
  webhookHooks?: WebhookHooks;
  /** A health report already computed for this time (with its windows). */
  health_report?: { report: HealthReport; windows: ReadonlyMap<string, WindowCounts> };
  /**
   * The snapshots since a time, oldest first (a long-running process passes its cache).
   * @default {read from the snapshot file}
   */
  snapshots?: (since: Date) => Promise<HealthSnapshot[]>;
}

/**
 * What a run did.
 *
 * @example
 * ```ts
 * import type { AlertRunResult } from "./alert_engine.ts";
 * type Code = AlertRunResult["exitCode"]; // 0, 1 or 2
 * ```
 */
export interface AlertRunResult {
  /** Whether alerting is enabled at all (`[execution.alerts] enabled`). */
  enabled: boolean;
  /** The health report the rules saw. */
  report: HealthReport | null;
  /** Notifications queued by this evaluation (in a dry run: that would be). */
  dispatches: Dispatch[];
  /** Notifications held back (acked, snoozed, silenced, dedupe, cooldown). */
  held: LifecycleResult["held"];
  /** Deliveries made in this run (including older queued ones that were due). */
  deliveries: DeliveryOutcome[];
  /** Sinks that are configured wrongly (each one sentence). */
  misconfigured: string[];
  /** Lines skipped in the state files, per file. */
  corrupt: Record<string, number>;
  /** The instances after the run. */
  instances: AlertInstance[];
  /** 2 when a critical alert fired, else 1 on a failed delivery or a misconfigured sink, else 0. */
  exitCode: number;
}

/** The sinks that can deliver, and what is wrong with the configuration. */
function availableSinks(
  settings: AlertsSettings,
  only: readonly AlertSinkName[] | undefined,
): { sinks: AlertSinkName[]; misconfigured: string[] } {
  const misconfigured: string[] = [];
  const wanted = new Set<AlertSinkName>(only ?? ["console", "webhook", "store"]);
  const sinks: AlertSinkName[] = ["store"];
  if (wanted.has("console")) sinks.push("console");
  const webhook = settings.webhook;
  const webhookUsed = only?.includes("webhook") ||
    (webhook.enabled && (only === undefined || wanted.has("webhook")));
  if (webhookUsed) {
    if (!webhook.enabled) {
      misconfigured.push(
        "the webhook sink was asked for, but [execution.alerts.webhook] has enabled = false",
      );
    } else if (webhook.url === null) {
      misconfigured.push("[execution.alerts.webhook] is enabled but has no url");
    } else sinks.push("webhook");
  }
  return { sinks, misconfigured };
}

/**
 * Evaluate the alert rules over `root` once and deliver what is due.
 *
 * @example
 * ```ts
 * import { runAlerts } from "./alert_engine.ts";
 * import { defaultAlertsSettings } from "../execution/alerts_config.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const result = await runAlerts({
 *   root: "logs/execution", alerts: defaultAlertsSettings(), health: defaultHealthSettings(),
 *   console: (n) => console.log(n.title), dryRun: true,
 * });
 * console.log(result.dispatches.length, result.exitCode);
 * ```
 */
export async function runAlerts(options: AlertRunOptions): Promise<AlertRunResult> {
  const now = options.now ?? Date.now;
  const settings = options.alerts;
  const result: AlertRunResult = {
    enabled: settings.enabled,
    report: null,
    dispatches: [],
    held: [],
    deliveries: [],
    misconfigured: [],
    corrupt: {},
    instances: [],
    exitCode: 0,
  };
  if (!settings.enabled) return result;
  const at = now();
  const computed = options.health_report ?? await computeHealth(options.root, {
    settings: options.health,
    now: at,
    windowReader: options.windowReader,
    measureFree: options.measureFree,
  });
  result.report = computed.report;
  const since = new Date(at - TREND_DAYS * 86_400_000);
  const snapshots = options.snapshots === undefined
    ? (await loadSnapshots(options.root, { since })).snapshots
    : await options.snapshots(since);
  const degradation = detectDegradation(
    snapshots,
    Math.min(DEGRADATION_WINDOW, snapshots.length),
  );
  const outcomes = evaluateRules(
    { report: computed.report, windows: computed.windows, degradation },
    settings,
  );
  const { sinks, misconfigured } = availableSinks(settings, options.onlySinks);
  result.misconfigured = misconfigured;
  const store = new AlertStore(options.root);

  const evaluate = async (): Promise<LifecycleResult> => {
    const [instances, operator] = await Promise.all([store.readInstances(), store.readOperator()]);
    result.corrupt["state.jsonl"] = instances.corrupt;
    result.corrupt["operator.jsonl"] = operator.corrupt;
    const lifecycle = advanceAlerts({
      instances: new Map(instances.items.map((i) => [i.dedupe_key, i])),
      outcomes,
      operator: operatorView(operator.items, at),
      settings,
      sinks,
      now: at,
    });
    if (options.dryRun) return lifecycle;
    await store.writeInstances(lifecycle.instances.values());
    // Expired entries go, and so do acks of alerts that resolved (an ack covers one episode).
    const resolved = new Set(lifecycle.resolved);
    const keep = (e: OperatorEntry) =>
      inForce(e, at) && !(e.type === "ack" && resolved.has(e.dedupe_key));
    if (operator.items.some((e) => !keep(e)) || operator.corrupt > 0) {
      await store.writeOperator(operator.items.filter(keep));
    }
    const outbox = await store.readOutbox();
    result.corrupt["outbox.jsonl"] = outbox.corrupt;
    const queued = lifecycle.dispatches.flatMap((d) => queueFor(d.notification, d.sinks, at));
    if (queued.length > 0 || outbox.corrupt > 0) {
      await store.writeOutbox([...outbox.items, ...queued]);
    }
    const recordedAt = formatWireTimestamp(new Date(at));
    const history: HistoryEntry[] = [
      ...lifecycle.dispatches.map((d): HistoryEntry => ({
        type: "alert",
        recorded_at: recordedAt,
        alert: d.notification,
        sinks: d.sinks,
        suppressed: null,
      })),
      ...lifecycle.held.map((h): HistoryEntry => ({
        type: "alert",
        recorded_at: recordedAt,
        alert: h.notification,
        sinks: [],
        suppressed: h.reason,
      })),
    ];
    await store.appendHistory(history);
    await store.pruneHistory(settings.history_retention, at);
    return lifecycle;
  };

  const lifecycle = options.dryRun ? await evaluate() : await store.withLock(evaluate);
  result.dispatches = lifecycle.dispatches;
  result.held = lifecycle.held;
  result.instances = [...lifecycle.instances.values()];
  if (!options.dryRun) {
    result.deliveries = await deliverOutbox(store, {
      console: options.console,
      webhook: sinks.includes("webhook") ? settings.webhook : null,
      webhookHooks: options.webhookHooks,
    }, now);
  }
  const criticalFired = lifecycle.dispatches.some((d) =>
    d.notification.state === "firing" && d.notification.severity === "critical"
  );
  const failed = result.deliveries.some((d) => d.status !== "sent");
  result.exitCode = criticalFired ? 2 : failed || misconfigured.length > 0 ? 1 : 0;
  return result;
}
