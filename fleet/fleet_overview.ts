/**
 * The fleet as the dashboard shows it over a central log root: each
 * session's host, and each host's sessions, shipping lag and state, from
 * what `collect` keeps in `.fleet/collect/` (the shippers' statuses, which
 * come from their checkpoints, and the consumer's pending count from the
 * stream). `null` for a log root no collector writes to.
 *
 * @module
 */
import {
  readCentralSessionMetas,
  readConsumerStatuses,
  readHostStatuses,
} from "./collect_state.ts";

/** A host is `silent` when its last status is older than this. */
export const SILENT_AFTER_MS = 15_000;
/** A host is `behind` when it has had unshipped bytes for longer than this. */
export const BEHIND_AFTER_MS = 10_000;

/** How a host is doing. */
export type FleetHostState = "current" | "behind" | "silent" | "unknown";

/** One host of the fleet. */
export interface FleetHost {
  /** The host id. */
  host_id: string;
  /** Its sessions in the central root. */
  sessions: number;
  /** Bytes written on the host and not yet acknowledged by JetStream, or `null` without a status. */
  behind_bytes: number | null;
  /** Since when it has been behind (ISO 8601), or `null`. */
  behind_since: string | null;
  /** Seconds since its last status arrived, or `null` without one. */
  status_age_s: number | null;
  /** `current`, `behind` (unshipped bytes for a while, or disconnected), `silent` (no status lately), `unknown` (never reported). */
  state: FleetHostState;
  /** The shipper's last problem, or `null`. */
  last_error: string | null;
}

/** What the sessions index needs about the fleet. */
export interface FleetOverview {
  /** Each central session's host, by session id. */
  sessionHosts: Record<string, string>;
  /** The hosts, by id. */
  hosts: FleetHost[];
  /** Messages in the stream not yet delivered to a collector, or `null` when unknown. */
  pendingMessages: number | null;
}

/** The fleet over central root `baseDir` at time `now`, or `null` when no collector writes there. */
export function readFleetOverview(baseDir: string, now: number = Date.now()): FleetOverview | null {
  const metas = readCentralSessionMetas(baseDir);
  const statuses = readHostStatuses(baseDir);
  const consumers = readConsumerStatuses(baseDir);
  if (metas.size === 0 && statuses.length === 0) return null;
  const sessionHosts: Record<string, string> = {};
  const counts = new Map<string, number>();
  for (const meta of metas.values()) {
    sessionHosts[meta.central_session_id] = meta.host_id;
    counts.set(meta.host_id, (counts.get(meta.host_id) ?? 0) + 1);
  }
  const byHost = new Map(statuses.map((s) => [s.status.host_id, s]));
  const ids = [...new Set([...counts.keys(), ...byHost.keys()])].sort();
  const hosts = ids.map((host_id): FleetHost => {
    const record = byHost.get(host_id);
    if (record === undefined) {
      return {
        host_id,
        sessions: counts.get(host_id) ?? 0,
        behind_bytes: null,
        behind_since: null,
        status_age_s: null,
        state: "unknown",
        last_error: null,
      };
    }
    const { status } = record;
    const ageMs = Math.max(0, now - Date.parse(record.received_at));
    const behindMs = status.behind_since === null ? 0 : now - Date.parse(status.behind_since);
    const state: FleetHostState = ageMs > SILENT_AFTER_MS
      ? "silent"
      : !status.connected || (status.behind_bytes > 0 && behindMs > BEHIND_AFTER_MS)
      ? "behind"
      : "current";
    return {
      host_id,
      sessions: counts.get(host_id) ?? 0,
      behind_bytes: status.behind_bytes,
      behind_since: status.behind_since,
      status_age_s: Math.round(ageMs / 1000),
      state,
      last_error: status.last_error,
    };
  });
  const pending = consumers.length === 0
    ? null
    : consumers.reduce((n, c) => n + c.num_pending + c.num_ack_pending, 0);
  return { sessionHosts, hosts, pendingMessages: pending };
}
