/**
 * `GET /`: the sessions index, newest first: size, events, last event and a
 * link to each session's timeline.
 *
 * @module
 */
import type { JSX } from "preact";
import { listSessions } from "../live/sessions.ts";
import type { SessionInfo } from "../live/types.ts";
import { formatBytes, formatTimestamp } from "../web/format.ts";
import type { Handlers, PageProps } from "../web/route.ts";

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
  /** Sessions, newest first. */
  sessions: SessionInfo[];
}

/** Loads the session list (empty when the log root does not exist yet). */
export const handler: Handlers<SessionsPageData> = {
  async GET(ctx) {
    return ctx.render({ sessions: await listSessions(ctx.state.logDir) });
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
      </header>
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
