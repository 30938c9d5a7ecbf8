/**
 * The page header's note on a fleet: which hosts are behind or silent, and
 * how many messages wait in the stream for a collector. Nothing when all is
 * current.
 *
 * @module
 */
import type { JSX } from "preact";
import type { FleetOverview } from "../fleet/fleet_overview.ts";

/** Props of {@linkcode FleetLagNote}. */
export interface FleetLagNoteProps {
  /** The fleet. */
  fleet: FleetOverview;
}

/**
 * The note, or `null` when every host is current and the stream is drained.
 *
 * @example
 * ```tsx
 * import { FleetLagNote } from "./FleetLagNote.tsx";
 * const note = <FleetLagNote fleet={{ sessionHosts: {}, hosts: [], pendingMessages: 0 }} />;
 * ```
 */
export function FleetLagNote({ fleet }: FleetLagNoteProps): JSX.Element | null {
  const behind = fleet.hosts.filter((h) => h.state === "behind" || h.state === "silent");
  const pending = fleet.pendingMessages ?? 0;
  if (behind.length === 0 && pending === 0) return null;
  return (
    <p class="fleet-note" role="status">
      {behind.length > 0
        ? (
          <span>
            {behind.length === 1 ? "1 host is behind" : `${behind.length} hosts are behind`}:{" "}
            {behind.map((h, i) => (
              <span key={h.host_id}>
                {i > 0 ? ", " : ""}
                <a href={`/?host=${encodeURIComponent(h.host_id)}`}>{h.host_id}</a>
                {h.state === "silent" ? " (silent)" : ""}
              </span>
            ))}.
          </span>
        )
        : null}
      {pending > 0
        ? <span>{` ${pending} messages wait in the stream for a collector.`}</span>
        : null}
    </p>
  );
}
