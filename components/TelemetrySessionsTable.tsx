/**
 * The newest sessions of the log root with their size on disk, age and
 * compression (the original console's session list, from metadata only).
 *
 * @module
 */
import type { JSX } from "preact";
import { formatBytes } from "../web/format.ts";

/**
 * One row.
 *
 * @example
 * ```ts
 * import type { TelemetrySessionRow } from "./TelemetrySessionsTable.tsx";
 * const row: TelemetrySessionRow = {
 *   session_id: "demo", size_bytes: 1024, age_seconds: 60, compression: "plain", modified: null,
 * };
 * ```
 */
export interface TelemetrySessionRow {
  /** The session. */
  session_id: string;
  /** Bytes on disk, all files. */
  size_bytes: number;
  /** Seconds since it was last written. */
  age_seconds: number;
  /** `plain`, `archived (.jsonl.gz)` or `k of n segments compressed`. */
  compression: string;
  /** Last write (ISO 8601), or `null`. */
  modified: string | null;
}

/**
 * Props of {@linkcode TelemetrySessionsTable}.
 *
 * @example
 * ```ts
 * import type { TelemetrySessionsTableProps } from "./TelemetrySessionsTable.tsx";
 * const props: TelemetrySessionsTableProps = { sessions: [], total: 0 };
 * ```
 */
export interface TelemetrySessionsTableProps {
  /** The rows (newest first). */
  sessions: TelemetrySessionRow[];
  /** Sessions in the log root. */
  total: number;
}

/**
 * An age as text: `45 s`, `12 min`, `5 h`, `3 d`.
 *
 * @example
 * ```ts
 * import { formatAge } from "./TelemetrySessionsTable.tsx";
 * console.log(formatAge(7200)); // "2 h"
 * ```
 */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/**
 * Renders the session list.
 *
 * @example
 * ```tsx
 * import TelemetrySessionsTable from "./TelemetrySessionsTable.tsx";
 * const table = <TelemetrySessionsTable sessions={[]} total={0} />;
 * ```
 */
export default function TelemetrySessionsTable(
  { sessions, total }: TelemetrySessionsTableProps,
): JSX.Element {
  if (sessions.length === 0) {
    return <p class="muted">No sessions in the log root yet.</p>;
  }
  const shownBytes = sessions.reduce((sum, s) => sum + s.size_bytes, 0);
  return (
    <div class="table-wrap">
      <table class="sessions">
        <caption class="visually-hidden">Sessions</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Size</th>
            <th scope="col">Last written</th>
            <th scope="col">Compression</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.session_id}>
              <th scope="row">
                <a href={`/live/execution/${encodeURIComponent(s.session_id)}`}>{s.session_id}</a>
              </th>
              <td class="num">{formatBytes(s.size_bytes)}</td>
              <td class="num" title={s.modified ?? undefined}>{formatAge(s.age_seconds)} ago</td>
              <td>{s.compression}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="table-note">
        {sessions.length} of {total} sessions shown (newest first), {formatBytes(shownBytes)}
      </p>
    </div>
  );
}
