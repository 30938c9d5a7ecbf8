/**
 * The toolbar above the timeline: the live-follow switch and its connection
 * status, the UTC/local time toggle, the export links of the filtered view
 * and the loading indicator.
 *
 * @module
 */
import type { JSX } from "preact";
import type { TimeZoneMode } from "../web/format.ts";

/**
 * The state of live follow as the status line shows it.
 */
export type FollowConnection = "off" | "connecting" | "connected" | "reconnecting";

/**
 * Props of {@linkcode FollowToolbar}.
 */
export interface FollowToolbarProps {
  /** Whether the island has hydrated (before that, the switches cannot work). */
  hydrated: boolean;
  /** Whether live follow is on. */
  follow: boolean;
  /** The state of the live-follow connection. */
  connection: FollowConnection;
  /** How timestamps are shown. */
  timeZone: TimeZoneMode;
  /** Whether a page is loading. */
  loading: boolean;
  /** The live-follow switch changed. */
  onFollowChange: (follow: boolean) => void;
  /** The time toggle was pressed. */
  onTimeZoneToggle: () => void;
  /** Download links of the whole filtered view (CSV and JSONL), or absent. */
  exportHrefs?: { csv: string; jsonl: string };
}

/** What the status line says. */
function statusText(connection: FollowConnection, hydrated: boolean): string {
  if (connection !== "off") return connection;
  return hydrated ? "not following" : "live follow needs JavaScript";
}

/**
 * The timeline's toolbar.
 *
 * @example
 * ```tsx
 * import { FollowToolbar } from "./FollowToolbar.tsx";
 * const toolbar = (
 *   <FollowToolbar
 *     hydrated
 *     follow={false}
 *     connection="off"
 *     timeZone="utc"
 *     loading={false}
 *     onFollowChange={() => {}}
 *     onTimeZoneToggle={() => {}}
 *   />
 * );
 * ```
 */
export function FollowToolbar(props: FollowToolbarProps): JSX.Element {
  const { hydrated, follow, connection, timeZone, loading } = props;
  return (
    <div class="toolbar">
      <label class="switch">
        <input
          type="checkbox"
          name="follow"
          checked={follow}
          disabled={!hydrated}
          onChange={(e) => props.onFollowChange(e.currentTarget.checked)}
        />
        <span>Live follow</span>
      </label>
      <span class={`connection connection-${connection}`} role="status" aria-live="polite">
        {statusText(connection, hydrated)}
      </span>
      <button
        type="button"
        class="tz-toggle"
        disabled={!hydrated}
        onClick={props.onTimeZoneToggle}
      >
        {timeZone === "utc" ? "Times: UTC" : "Times: local"}
      </button>
      {props.exportHrefs !== undefined && (
        <span class="exports">
          Export the filtered view:{" "}
          <a class="export export-csv" href={props.exportHrefs.csv} download>CSV</a>{" "}
          <a class="export export-jsonl" href={props.exportHrefs.jsonl} download>JSONL</a>
        </span>
      )}
      {loading && <span class="loading">loading…</span>}
    </div>
  );
}
