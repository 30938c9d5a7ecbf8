/**
 * The timeline table: one row per event, newest first, with the kind badge,
 * the symbol, the description, a blocked gate's reason and the payload behind
 * a disclosure. Everything from the log is rendered as text.
 *
 * @module
 */
import type { JSX } from "preact";
import { gatePassed } from "../execution/wire/gate_payload.ts";
import type { TimelineRow } from "../live/types.ts";
import { formatTimestamp, kindClass, type TimeZoneMode } from "../web/format.ts";

/**
 * Props of {@linkcode TimelineTable}.
 */
export interface TimelineTableProps {
  /** The rows, newest first. */
  rows: readonly TimelineRow[];
  /** How timestamps are shown. */
  timeZone: TimeZoneMode;
}

/** The payload as indented JSON, or `null` when there is nothing to show. */
function describeDetails(details: unknown): string | null {
  if (details === null || details === undefined) return null;
  if (typeof details === "object" && Object.keys(details).length === 0) return null;
  return JSON.stringify(details, null, 2);
}

/**
 * Why a gate blocked (`CODE: reason`), shown under the description so a
 * block can be read without opening the payload; `null` for other rows.
 */
function blockReason(row: TimelineRow): string | null {
  if (row.kind !== "gate" || typeof row.details !== "object" || row.details === null) return null;
  if (gatePassed(row.details)) return null;
  const { code, reason } = row.details as Record<string, unknown>;
  const text = typeof reason === "string" ? reason.trim() : "";
  const codeText = typeof code === "string" ? code : "";
  if (text === "" && codeText === "") return null;
  return codeText === "" ? text : text === "" ? codeText : `${codeText}: ${text}`;
}

function TimelineTableRow(
  { row, timeZone }: { row: TimelineRow; timeZone: TimeZoneMode },
): JSX.Element {
  const details = describeDetails(row.details);
  const reason = blockReason(row);
  return (
    <tr data-kind={row.kind} data-offset={row.offset}>
      <td class="ts">{formatTimestamp(row.ts, timeZone)}</td>
      <td>
        <span class={`badge ${kindClass(row.kind)}`}>{row.kind}</span>
      </td>
      <td class="symbol">{row.symbol ?? "—"}</td>
      <td class="description">
        <span>{row.description}</span>
        {reason !== null && <span class="block-reason">{reason}</span>}
        {details !== null && (
          <details>
            <summary>payload</summary>
            <pre class="details">{details}</pre>
          </details>
        )}
      </td>
    </tr>
  );
}

/**
 * The table of timeline rows, newest first.
 *
 * @example
 * ```tsx
 * import { TimelineTable } from "./TimelineTable.tsx";
 * // inside the timeline island: <TimelineTable rows={rows} timeZone="utc" />
 * ```
 */
export function TimelineTable({ rows, timeZone }: TimelineTableProps): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="timeline" aria-label="Execution events, newest first">
        <thead>
          <tr>
            <th scope="col">Timestamp</th>
            <th scope="col">Kind</th>
            <th scope="col">Symbol</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => <TimelineTableRow key={row.offset} row={row} timeZone={timeZone} />)}
        </tbody>
      </table>
    </div>
  );
}
