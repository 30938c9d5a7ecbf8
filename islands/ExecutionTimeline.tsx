/**
 * The timeline island: composes the summary cards, the filter bar (a plain
 * GET form that also applies instantly once hydrated), the toolbar, the
 * newest-first table and the footer with "older" paging by cursor, and owns
 * the state they show: the rows, the filters, loading, the time zone and live
 * follow (see `use_live_follow.ts`). Everything from the log is rendered as
 * text.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { EmptyTimeline } from "../components/EmptyTimeline.tsx";
import { FilterBar, type FilterValues } from "../components/FilterBar.tsx";
import { FollowToolbar } from "../components/FollowToolbar.tsx";
import { SummaryCards } from "../components/SummaryCards.tsx";
import { TimelineFooter } from "../components/TimelineFooter.tsx";
import { TimelineTable } from "../components/TimelineTable.tsx";
import { DEFAULT_TIMELINE_LIMIT, MAX_PAGE_LIMIT } from "../live/timeline_query.ts";
import type { ExecutionSummary, TimelineRow } from "../live/types.ts";
import type { TimeZoneMode } from "../web/format.ts";
import { appendOlderRows, prependStreamedRows, timelineRowMatcher } from "./timeline_rows.ts";
import { type StreamedRow, useLiveFollow } from "./use_live_follow.ts";

/** The filters of the timeline view: the filter bar's values (see `FilterValues`). */
export type TimelineFilters = FilterValues;

/**
 * Props of {@linkcode ExecutionTimeline}: plain JSON data, serialized into the
 * page by the server.
 */
export interface ExecutionTimelineProps {
  /** The session shown (already validated). */
  sessionId: string;
  /** Summary of the whole session. */
  summary: ExecutionSummary;
  /** First page of rows, newest first. */
  rows: TimelineRow[];
  /** Cursor of the next older page, or `null`. */
  nextBefore: number | null;
  /** Filters the rows were loaded with. */
  filters: TimelineFilters;
  /** Byte offset live follow starts from (rows already shown are skipped). */
  followFrom: number;
  /** A problem with the request to show above the table, or `null`. */
  error: string | null;
}

/** A page of the timeline API. */
interface ApiPage {
  timeline: TimelineRow[];
  summary: ExecutionSummary;
  next_before: number | null;
  follow_from: number;
}

/** The query string of the timeline page and API for `filters`, from `before` if given. */
function queryOf(filters: TimelineFilters, before: number | null): string {
  const query = new URLSearchParams();
  for (const kind of filters.kinds) query.append("kind", kind);
  if (filters.symbol !== "") query.set("symbol", filters.symbol);
  if (filters.since) query.set("since", filters.since);
  if (filters.until) query.set("until", filters.until);
  query.set("limit", String(filters.limit));
  if (before !== null) query.set("before", String(before));
  return query.toString();
}

