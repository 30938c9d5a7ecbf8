/**
 * `GET /`: the sessions index, newest first: size, events, last event and a
 * link to each session's timeline. Over a central root written by
 * `collect`, also the fleet's hosts (last event, shipping lag), a host
 * column, `?host=ID` to show one host's sessions, and a header note on the
 * hosts that are behind.
 *
 * @module
 */
import type { JSX } from "preact";
import { listSessions } from "../live/sessions.ts";
import type { SessionInfo } from "../live/types.ts";
import { formatBytes, formatTimestamp } from "../web/format.ts";
import type { Handlers, PageProps } from "../web/route.ts";
import { type FleetOverview, readFleetOverview } from "../fleet/fleet_overview.ts";
import { isValidHostId } from "../execution/fleet/host_id.ts";
import { HttpError } from "../web/errors.ts";
import { FleetHosts } from "../components/FleetHosts.tsx";
import { FleetLagNote } from "../components/FleetLagNote.tsx";

/**
 * What the sessions page renders.
 *
 * @example
 * ```ts
 * import type { SessionsPageData } from "./index.tsx";
 * const data: SessionsPageData = { sessions: [] };
 * ```
 */
export interface SessionsPageData {
  /** Sessions, newest first (only the selected host's when `host` is set). */
  sessions: SessionInfo[];
  /** The fleet, over a central root written by `collect`; else absent or `null`. */
  fleet?: FleetOverview | null;
  /** The host the sessions are filtered to (`?host=`), or absent. */
  host?: string | null;
  /** Each host's latest event (wire form), by host id. */
  hostLastEvents?: Record<string, string | null>;
}

/** Loads the session list (empty when the log root does not exist yet) and the fleet. */
export const handler: Handlers<SessionsPageData> = {
  async GET(ctx) {
    const host = ctx.url.searchParams.get("host");
    if (host !== null && !isValidHostId(host)) {
      throw new HttpError(400, "invalid_host", "host: expected a host id (A-Z a-z 0-9 _ -)");
    }
    const sessions = await listSessions(ctx.state.logDir);
    const fleet = readFleetOverview(ctx.state.logDir);
    if (fleet === null) return ctx.render({ sessions });
    const hostLastEvents: Record<string, string | null> = {};
    for (const s of sessions) {
      const of = fleet.sessionHosts[s.session_id];
      if (of === undefined || s.last_ts === null) continue;
      const seen = hostLastEvents[of];
      if (seen === undefined || seen === null || s.last_ts > seen) hostLastEvents[of] = s.last_ts;
    }
    const shown = host === null
      ? sessions
      : sessions.filter((s) => fleet.sessionHosts[s.session_id] === host);
    return ctx.render({ sessions: shown, fleet, host, hostLastEvents });
  },
};

/**
 * The page title.
 *
 * @example
 * ```ts
 * import { title } from "./index.tsx";
 * console.log(title()); // "Execution sessions"
 * ```
 */
export function title(): string {
  return "Execution sessions";
}

/**
 * Renders the sessions table (or says plainly that there are none).
 *
 * @example
 * ```tsx
 * import SessionsPage from "./index.tsx";
 * const page = <SessionsPage data={{ sessions: [] }} url={new URL("http://localhost/")} />;
 * ```
 */
export default function SessionsPage({ data }: PageProps<SessionsPageData>): JSX.Element {
  return (
    <main class="page">
      <header class="page-header">
        <h1>Execution sessions</h1>
        <p class="subtitle">Newest first · {data.sessions.length} sessions</p>
        {data.fleet ? <FleetLagNote fleet={data.fleet} /> : null}
      </header>
      {data.fleet
        ? (
          <FleetHosts
            hosts={data.fleet.hosts}
            lastEvents={data.hostLastEvents ?? {}}
            selected={data.host ?? null}
          />
        )
        : null}
      {data.sessions.length === 0
        ? (
          <div class="empty">
            <h2>No sessions yet</h2>
            <p>
              The log directory holds no session files. Run <code>deno task dry-run</code> (or{" "}
              <code>deno task start</code>) to write one.
            </p>
          </div>
        )
        : (
          <div class="table-wrap">
            <table class="sessions">
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  {data.fleet ? <th scope="col">Host</th> : null}
                  <th scope="col">Events</th>
                  <th scope="col">Size</th>
                  <th scope="col">Last event</th>
                </tr>
              </thead>
              <tbody>
                {data.sessions.map((s) => (
                  <tr key={s.session_id}>
                    <td>
                      <a href={`/live/execution/${encodeURIComponent(s.session_id)}`}>
                        {s.session_id}
                      </a>
                    </td>
                    {data.fleet ? <td>{data.fleet.sessionHosts[s.session_id] ?? "-"}</td> : null}
                    <td class="num">{s.event_count}</td>
                    <td class="num">{formatBytes(s.size_bytes)}</td>
                    <td class="ts">{formatTimestamp(s.last_ts, "utc")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </main>
  );
}
