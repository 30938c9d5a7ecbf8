/**
 * The health report as a table: each check's status, value and thresholds,
 * and its message.
 *
 * @module
 */
import type { JSX } from "preact";
import type { HealthCheck, HealthReport } from "../ops/health_status.ts";

/**
 * Props of {@linkcode HealthChecksTable}.
 *
 * @example
 * ```ts
 * import type { HealthChecksTableProps } from "./HealthChecksTable.tsx";
 * type Report = HealthChecksTableProps["report"];
 * ```
 */
export interface HealthChecksTableProps {
  /** The report to show. */
  report: HealthReport;
}

function valueText(check: HealthCheck): string {
  if (check.value === null) return "—";
  const value = check.unit === "bytes" ? check.value.toLocaleString("en-US") : String(check.value);
  return check.unit === "%" ? `${value}%` : `${value} ${check.unit}`;
}

function thresholdText(check: HealthCheck): string {
  const op = check.name === "free_space" ? "≤" : "≥";
  const unit = check.unit === "%" ? "%" : ` ${check.unit}`;
  return `${op} ${check.threshold_warn}${unit} / ${op} ${check.threshold_critical}${unit}`;
}

/**
 * Renders the checks.
 *
 * @example
 * ```tsx
 * import HealthChecksTable from "./HealthChecksTable.tsx";
 * const table = <HealthChecksTable report={{ timestamp: "", status: "ok", exit_code: 0, checks: [] }} />;
 * ```
 */
export default function HealthChecksTable({ report }: HealthChecksTableProps): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="health-checks">
        <caption class="visually-hidden">Health checks</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Check</th>
            <th scope="col">Value</th>
            <th scope="col">Warn / critical</th>
            <th scope="col">What was seen</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((c) => (
            <tr key={c.name}>
              <td>
                <span class={`status status-${c.status}`}>{c.status}</span>
              </td>
              <th scope="row" class="check-name">{c.name}</th>
              <td class="num">{valueText(c)}</td>
              <td class="num">{thresholdText(c)}</td>
              <td class="description">{c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
