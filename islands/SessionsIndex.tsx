/**
 * The sessions index island: a table of sessions (state, events, fills,
 * notional, fees, block rate, errors, last-event age, an activity sparkline)
 * with sortable columns, a text filter and paging, refreshed every few
 * seconds. Without JavaScript the same table works through plain links and a
 * GET form (`q`, `sort`, `order`, `offset`, `limit`).
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Sparkline } from "../components/Sparkline.tsx";
import type {
  SessionOverview,
  SessionPage,
  SessionSortKey,
  SessionState,
} from "../live/session_overview.ts";
import { formatAge, formatBytes, formatCount, formatDecimal } from "../web/format.ts";

/** How often the index refreshes itself. */
const REFRESH_MS = 5_000;

/** The index's query: filter text, sort, direction and page. */
export interface SessionsQuery {
  /** Text the session id contains. */
  q: string;
  /** Sort column. */
  sort: SessionSortKey;
  /** Sort direction. */
  order: "asc" | "desc";
  /** Sessions skipped. */
  offset: number;
  /** Sessions per page. */
  limit: number;
}

/** Props of {@linkcode SessionsIndex}. */
export interface SessionsIndexProps {
  /** The first page, as the server read it. */
  page: SessionPage;
  /** The query it answers. */
  query: SessionsQuery;
}

const COLUMNS: { key: SessionSortKey; label: string; numeric: boolean }[] = [
  { key: "session_id", label: "Session", numeric: false },
  { key: "state", label: "State", numeric: false },
  { key: "event_count", label: "Events", numeric: true },
  { key: "fills", label: "Fills", numeric: true },
  { key: "notional", label: "Notional", numeric: true },
  { key: "fees", label: "Fees", numeric: true },
  { key: "block_rate", label: "Block rate", numeric: true },
  { key: "errors", label: "Errors", numeric: true },
  { key: "size_bytes", label: "Size", numeric: true },
  { key: "last_ts", label: "Last event", numeric: true },
];

function searchOf(query: SessionsQuery): string {
  const params = new URLSearchParams();
  if (query.q !== "") params.set("q", query.q);
  if (query.sort !== "last_ts") params.set("sort", query.sort);
  if (query.order !== "desc") params.set("order", query.order);
  if (query.offset > 0) params.set("offset", String(query.offset));
  if (query.limit !== 500) params.set("limit", String(query.limit));
  return params.toString();
}

const STATE_LABELS: Record<SessionState, string> = {
  active: "active",
  idle: "idle",
  archived: "archived",
};

function SessionRow({ s }: { s: SessionOverview }): JSX.Element {
  return (
    <tr data-session={s.session_id}>
      <th scope="row">
        <a href={`/live/execution/${encodeURIComponent(s.session_id)}`}>{s.session_id}</a>
      </th>
      <td>
        <span class={`state state-${s.state}`}>{STATE_LABELS[s.state]}</span>
      </td>
      <td class="num">{formatCount(s.event_count)}</td>
      <td class="num">{formatCount(s.fills)}</td>
      <td class="num">${formatDecimal(s.notional, 2)}</td>
      <td class="num">${formatDecimal(s.fees, 2)}</td>
      <td class="num">{(s.block_rate * 100).toFixed(1)} %</td>
      <td class={s.errors > 0 ? "num errors" : "num"}>{formatCount(s.errors)}</td>
      <td class="num">{formatBytes(s.size_bytes)}</td>
      <td class="age" title={s.last_ts ?? undefined}>
        {s.last_event_age_s === null ? "—" : `${formatAge(s.last_event_age_s)} ago`}
      </td>
      <td>
        <Sparkline values={s.activity} label={`activity of ${s.session_id}`} />
      </td>
    </tr>
  );
}

/**
 * The sessions index.
 *
 * @example
 * ```tsx
 * import SessionsIndex from "./SessionsIndex.tsx";
 * // The index page renders it as <Island component={SessionsIndex} props={props} />.
 * ```
 */
