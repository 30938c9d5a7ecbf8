/**
 * `GET /live/telemetry`: the telemetry console (the original's 16F page,
 * with real data): the health report, the newest sessions with size, age and
 * compression, the retention policy in force (from the config), the health
 * trend of the last 24 h, 7 d or 30 d, and the alerts with forms to
 * acknowledge and snooze them. Server-rendered; the forms and range links
 * work without script, so the page ships none.
 *
 * @module
 */
import type { JSX } from "preact";
import AlertsPanel from "../../components/AlertsPanel.tsx";
import HealthChecksTable from "../../components/HealthChecksTable.tsx";
import HealthTrendChart from "../../components/HealthTrendChart.tsx";
import RetentionPolicyCard from "../../components/RetentionPolicyCard.tsx";
import TelemetrySessionsTable, {
  type TelemetrySessionRow,
} from "../../components/TelemetrySessionsTable.tsx";
import { formatDuration } from "../../execution/duration.ts";
import type { FiringAlert, HistoryRecord } from "../../ops/alert_history.ts";
import type { OperatorView } from "../../ops/alert_lifecycle.ts";
import type { HealthReport } from "../../ops/health_status.ts";
import type { HealthTrends, TrendPoint, TrendRollup } from "../../ops/health_trends.ts";
import type { SessionFacts } from "../../ops/log_root_inventory.ts";
import type { RetentionPolicyView } from "../../ops/ops_settings.ts";
import { ALERT_ACTION_NOTICES } from "../../web/alert_action.ts";
import type { Handlers, PageProps } from "../../web/route.ts";

/** Sessions listed (the original's console showed the newest 50). */
const LISTED_SESSIONS = 50;
/** Latest notifications listed. */
const LISTED_NOTIFICATIONS = 20;
const RANGES = {
  "24h": { days: 1, label: "last 24 hours" },
  "7d": { days: 7, label: "last 7 days" },
  "30d": { days: 30, label: "last 30 days" },
} as const;
type Range = keyof typeof RANGES;

/**
 * What the console renders.
 *
 * @example
 * ```ts
 * import type { TelemetryPageData } from "./telemetry.tsx";
 * type Range = TelemetryPageData["range"]; // "24h" | "7d" | "30d"
 * ```
 */
export interface TelemetryPageData {
  /** The health report. */
  report: HealthReport;
  /** Whether the log root exists. */
  rootExists: boolean;
  /** The newest sessions. */
  sessions: TelemetrySessionRow[];
  /** Sessions in the log root. */
  totalSessions: number;
  /** The retention policy in force. */
  retention: RetentionPolicyView;
  /** When retention last ran, or `null`. */
  lastRetentionRun: string | null;
  /** Rollups of the last 24 h, 7 d and 30 d (`null`: no snapshots). */
  rollups: Record<Range, TrendRollup | null>;
  /** The chart's range. */
  range: Range;
  /** The chart's points. */
  points: TrendPoint[];
  /** Degradation over the latest snapshots, as a sentence. */
  degradation: string;
  /** Alerts firing. */
  firing: FiringAlert[];
  /** Alerts pending. */
  pending: FiringAlert[];
  /** Operator entries in force. */
  operator: OperatorView;
  /** The latest notifications. */
  history: HistoryRecord[];
  /** Whether alerting is enabled. */
  alertsEnabled: boolean;
  /** How often this server evaluates the rules, or `null`. */
  alertsScheduled: string | null;
  /** The message after a form action, or `null`. */
  notice: string | null;
}

function compressionOf(s: SessionFacts): string {
  const segments = new Map<number, boolean>();
  for (const seg of s.segments) {
    segments.set(seg.index, (segments.get(seg.index) ?? false) || seg.compressed);
  }
  const compressed = [...segments.values()].filter(Boolean).length;
  if (s.active === null && s.archive !== null && segments.size === 0) return "archived (.jsonl.gz)";
  if (segments.size === 0) return s.archive === null ? "plain" : "plain + archive (.jsonl.gz)";
  return `${compressed} of ${segments.size} closed segment(s) compressed${
    s.active === null ? "" : ", active file plain"
  }`;
}

function degradationText(trends: HealthTrends): string {
  if (!("degradation" in trends)) return "No snapshots yet.";
  const d = trends.degradation;
  if ("reason" in d) return `Not enough snapshots to judge (${d.available} of at least 3).`;
  return d.degrading
    ? `Degrading over the last ${d.window_size} snapshots: ${d.reasons.join("; ")}.`
    : `Not degrading over the last ${d.window_size} snapshots.`;
}

