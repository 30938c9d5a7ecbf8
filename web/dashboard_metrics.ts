/**
 * The dashboard server's Prometheus registry: the event families derived
 * from the log root it serves, the log root's gauges, the server's own
 * request and live-follow metrics, its build and the standard process
 * families.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { EventCounts } from "../execution/metrics/event_counts.ts";
import { registerEventFamilies } from "../execution/metrics/event_families.ts";
import { METRICS_CONTENT_TYPE } from "../execution/metrics/execution_metrics.ts";
import { registerProcessFamilies } from "../execution/metrics/process_families.ts";
import { LogRootCounts, type LogRootSnapshot } from "../live/log_root_counts.ts";
import type { FiringAlert } from "../ops/alert_history.ts";
import { openEventStreamCount } from "./sse.ts";
import type { RequestLabel } from "./request_metrics.ts";
import denoConfig from "../deno.json" with { type: "json" };

/** Request-duration buckets in seconds: API answers take milliseconds, cold summaries up to seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Set an unlabelled gauge, or leave it without a sample when the value is unknown. */
function setOrRemove(gauge: Gauge, value: number | null): void {
  if (value === null) gauge.remove();
  else gauge.set(value);
}

/**
 * Options of {@linkcode DashboardMetrics}.
 *
 * @example
 * ```ts
 * import type { DashboardMetricsOptions } from "./dashboard_metrics.ts";
 * const options: DashboardMetricsOptions = { logDir: "logs/execution" };
 * ```
 */
export interface DashboardMetricsOptions {
  /** The log root the dashboard serves. */
  logDir: string;
  /**
   * A session file modified within this many milliseconds is `active`.
   * @default {300000}
   */
  activeWindowMs?: number;
  /**
   * The alerts firing now (the server passes its telemetry monitor's), for
   * `peak_exec_alerts_firing{rule,severity}`; without it the family has no
   * samples.
   */
  firingAlerts?: () => Promise<FiringAlert[]>;
}

/**
 * Everything `/metrics` of the dashboard exposes. Other parts of the server
 * register their own families on {@linkcode DashboardMetrics.registry}.
 *
 * @example
 * ```ts
 * import { DashboardMetrics } from "./dashboard_metrics.ts";
 * const metrics = new DashboardMetrics({ logDir: "logs/execution" });
 * const text = await metrics.render();
 * console.log(text.includes("# TYPE peak_exec_events_total counter")); // true
 * ```
 */
export class DashboardMetrics {
  /** The registry behind `/metrics`; add the server's other families here. */
  readonly registry: Registry = new Registry();
  /** `peak_exec_http_request_duration_seconds{route,method,status_class}`. */
  readonly requestDuration: Histogram<RequestLabel>;
  readonly #root: LogRootCounts;
  /** The last refresh of the log root, read by the families' `collect()`. */
  #snapshot: LogRootSnapshot | null = null;
  readonly #firingAlerts: (() => Promise<FiringAlert[]>) | undefined;
  /** The firing alerts read by the last render. */
  #firing: FiringAlert[] = [];

  /** Register every family; see {@linkcode DashboardMetricsOptions}. */
  constructor(options: DashboardMetricsOptions) {
    this.#root = new LogRootCounts(options.logDir, { activeWindowMs: options.activeWindowMs });
    const registers = [this.registry];
    const empty = new EventCounts();
    registerEventFamilies(this.registry, () => this.#snapshot?.counts ?? empty);
    const snapshot = (): LogRootSnapshot | null => this.#snapshot;
    new Counter({
      name: "peak_exec_invalid_lines_total",
      help: "Complete lines in session files that are not events (invalid JSON or over the cap).",
      registers,
      collect() {
        this.reset();
        this.inc(snapshot()?.invalidLines ?? 0);
      },
    });
    new Gauge({
      name: "peak_exec_sessions",
      help: "Sessions in the log root, by state (active: written in the last 5 minutes).",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const sessions = snapshot()?.sessions ?? { active: 0, idle: 0, archived: 0 };
        this.set({ state: "active" }, sessions.active);
        this.set({ state: "idle" }, sessions.idle);
        this.set({ state: "archived" }, sessions.archived);
      },
    });
    new Gauge({
      name: "peak_exec_last_event_timestamp_seconds",
      help: "Timestamp of the newest event in the log root, in seconds since the epoch.",
      registers,
      collect() {
        // No sample while there is no event: 0 would read as "stale since 1970".
        setOrRemove(this, snapshot()?.lastEventSeconds ?? null);
      },
    });
    new Gauge({
      name: "peak_exec_log_bytes",
      help: "Bytes of the files in the log root.",
      registers,
      collect() {
        this.set(snapshot()?.logBytes ?? 0);
      },
    });
    new Gauge({
      name: "peak_exec_filesystem_avail_bytes",
      help: "Bytes available to the server on the log root's filesystem.",
      registers,
      collect() {
        setOrRemove(this, snapshot()?.filesystem?.availBytes ?? null);
      },
    });
    new Gauge({
      name: "peak_exec_filesystem_size_bytes",
      help: "Size of the log root's filesystem in bytes.",
      registers,
      collect() {
        setOrRemove(this, snapshot()?.filesystem?.sizeBytes ?? null);
      },
    });
    new Gauge({
      name: "peak_exec_sse_clients",
      help: "Live-follow (Server-Sent Events) streams open.",
      registers,
      collect() {
        this.set(openEventStreamCount());
      },
    });
    this.requestDuration = new Histogram({
      name: "peak_exec_http_request_duration_seconds",
      help: "Time to answer a dashboard request (to the response headers), by route pattern.",
      labelNames: ["route", "method", "status_class"] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: "peak_exec_build_info",
      help: "The dashboard's version; always 1.",
      labelNames: ["version"] as const,
      registers,
    }).set({ version: denoConfig.version }, 1);
    const firing = (): FiringAlert[] => this.#firing;
    new Gauge({
      name: "peak_exec_alerts_firing",
      help: "Alert rules firing now (1 per rule), by rule and severity.",
      labelNames: ["rule", "severity"] as const,
      registers,
      collect() {
        // Rules and severities come from the product's fixed rule list: bounded labels.
        this.reset();
        for (const alert of firing()) this.set({ rule: alert.rule, severity: alert.severity }, 1);
      },
    });
    this.#firingAlerts = options.firingAlerts;
    registerProcessFamilies(this.registry);
  }

  /** The `Content-Type` of {@linkcode DashboardMetrics.render}'s text. */
  get contentType(): string {
    return METRICS_CONTENT_TYPE;
  }

  /** Bring the log root's totals up to date, then render every family. */
  async render(): Promise<string> {
    this.#snapshot = await this.#root.refresh();
    try {
      this.#firing = (await this.#firingAlerts?.()) ?? [];
    } catch {
      // An unreadable alert state must not fail the scrape: the family goes empty instead.
      this.#firing = [];
    }
    return await this.registry.metrics();
  }
}
