/**
 * The operations view of one log root for a long-running process (the
 * dashboard server): health computed at most every few seconds however many
 * requests ask (concurrent callers share one computation), window counts kept
 * incrementally between computations, snapshots and alert evaluations on
 * demand (the server's schedule calls them), and the alert store read for
 * the console, the API and the header badge.
 *
 * @module
 */
import type { AlertsSettings } from "../execution/alerts_config.ts";
import type { HealthSettings } from "../execution/health_config.ts";
import { ActivityWindowReader } from "./activity_window.ts";
import { type AlertRunResult, runAlerts } from "./alert_engine.ts";
import {
  activeOf,
  type FiringAlert,
  type HistoryQuery,
  type HistoryResult,
  queryHistory,
} from "./alert_history.ts";
import type { AlertNotification, OperatorEntry } from "./alert_model.ts";
import { AlertStore, operatorView } from "./alert_store.ts";
import type { OperatorView } from "./alert_lifecycle.ts";
import type { FreeSpaceResult } from "./free_space.ts";
import { computeHealth, type HealthComputation } from "./health_report.ts";
import { appendSnapshot, SnapshotCache, snapshotOf } from "./health_snapshots.ts";
import { buildTrends, type HealthTrends } from "./health_trends.ts";
import type { OpsSettings } from "./ops_settings.ts";
import { refusedRootReason } from "./root_guard.ts";

/** A health computation this recent is reused (requests in a burst share one). */
const HEALTH_TTL_MS = 5_000;
/** The longest trend period the API serves (the original's 365 days). */
const MAX_TREND_DAYS = 365;

/**
 * Options of {@linkcode TelemetryMonitor}.
 *
 * @example
 * ```ts
 * import type { TelemetryMonitorOptions } from "./telemetry_monitor.ts";
 * const options: TelemetryMonitorOptions = { now: () => Date.now() };
 * ```
 */
export interface TelemetryMonitorOptions {
  /**
   * The clock.
   * @default {Date.now}
   */
  now?: () => number;
  /** How free space is measured (tests). */
  measureFree?: (dir: string) => Promise<FreeSpaceResult>;
}

/**
 * The alert panel's data: what fires, what waits, the operator's entries in
 * force and the latest notifications.
 *
 * @example
 * ```ts
 * import type { AlertsOverview } from "./telemetry_monitor.ts";
 * type Firing = AlertsOverview["firing"];
 * ```
 */
export interface AlertsOverview {
  /** Alerts firing, the most severe first. */
  firing: FiringAlert[];
  /** Alerts pending (their `for` not yet over). */
  pending: FiringAlert[];
  /** Acks, snoozes and silences in force. */
  operator: OperatorView;
  /** Corrupt lines skipped while reading the state. */
  corrupt: number;
}

/**
 * The operations view of one log root.
 *
 * @example
 * ```ts
 * import { TelemetryMonitor } from "./telemetry_monitor.ts";
 * import { opsSettingsOf } from "./ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * const monitor = new TelemetryMonitor("logs/execution", opsSettingsOf(parseExecutionConfig("")));
 * const { report } = await monitor.health();
 * console.log(report.status);
 * ```
 */
export class TelemetryMonitor {
  /** The log root. */
  readonly root: string;
  /** The settings in force. */
  readonly settings: OpsSettings;
  readonly #now: () => number;
  readonly #measureFree?: (dir: string) => Promise<FreeSpaceResult>;
  readonly #reader = new ActivityWindowReader();
  readonly #store: AlertStore;
  readonly #snapshots: SnapshotCache;
  #health: { at: number; value: Promise<HealthComputation> } | null = null;
  /**
   * What this process does on a schedule (ms between runs; `null` when it
   * does not): set by the server that runs the schedule, shown by the console.
   */
  schedule: { alerts_every: number | null; snapshot_every: number | null } = {
    alerts_every: null,
    snapshot_every: null,
  };
  #firing: { key: string; value: FiringAlert[] } | null = null;

