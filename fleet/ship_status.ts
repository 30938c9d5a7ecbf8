/**
 * What a shipper tells the central side about itself, every few seconds, on
 * `peak.fleet.status.<host>` (a plain NATS message, not stored): how far
 * each session is shipped, how many bytes wait on the host, since when it
 * is behind, and its last error. `collect` keeps the latest one per host in
 * the central root; the dashboard reads it to show each host's lag.
 *
 * @module
 */
import { isValidHostId } from "../execution/fleet/host_id.ts";

/** The `format` of a status message. */
export const SHIP_STATUS_FORMAT = "peak-exec-ship-status/1";

/** Most sessions listed in one status (the rest are counted in `sessions_total`). */
export const STATUS_MAX_SESSIONS = 500;

/** One session in a status. */
export interface ShipSessionStatus {
  /** The session on the host. */
  session_id: string;
  /** Logical offset shipped and acknowledged. */
  shipped_offset: number;
  /** Logical end of the session on the host when last looked at. */
  end_offset: number;
}

/** A shipper's status. */
export interface ShipStatus {
  /** Always {@linkcode SHIP_STATUS_FORMAT}. */
  format: string;
  /** The host. */
  host_id: string;
  /** The stream it ships to. */
  stream: string;
  /** When the status was made (ISO 8601). */
  at: string;
  /** Whether it is connected to NATS. */
  connected: boolean;
  /** Bytes of complete lines on the host not yet acknowledged, over every session. */
  behind_bytes: number;
  /** Since when it has had bytes to ship without catching up (ISO 8601), or `null` when caught up. */
  behind_since: string | null;
  /** Sessions, most behind first (at most {@linkcode STATUS_MAX_SESSIONS}). */
  sessions: ShipSessionStatus[];
  /** Sessions in the log root. */
  sessions_total: number;
  /** Lines and batches acknowledged since the shipper started. */
  shipped_lines: number;
  /** Batches acknowledged since the shipper started. */
  shipped_batches: number;
  /** The last problem, or `null`. */
  last_error: string | null;
}

/** A status message parsed and checked, or `null` when it is not one. */
export function parseShipStatus(text: string): ShipStatus | null {
  let value: Partial<ShipStatus>;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (
    value === null || typeof value !== "object" || value.format !== SHIP_STATUS_FORMAT ||
    !isValidHostId(value.host_id) || typeof value.at !== "string" ||
    typeof value.behind_bytes !== "number" || !Array.isArray(value.sessions)
  ) {
    return null;
  }
  return {
    format: SHIP_STATUS_FORMAT,
    host_id: value.host_id,
    stream: String(value.stream ?? ""),
    at: value.at,
    connected: value.connected === true,
    behind_bytes: value.behind_bytes,
    behind_since: typeof value.behind_since === "string" ? value.behind_since : null,
    sessions: value.sessions.filter((s): s is ShipSessionStatus =>
      typeof s?.session_id === "string" && typeof s.shipped_offset === "number" &&
      typeof s.end_offset === "number"
    ).slice(0, STATUS_MAX_SESSIONS),
    sessions_total: Number(value.sessions_total ?? value.sessions.length),
    shipped_lines: Number(value.shipped_lines ?? 0),
    shipped_batches: Number(value.shipped_batches ?? 0),
    last_error: typeof value.last_error === "string" ? value.last_error : null,
  };
}