/** Loads everything the console shows; the health report is shared with the API (5 s). */
export const handler: Handlers<TelemetryPageData> = {
  async GET(ctx) {
    const telemetry = ctx.state.telemetry;
    const query = ctx.url.searchParams;
    const rangeParam = query.get("range") ?? "24h";
    const range: Range = rangeParam in RANGES ? rangeParam as Range : "24h";
    const noticeParam = query.get("notice");
    const now = telemetry.now();
    const [{ report, inventory }, trends, overview, latest] = await Promise.all([
      telemetry.health(),
      telemetry.trends(30),
      telemetry.alertsOverview(),
      telemetry.latestAlerts({ limit: LISTED_NOTIFICATIONS }),
    ]);
    const since = (now - RANGES[range].days * 86_400_000) * 1000;
    const points = "time_series" in trends
      ? trends.time_series.filter((p) => Date.parse(p.ts) * 1000 >= since)
      : [];
    const every = telemetry.schedule.alerts_every;
    return ctx.render({
      report,
      rootExists: inventory.exists,
      sessions: inventory.sessions.slice(0, LISTED_SESSIONS).map((s) => ({
        session_id: s.session_id,
        size_bytes: s.bytes,
        age_seconds: Math.max(0, (now - s.mtime_ms) / 1000),
        compression: compressionOf(s),
        modified: s.mtime_ms > 0 ? new Date(s.mtime_ms).toISOString() : null,
      })),
      totalSessions: inventory.sessions.length,
      retention: telemetry.settings.retention,
      lastRetentionRun: inventory.retention_marker_ms === null
        ? null
        : new Date(inventory.retention_marker_ms).toISOString(),
      rollups: {
        "24h": "last_24h" in trends && trends.last_24h.snapshots > 0 ? trends.last_24h : null,
        "7d": "last_7d" in trends && trends.last_7d.snapshots > 0 ? trends.last_7d : null,
        "30d": "overall" in trends ? trends.overall : null,
      },
      range,
      points,
      degradation: degradationText(trends),
      firing: overview.firing,
      pending: overview.pending,
      operator: overview.operator,
      history: latest.records,
      alertsEnabled: telemetry.alertSettings.enabled,
      alertsScheduled: every === null ? null : formatDuration(every),
      notice: noticeParam !== null && noticeParam in ALERT_ACTION_NOTICES
        ? ALERT_ACTION_NOTICES[noticeParam]
        : null,
    });
  },
};

/** The page title, with the status first so a tab shows it. */
export function title(data: TelemetryPageData): string {
  return `${data.report.status.toUpperCase()} · Telemetry health`;
}

function RollupRow({ name, rollup }: { name: string; rollup: TrendRollup | null }): JSX.Element {
  if (rollup === null) {
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} class="muted">no snapshots</td>
      </tr>
    );
  }
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>
        <span class={`status status-${rollup.worst_severity}`}>{rollup.worst_severity}</span>
      </td>
      <td class="num">{rollup.ok_count} / {rollup.warn_count} / {rollup.critical_count}</td>
      <td class="num">
        {rollup.disk_mb.min ?? "—"} / {rollup.disk_mb.avg ?? "—"} / {rollup.disk_mb.max ?? "—"} MB
      </td>
      <td class="num">{rollup.snapshots}</td>
    </tr>
  );
}

/**
 * Renders the console.
 *
 * @example
 * ```tsx
 * import TelemetryPage from "./telemetry.tsx";
 * // rendered by the app with the handler's data
 * ```
 */
export default function TelemetryPage({ data }: PageProps<TelemetryPageData>): JSX.Element {
  const { report } = data;
  return (
    <main class="page telemetry">
      <header class="page-header">
        <h1>
          Telemetry health <span class={`status status-${report.status}`}>{report.status}</span>
        </h1>
        <p class="subtitle">
          Computed {report.timestamp.slice(0, 19).replace("T", " ")} UTC · exit code{" "}
          {report.exit_code} for <code>main.ts health</code>
          {data.rootExists ? "" : " · the log root does not exist yet"}
        </p>
      </header>
      {data.notice !== null && <p class="notice" role="status">{data.notice}</p>}

      <section aria-labelledby="checks-title">
        <h2 id="checks-title">Checks</h2>
        <HealthChecksTable report={report} />
      </section>

      <section aria-labelledby="alerts-title" id="alerts">
        <h2 id="alerts-title">Alerts</h2>
        <AlertsPanel
          firing={data.firing}
          pending={data.pending}
          operator={data.operator}
          history={data.history}
          enabled={data.alertsEnabled}
          scheduled={data.alertsScheduled}
        />
      </section>

      <section aria-labelledby="trend-title">
        <h2 id="trend-title">Trend</h2>
        <nav class="range-links" aria-label="Trend range">
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <a
              key={r}
              href={`/live/telemetry?range=${r}`}
              aria-current={r === data.range ? "page" : undefined}
            >
              {RANGES[r].label}
            </a>
          ))}
        </nav>
        <HealthTrendChart points={data.points} label={RANGES[data.range].label} />
        <p>{data.degradation}</p>
        <div class="table-wrap">
          <table class="rollups">
            <caption class="visually-hidden">Health rollups</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Worst</th>
                <th scope="col">OK / warn / critical</th>
                <th scope="col">Disk min / avg / max</th>
                <th scope="col">Snapshots</th>
              </tr>
            </thead>
            <tbody>
              <RollupRow name="Last 24 hours" rollup={data.rollups["24h"]} />
              <RollupRow name="Last 7 days" rollup={data.rollups["7d"]} />
              <RollupRow name="Last 30 days" rollup={data.rollups["30d"]} />
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <TelemetrySessionsTable sessions={data.sessions} total={data.totalSessions} />
      </section>

      <section aria-labelledby="retention-title">
        <h2 id="retention-title">Retention policy in force</h2>
        <RetentionPolicyCard policy={data.retention} lastRun={data.lastRetentionRun} />
      </section>
    </main>
  );
}
