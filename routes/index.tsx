/**
 * `GET /`: the sessions index: state, events, fills, notional, fees, block
 * rate, errors, last-event age and activity of each session, sortable,
 * filterable by text and paged (see `live/session_overview.ts`); the island
 * refreshes it every few seconds.
 *
 * @module
 */
import type { JSX } from "preact";
import SessionsIndex, { type SessionsIndexProps } from "../islands/SessionsIndex.tsx";
import { listSessionPage, MAX_SESSIONS_PAGE } from "../live/session_overview.ts";
import { Island } from "../web/island.tsx";
import type { Handlers, PageProps } from "../web/route.ts";
import { parseSessionPageParams } from "../web/session_params.ts";

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
}

/** Loads the first page of sessions (empty when the log root does not exist yet). */
export const handler: Handlers<SessionsPageData> = {
  async GET(ctx) {
    const options = parseSessionPageParams(ctx.url.searchParams);
    const page = await listSessionPage({ ...options, baseDir: ctx.state.logDir });
    return ctx.render({
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
        </header>
        <Island component={SessionsIndex} props={data.island} />
      </main>
    </>
  );
}
