/**
 * `GET /`: the sessions index: state, events, fills, notional, fees, block
 * rate, errors, last-event age and activity of each session, sortable,
 * filterable by text and paged (see `live/session_overview.ts`); the island
 * refreshes it every few seconds. Over a central root written by `collect`,
 * also the fleet's hosts (last event, shipping lag), a note on the hosts
 * that are behind, and `?host=ID` to show one host's sessions (central
 * session ids are `<host>.<session>`).
 *
 * @module
 */
import type { JSX } from "preact";
import SessionsIndex, { type SessionsIndexProps } from "../islands/SessionsIndex.tsx";
import { listSessionPage, MAX_SESSIONS_PAGE } from "../live/session_overview.ts";
import { Island } from "../web/island.tsx";
import type { Handlers, PageProps } from "../web/route.ts";
import { parseSessionPageParams } from "../web/session_params.ts";
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
 * type Island = SessionsPageData["island"];
 * ```
 */
export interface SessionsPageData {
  /** Props of the index island. */
  island: SessionsIndexProps;
  /** The fleet, over a central root written by `collect`; else `null`. */
  fleet: FleetOverview | null;
  /** The host the sessions are filtered to (`?host=`), or `null`. */
  host: string | null;
  /** Each host's latest event (wire form), by host id. */
  hostLastEvents: Record<string, string | null>;
}

/** Loads the first page of sessions (empty when the log root does not exist yet). */
export const handler: Handlers<SessionsPageData> = {
  async GET(ctx) {
    const host = ctx.url.searchParams.get("host");
    if (host !== null && !isValidHostId(host)) {
      throw new HttpError(400, "invalid_host", "host: expected a host id (A-Z a-z 0-9 _ -)");
    }
    const options = parseSessionPageParams(ctx.url.searchParams);
    // One host's sessions: central session ids start with `<host>.`.
    if (host !== null) options.text = `${host}.`;
    const page = await listSessionPage({ ...options, baseDir: ctx.state.logDir });
    const fleet = readFleetOverview(ctx.state.logDir);
    const hostLastEvents: Record<string, string | null> = {};
    if (fleet !== null) {
      for (const s of page.sessions) {
        const of = fleet.sessionHosts[s.session_id];
        if (of === undefined || s.last_ts === null) continue;
        const seen = hostLastEvents[of];
        if (seen === undefined || seen === null || s.last_ts > seen) hostLastEvents[of] = s.last_ts;
      }
    }
    return ctx.render({
      fleet,
      host,
      hostLastEvents,
      island: {
        page,
        query: {
          q: options.text ?? "",
          sort: options.sort ?? "last_ts",
          order: options.order ?? "desc",
          offset: options.offset ?? 0,
          limit: options.limit ?? MAX_SESSIONS_PAGE,
        },
      },
    });
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
 * Renders the header and the sessions island.
 *
 * @example
 * ```tsx
 * import SessionsPage from "./index.tsx";
 * // rendered by the app for GET /
 * ```
 */
export default function SessionsPage({ data }: PageProps<SessionsPageData>): JSX.Element {
  return (
    <>
      <main class="page">
        <header class="page-header">
          <h1>Execution sessions</h1>
          <p class="subtitle">Newest first · {data.island.page.total} sessions</p>
          {data.fleet ? <FleetLagNote fleet={data.fleet} /> : null}
        </header>
        {data.fleet
          ? (
            <FleetHosts
              hosts={data.fleet.hosts}
              lastEvents={data.hostLastEvents}
              selected={data.host}
            />
          )
          : null}
        <Island component={SessionsIndex} props={data.island} />
      </main>
    </>
  );
}
