/**
 * The timeline table: one row per event, newest first, with the kind badge,
 * the mode, the symbol, the description, a blocked gate's reason and the
 * payload behind a disclosure. Everything from the log is rendered as text.
 * Rows are memoised (a row that did not change is not rendered again when
 * new rows arrive) and focusable, so `j`/`k` can move between them.
 *
 * @module
 */
import { Component, type JSX } from "preact";
import { describeBlock } from "../live/describe.ts";
import type { TimelineRow } from "../live/types.ts";
import { formatCount, formatTimestamp, kindClass, type TimeZoneMode } from "../web/format.ts";

/**
 * Props of {@linkcode TimelineTable}.
 */
export interface TimelineTableProps {
  /** The rows, newest first. */
  rows: readonly TimelineRow[];
  /** How timestamps are shown. */
  timeZone: TimeZoneMode;
}

/** Indented payload JSON per row object: built once, not on every render. */
const detailsText = new WeakMap<TimelineRow, string | null>();

/** The payload as indented JSON, or `null` when there is nothing to show. */
function describeDetails(row: TimelineRow): string | null {
  if (detailsText.has(row)) return detailsText.get(row)!;
  const details = row.details;
  let text: string | null = null;
  if (details !== null && details !== undefined) {
    if (typeof details !== "object" || Object.keys(details).length > 0) {
      text = JSON.stringify(details, null, 2);
    }
  }
  detailsText.set(row, text);
  return text;
}

/**
 * A row's payload behind a disclosure; the server renders it whole (it works
 * without JavaScript), and a live row builds its `<pre>` only when opened,
 * which keeps a fast-moving table light.
 */
class Payload extends Component<{ text: string }, { open: boolean }> {
  override state = { open: typeof document === "undefined" };

  override render(): JSX.Element {
    return (
      <details
        onToggle={(e) => {
          const open = (e.currentTarget as HTMLDetailsElement).open;
          if (open !== this.state.open) this.setState({ open });
        }}
      >
        <summary>payload</summary>
        {this.state.open && <pre class="details">{this.props.text}</pre>}
      </details>
    );
  }
}

function TimelineTableRow(
  { row, timeZone }: { row: TimelineRow; timeZone: TimeZoneMode },
): JSX.Element {
  const details = describeDetails(row);
  const reason = describeBlock(row.kind, row.details);
  return (
    <tr data-kind={row.kind} data-offset={row.offset} tabIndex={-1}>
      <td class="ts">{formatTimestamp(row.ts, timeZone)}</td>
      <td>
        <span class={`badge ${kindClass(row.kind)}`}>{row.kind}</span>
      </td>
      <td class="mode">{row.mode ?? "—"}</td>
      <td class="symbol">{row.symbol ?? "—"}</td>
      <td class="description">
        <span>{row.description}</span>
        {reason !== null && <span class="block-reason">{reason}</span>}
        {details !== null && <Payload text={details} />}
      </td>
    </tr>
  );
}

/** Props of one table row. */
interface RowProps {
  row: TimelineRow;
  timeZone: TimeZoneMode;
}

/**
 * A row that renders again only when it is another row or the time zone
 * changed (preact/compat's `memo` would change how every page renders).
 */
class MemoRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.row !== this.props.row || next.timeZone !== this.props.timeZone;
  }

  override render(): JSX.Element {
    return <TimelineTableRow row={this.props.row} timeZone={this.props.timeZone} />;
  }
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
      <table class="timeline">
        <caption>
          Execution events, newest first ({formatCount(rows.length)} shown;{" "}
          {timeZone === "utc" ? "times in UTC" : "local times"})
        </caption>
        <thead>
          <tr>
            <th scope="col">Timestamp</th>
            <th scope="col">Kind</th>
            <th scope="col">Mode</th>
            <th scope="col">Symbol</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => <MemoRow key={row.offset} row={row} timeZone={timeZone} />)}
        </tbody>
      </table>
    </div>
  );
}