  /** The view of `root` with `settings`. */
  constructor(root: string, settings: OpsSettings, options: TelemetryMonitorOptions = {}) {
    this.root = root;
    this.settings = settings;
    this.#now = options.now ?? Date.now;
    this.#measureFree = options.measureFree;
    this.#store = new AlertStore(root);
    this.#snapshots = new SnapshotCache(root);
  }

  /** The health thresholds. */
  get healthSettings(): HealthSettings {
    return this.settings.health;
  }

  /** The alert settings. */
  get alertSettings(): AlertsSettings {
    return this.settings.alerts;
  }

  /** The current health (computed at most every 5 s; concurrent callers share it). */
  health(): Promise<HealthComputation> {
    const now = this.#now();
    if (this.#health !== null && now - this.#health.at < HEALTH_TTL_MS) return this.#health.value;
    const value = computeHealth(this.root, {
      settings: this.settings.health,
      now,
      windowReader: this.#reader,
      measureFree: this.#measureFree,
    });
    this.#health = { at: now, value };
    // A failed computation is not cached: the next caller tries again.
    value.catch(() => {
      if (this.#health?.value === value) this.#health = null;
    });
    return value;
  }

  /** Trends over the last `days` days (1–365). */
  async trends(days: number): Promise<HealthTrends> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_TREND_DAYS) {
      throw new RangeError(`days must be an integer from 1 to ${MAX_TREND_DAYS}`);
    }
    const now = this.#now();
    const snapshots = await this.#snapshots.since(new Date(now - days * 86_400_000));
    return buildTrends(snapshots, days, now);
  }

  /**
   * Why the server may not write state into the log root (missing, a system
   * directory), or `null` when it may.
   */
  writeRefusal(): string | null {
    return refusedRootReason(this.root);
  }

  /** Append a health snapshot (and prune old ones); returns how many were pruned. */
  async snapshot(): Promise<number> {
    const refusal = this.writeRefusal();
    if (refusal !== null) throw new Error(refusal);
    const { report } = await this.health();
    return await appendSnapshot(
      this.root,
      snapshotOf(report, this.settings.retention.max_total_mb),
      this.settings.health.snapshot_retention,
      this.#now(),
    );
  }

  /** Evaluate the alert rules once and deliver (console notifications go to `print`). */
  async evaluateAlerts(print: (n: AlertNotification) => void): Promise<AlertRunResult> {
    const refusal = this.writeRefusal();
    if (refusal !== null) throw new Error(refusal);
    const computed = await this.health();
    this.#firing = null;
    return await runAlerts({
      root: this.root,
      alerts: this.settings.alerts,
      health: this.settings.health,
      console: print,
      now: this.#now,
      health_report: computed,
      snapshots: (since) => this.#snapshots.since(since),
    });
  }

  /** The latest notifications (newest first). */
  latestAlerts(query: HistoryQuery): Promise<HistoryResult> {
    return queryHistory(this.root, query);
  }

  /** What fires, what waits, and the operator's entries in force. */
  async alertsOverview(): Promise<AlertsOverview> {
    const [instances, operator] = await Promise.all([
      this.#store.readInstances(),
      this.#store.readOperator(),
    ]);
    return {
      firing: activeOf(instances.items, "firing"),
      pending: activeOf(instances.items, "pending"),
      operator: operatorView(operator.items as OperatorEntry[], this.#now()),
      corrupt: instances.corrupt + operator.corrupt,
    };
  }

  /**
   * The alerts firing now, for the header badge: `state.jsonl` is read again
   * only when it changed (its size or modification time).
   */
  async firing(): Promise<FiringAlert[]> {
    let key: string;
    try {
      const info = await Deno.lstat(`${this.#store.dir}/state.jsonl`);
      key = `${info.size}:${info.mtime?.getTime() ?? 0}:${info.ino ?? 0}`;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    if (this.#firing?.key === key) return this.#firing.value;
    const { items } = await this.#store.readInstances();
    const value = activeOf(items, "firing");
    this.#firing = { key, value };
    return value;
  }

  /** The alert store (for operator actions). */
  get store(): AlertStore {
    return this.#store;
  }

  /** The clock. */
  now(): number {
    return this.#now();
  }
}
