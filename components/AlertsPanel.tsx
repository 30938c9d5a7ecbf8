/**
 * The alerts of the telemetry console: what fires and waits, with forms to
 * acknowledge an alert and snooze its rule (plain HTML forms posting to the
 * API; no script), the snoozes and silences in force, and the latest
 * notifications with their delivery status.
 *
 * @module
 */
import type { JSX } from "preact";
import type { FiringAlert, HistoryRecord } from "../ops/alert_history.ts";
import type { OperatorView } from "../ops/alert_lifecycle.ts";

/**
 * Props of {@linkcode AlertsPanel}.
 *
 * @example
 * ```ts
 * import type { AlertsPanelProps } from "./AlertsPanel.tsx";
 * const props: AlertsPanelProps = {
 *   firing: [], pending: [], operator: { acks: [], snoozes: [], silences: [] }, history: [],
 *   enabled: true, scheduled: null,
 * };
 * ```
 */
export interface AlertsPanelProps {
  /** Alerts firing. */
  firing: FiringAlert[];
  /** Alerts pending. */
  pending: FiringAlert[];
  /** Acks, snoozes and silences in force. */
  operator: OperatorView;
  /** The latest notifications. */
  history: HistoryRecord[];
  /** Whether alerting is enabled in the config. */
  enabled: boolean;
  /** How often this server evaluates the rules (e.g. `30s`), or `null` when it does not. */
  scheduled: string | null;
}

const TTLS = ["30m", "2h", "8h", "1d"];

function TtlSelect({ name, withForever }: { name: string; withForever: boolean }): JSX.Element {
  return (
    <select name={name} aria-label="for how long">
      {withForever && <option value="">until resolved</option>}
      {TTLS.map((t) => <option key={t} value={t}>{t}</option>)}
    </select>
  );
}

function AlertRow({ alert, acked }: { alert: FiringAlert; acked: boolean }): JSX.Element {
  return (
    <li class={`alert alert-${alert.severity}`}>
      <div class="alert-head">
        <span class={`status status-${alert.severity === "info" ? "ok" : alert.severity}`}>
          {alert.severity}
        </span>{" "}
        <strong>{alert.title}</strong>
      </div>
      <div class="alert-meta">
        rule <code>{alert.rule}</code> · since {alert.since ?? "—"}
        {alert.suppressed !== null && <span class="muted">· not notified: {alert.suppressed}</span>}
      </div>
      <div class="alert-actions">
        {!acked && (
          <form method="post" action="/api/telemetry/alerts/ack" class="inline-form">
            <input type="hidden" name="dedupe_key" value={alert.dedupe_key} />
            <TtlSelect name="ttl" withForever />
            <button type="submit">Acknowledge</button>
          </form>
        )}
        <form method="post" action="/api/telemetry/alerts/snooze" class="inline-form">
          <input type="hidden" name="rule" value={alert.rule} />
          <TtlSelect name="ttl" withForever={false} />
          <button type="submit" class="secondary">Snooze rule</button>
        </form>
      </div>
    </li>
  );
}

/**
 * Renders the panel.
 *
 * @example
 * ```tsx
 * import AlertsPanel from "./AlertsPanel.tsx";
 * const panel = (
 *   <AlertsPanel firing={[]} pending={[]} operator={{ acks: [], snoozes: [], silences: [] }} history={[]} enabled scheduled={null} />
 * );
 * ```
 */
export default function AlertsPanel(props: AlertsPanelProps): JSX.Element {
  const { firing, pending, operator, history, enabled, scheduled } = props;
  const acked = new Set(operator.acks.map((a) => a.dedupe_key));
  return (
    <div class="alerts-panel">
      <p class="muted">
        {!enabled
          ? "Alerting is disabled in the config ([execution.alerts] enabled = false)."
          : scheduled !== null
          ? `This server evaluates the rules every ${scheduled}.`
          : "This server does not evaluate the rules (start it with --config, or run `main.ts alerts run`); the store below is what the last evaluation recorded."}
      </p>
      {firing.length === 0 && pending.length === 0
        ? <p class="ok-note">No alert is firing.</p>
        : (
          <ul class="alert-list">
            {firing.map((a) => (
              <AlertRow key={a.dedupe_key} alert={a} acked={acked.has(a.dedupe_key)} />
            ))}
            {pending.map((a) => (
              <li key={a.dedupe_key} class="alert alert-pending">
                <span class="status status-pending">pending</span> {a.title}{" "}
                <span class="muted">(rule {a.rule}, condition holding since {a.since})</span>
              </li>
            ))}
          </ul>
        )}
      {(operator.acks.length > 0 || operator.snoozes.length > 0 ||
        operator.silences.length > 0) && (
        <div class="operator">
          <h3>In force</h3>
          <ul>
            {operator.acks.map((a) => (
              <li key={`ack-${a.dedupe_key}`}>
                Ack of <code>{a.dedupe_key}</code> until {a.expires_at ?? "it resolves"}
              </li>
            ))}
            {operator.snoozes.map((s) => (
              <li key={`snooze-${s.rule_id}`}>
                Snooze of <code>{s.rule_id}</code> until {s.expires_at}{" "}
                <form method="post" action="/api/telemetry/alerts/unsnooze" class="inline-form">
                  <input type="hidden" name="rule" value={s.rule_id} />
                  <button type="submit" class="secondary">Lift</button>
                </form>
              </li>
            ))}
            {operator.silences.map((s) => (
              <li key={`silence-${s.id}`}>
                Silence {s.id} of {JSON.stringify(s.matchers)} until {s.expires_at}
                {s.comment === "" ? "" : ` (${s.comment})`}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3>Latest notifications</h3>
      {history.length === 0 ? <p class="muted">None recorded.</p> : (
        <div class="table-wrap">
          <table class="alert-history">
            <caption class="visually-hidden">Latest notifications</caption>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">Severity</th>
                <th scope="col">State</th>
                <th scope="col">Rule</th>
                <th scope="col">Delivery</th>
                <th scope="col">Title</th>
              </tr>
            </thead>
            <tbody>
              {history.map((r) => (
                <tr key={r.id}>
                  <td class="ts">{r.recorded_at.slice(0, 19).replace("T", " ")}</td>
                  <td>{r.severity}</td>
                  <td>{r.state}{r.repeat ? " (repeat)" : ""}</td>
                  <td>
                    <code>{r.rule_id}</code>
                  </td>
                  <td>{r.delivery_status}{r.suppressed === null ? "" : ` (${r.suppressed})`}</td>
                  <td class="description">{r.title}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