export default function SessionsIndex(props: SessionsIndexProps): JSX.Element {
  const [page, setPage] = useState(props.page);
  const [query, setQuery] = useState(props.query);
  const [text, setText] = useState(props.query.q);
  const [error, setError] = useState<string | null>(null);
  const [hydrated, setHydrated] = useState(false);
  const request = useRef(0);

  async function load(next: SessionsQuery): Promise<void> {
    const seq = ++request.current;
    try {
      const res = await fetch(`/api/live/sessions?${searchOf(next)}`, {
        headers: { accept: "application/json" },
      });
      const body = await res.json() as SessionPage & { detail?: string };
      if (seq !== request.current) return;
      if (!res.ok) throw new Error(body.detail ?? `status ${res.status}`);
      setPage(body);
      setQuery(next);
      setError(null);
      const search = searchOf(next);
      history.replaceState(null, "", search === "" ? "/" : `/?${search}`);
    } catch (err) {
      if (seq === request.current) setError(err instanceof Error ? err.message : String(err));
    }
  }

  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    const timer = setInterval(() => void load(query), REFRESH_MS);
    return () => clearInterval(timer);
  }, [query]);

  function sortBy(key: SessionSortKey): JSX.Element {
    const active = query.sort === key;
    const order = active && query.order === "desc" ? "asc" : "desc";
    const next = { ...query, sort: key, order, offset: 0 } as SessionsQuery;
    return (
      <a
        class={active ? `sort sort-${query.order}` : "sort"}
        href={`/?${searchOf(next)}`}
        onClick={(e) => {
          if (!hydrated) return;
          e.preventDefault();
          void load(next);
        }}
      >
        {COLUMNS.find((c) => c.key === key)!.label}
        {active && <span aria-hidden="true">{query.order === "desc" ? " ↓" : " ↑"}</span>}
      </a>
    );
  }

  const pageLink = (offset: number, label: string): JSX.Element => {
    const next = { ...query, offset };
    return (
      <a
        class="page-link"
        href={`/?${searchOf(next)}`}
        onClick={(e) => {
          if (!hydrated) return;
          e.preventDefault();
          void load(next);
        }}
      >
        {label}
      </a>
    );
  };

  return (
    <div class="sessions-island" data-hydrated={hydrated ? "true" : "false"}>
      <form
        class="filters sessions-filter"
        method="get"
        action="/"
        onSubmit={(e) => {
          e.preventDefault();
          void load({ ...query, q: text.trim(), offset: 0 });
        }}
      >
        <label class="field">
          <span>Find a session</span>
          <input
            type="search"
            name="q"
            value={text}
            maxLength={128}
            placeholder="part of a session id"
            onInput={(e) => {
              const value = e.currentTarget.value;
              setText(value);
              if (hydrated) void load({ ...query, q: value.trim(), offset: 0 });
            }}
          />
        </label>
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="order" value={query.order} />
        <button type="submit">Find</button>
        <span class="subtitle" role="status">
          {formatCount(page.total)} sessions{query.q !== "" ? ` matching “${query.q}”` : ""}
          {hydrated ? " · refreshes every 5 s" : ""}
        </span>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {page.sessions.length === 0
        ? (
          <div class="empty">
            <h2>{query.q === "" ? "No sessions yet" : "No session matches"}</h2>
            <p>
              {query.q === ""
                ? (
                  <>
                    The log directory holds no session files. Run <code>deno task dry-run</code> (or
                    {" "}
                    <code>deno task start</code>) to write one.
                  </>
                )
                : "Try another part of a session id."}
            </p>
          </div>
        )
        : (
          <div class="table-wrap">
            <table class="sessions">
              <caption>
                Sessions {formatCount(page.offset + 1)}–{formatCount(
                  page.offset + page.sessions.length,
                )} of {formatCount(page.total)}, sorted by{" "}
                {COLUMNS.find((c) => c.key === query.sort)!.label.toLowerCase()}
              </caption>
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th
                      scope="col"
                      key={c.key}
                      class={c.numeric ? "num" : undefined}
                      aria-sort={query.sort === c.key
                        ? (query.order === "asc" ? "ascending" : "descending")
                        : undefined}
                    >
                      {sortBy(c.key)}
                    </th>
                  ))}
                  <th scope="col">Activity</th>
                </tr>
              </thead>
              <tbody>
                {page.sessions.map((s) => <SessionRow key={s.session_id} s={s} />)}
              </tbody>
            </table>
          </div>
        )}
      {(page.offset > 0 || page.next_offset !== null) && (
        <nav class="paging" aria-label="Pages of sessions">
          {page.offset > 0 && pageLink(Math.max(0, page.offset - page.limit), "← Previous")}
          {page.next_offset !== null && pageLink(page.next_offset, "Next →")}
        </nav>
      )}
    </div>
  );
}
