/**
 * The hosts of a fleet on the sessions index: sessions, last event, shipping
 * lag and state per host, each a link that filters the sessions to it.
 *
 * @module
 */
import type { JSX } from "preact";
import type { FleetHost } from "../fleet/fleet_overview.ts";
import { formatBytes, formatTimestamp } from "../web/format.ts";

/** Props of {@linkcode FleetHosts}. */
export interface FleetHostsProps {
  /** The hosts. */
  hosts: FleetHost[];
  /** Each host's latest event timestamp (wire form), by host id. */
  lastEvents: Record<string, string | null>;
  /** The host the sessions are filtered to, or `null`. */
  selected: string | null;
}

/** A duration in seconds, for a person: `45 s`, `3 min`, `2 h`. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** What the lag column says for a host. */
export function describeLag(host: FleetHost, now: number): string {
  if (host.state === "unknown") return "no status yet";
  if (host.state === "silent") return `silent for ${formatAge(host.status_age_s ?? 0)}`;
  if (host.behind_bytes === null || host.behind_bytes === 0) return "up to date";
  const since = host.behind_since === null
    ? ""
    : `, for ${formatAge((now - Date.parse(host.behind_since)) / 1000)}`;
  return `${formatBytes(host.behind_bytes)} to ship${since}`;
}

/**
 * The hosts table.
 *
 * @example
 * ```tsx
 * import { FleetHosts } from "./FleetHosts.tsx";
 * const table = <FleetHosts hosts={[]} lastEvents={{}} selected={null} />;
 * ```
 */
export function FleetHosts({ hosts, lastEvents, selected }: FleetHostsProps): JSX.Element {
  const now = Date.now();
  return (
    <section class="fleet-hosts" aria-label="Hosts">
      <div class="table-wrap">
        <table class="hosts">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Sessions</th>
              <th scope="col">Last event</th>
              <th scope="col">Shipping lag</th>
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => (
              <tr key={h.host_id} class={`host-${h.state}`}>
                <td>
                  {h.host_id === selected
                    ? <strong>{h.host_id}</strong>
                    : <a href={`/?host=${encodeURIComponent(h.host_id)}`}>{h.host_id}</a>}
                </td>
                <td class="num">{h.sessions}</td>
                <td class="ts">{formatTimestamp(lastEvents[h.host_id] ?? null, "utc")}</td>
                <td class={`lag lag-${h.state}`} title={h.last_error ?? undefined}>
                  {describeLag(h, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected !== null
        ? (
          <p class="subtitle">
            Only {selected}: <a href="/">all hosts</a>
          </p>
        )
        : null}
    </section>
  );
}