/** The filter bar's values ready to load: symbol and bounds trimmed, limit a whole 1–1000. */
function normalizeFilters(values: TimelineFilters): TimelineFilters {
  const limit = Math.trunc(values.limit) || DEFAULT_TIMELINE_LIMIT;
  return {
    ...values,
    symbol: values.symbol.trim(),
    since: values.since?.trim() ?? "",
    until: values.until?.trim() ?? "",
    limit: Math.min(MAX_PAGE_LIMIT, Math.max(1, limit)),
  };
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const body = await res.json() as T & { detail?: string };
  if (!res.ok) throw new Error(body.detail ?? `request failed with status ${res.status}`);
  return body;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The interactive execution timeline of one session.
 *
 * @example
 * ```tsx
 * import ExecutionTimeline, { type ExecutionTimelineProps } from "./ExecutionTimeline.tsx";
 * // The timeline page renders it as <Island component={ExecutionTimeline} props={props} />.
 * const timeline = (props: ExecutionTimelineProps) => <ExecutionTimeline {...props} />;
 * ```
 */
export default function ExecutionTimeline(props: ExecutionTimelineProps): JSX.Element {
  const { sessionId } = props;
  const pagePath = `/live/execution/${encodeURIComponent(sessionId)}`;
  const apiPath = `/api/live/execution/${encodeURIComponent(sessionId)}`;

  const [hydrated, setHydrated] = useState(false);
  const [summary, setSummary] = useState(props.summary);
  const [rows, setRows] = useState(props.rows);
  const [nextBefore, setNextBefore] = useState(props.nextBefore);
  const [applied, setApplied] = useState(props.filters);
  const [draft, setDraft] = useState(props.filters);
  const [error, setError] = useState(props.error);
  const [loading, setLoading] = useState(false);
  const [follow, setFollow] = useState(false);
  const [timeZone, setTimeZone] = useState<TimeZoneMode>("utc");

  const requestSeq = useRef(0);
  const shows = useMemo(() => timelineRowMatcher(applied), [applied]);

  const live = useLiveFollow({
    streamUrl: `${apiPath}/stream`,
    from: props.followFrom,
    enabled: follow,
    onSummary: setSummary,
    onRows(streamed: StreamedRow[]): void {
      const shown = streamed.filter(shows);
      if (shown.length > 0) setRows((current) => prependStreamedRows(current, shown));
    },
    onReset(): void {
      // The file was truncated or replaced: reload the view, which follows from its new end.
      void load(applied).then((loaded) => {
        if (!loaded) followFrom(0);
      });
    },
    onRefused(): void {
      setFollow(false);
      setError("Live follow stopped: the server refused the stream. Reload the page to retry.");
    },
  });

  useEffect(() => setHydrated(true), []);

  /** Follow (when on) from `offset`, dropping what the current stream still delivers. */
  function followFrom(offset: number): void {
    live.restartFrom(offset);
  }

  /** Load the first page for `filters`; whether its rows are now shown. */
  async function load(filters: TimelineFilters): Promise<boolean> {
    const seq = ++requestSeq.current;
    setLoading(true);
    try {
      const page = await fetchJson<ApiPage>(`${apiPath}?${queryOf(filters, null)}`);
      if (seq !== requestSeq.current) return false;
      setRows(page.timeline);
      setNextBefore(page.next_before);
      setSummary(page.summary);
      setApplied(filters);
      setError(null);
      // Events streamed while this page loaded were matched against the old filters; follow
      // again from where the page was read, so every later event meets the new ones.
      followFrom(page.follow_from);
      history.replaceState(null, "", `${pagePath}?${queryOf(filters, null)}`);
      return true;
    } catch (err) {
      if (seq === requestSeq.current) setError(messageOf(err));
      return false;
    } finally {
      if (seq === requestSeq.current) setLoading(false);
    }
  }

  async function loadOlder(): Promise<void> {
    if (nextBefore === null) return;
    const seq = requestSeq.current;
    setLoading(true);
    try {
      const page = await fetchJson<ApiPage>(`${apiPath}?${queryOf(applied, nextBefore)}`);
      // The filters changed meanwhile: these rows belong to the old view.
      if (seq !== requestSeq.current) return;
      setRows((current) => appendOlderRows(current, page.timeline));
      setNextBefore(page.next_before);
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  }

  function toggleKind(kind: string, checked: boolean): void {
    const kinds = draft.kinds.filter((k) => k !== kind);
    const next = { ...draft, kinds: checked ? [...kinds, kind] : kinds };
    setDraft(next);
    void load(next);
  }

  function apply(values: TimelineFilters): void {
    const next = normalizeFilters(values);
    setDraft(next);
    void load(next);
  }

  const olderHref = nextBefore === null ? null : `${pagePath}?${queryOf(applied, nextBefore)}`;
  const filtered = applied.kinds.length > 0 || applied.symbol !== "" || Boolean(applied.since) ||
    Boolean(applied.until);

  return (
    <div class="timeline-island" data-hydrated={hydrated ? "true" : "false"}>
      {summary.found && <SummaryCards summary={summary} />}
      <FilterBar
        action={pagePath}
        values={draft}
        onEdit={setDraft}
        onApply={apply}
        onToggleKind={toggleKind}
      />
      <FollowToolbar
        hydrated={hydrated}
        follow={follow}
        connection={live.connection}
        timeZone={timeZone}
        loading={loading}
        onFollowChange={setFollow}
        onTimeZoneToggle={() => setTimeZone(timeZone === "utc" ? "local" : "utc")}
      />
      {error !== null && <p class="error" role="alert">{error}</p>}
      {rows.length === 0
        ? (
          <EmptyTimeline
            sessionId={sessionId}
            found={summary.found}
            eventCount={summary.event_count}
            filtered={filtered}
          />
        )
        : <TimelineTable rows={rows} timeZone={timeZone} />}
      <TimelineFooter
        shown={rows.length}
        olderHref={olderHref}
        onOlder={hydrated ? () => void loadOlder() : undefined}
      />
    </div>
  );
}
