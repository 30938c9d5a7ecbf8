/**
 * The timeline island: composes the summary cards, the charts, the filter
 * bar (a plain GET form that also applies instantly once hydrated), the
 * toolbar, the newest-first table and the footer with "older" paging by
 * cursor, and owns the state they show: the rows, the filters, loading, the
 * time zone and live follow (see `use_live_follow.ts`).
 *
 * Live follow never freezes the page: the stream's batches are applied one
 * state update each, the table renders only the rows of the view (memoised,
 * so old rows are not rendered again), at most {@linkcode MAX_TIMELINE_ROWS}
 * are held, and while the reader is scrolled away from the newest rows the
 * table stays still and a "N new events" button counts what waits.
 * Everything from the log is rendered as text.
 *
 * Keys: `/` focuses the symbol filter, `j`/`k` move between rows, `Enter`
 * opens or closes the focused row's payload.
 *
 * @module
 */
import type { JSX } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { EmptyTimeline } from "../components/EmptyTimeline.tsx";
import { FilterBar, type FilterValues } from "../components/FilterBar.tsx";
import { FollowToolbar } from "../components/FollowToolbar.tsx";
import { NewEventsNotice } from "../components/NewEventsNotice.tsx";
import { SessionCharts } from "../components/SessionCharts.tsx";
import { SummaryCards } from "../components/SummaryCards.tsx";
import { TimelineFooter } from "../components/TimelineFooter.tsx";
import { TimelineTable } from "../components/TimelineTable.tsx";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { DEFAULT_TIMELINE_LIMIT, MAX_PAGE_LIMIT } from "../live/timeline_query.ts";
import type { ExecutionSummary, TimelineRow } from "../live/types.ts";
import { formatTimestamp, type TimeZoneMode } from "../web/format.ts";
import { boundForDisplay, boundForQuery } from "../web/time_zone.ts";
import { THEME_CHANGE_EVENT } from "./ThemeToggle.tsx";
import { filtersQuery, isFiltered } from "./timeline_query_string.ts";
import {
  appendOlderRows,
  MAX_TIMELINE_ROWS,
  prependStreamedRows,
  timelineRowMatcher,
} from "./timeline_rows.ts";
import { type StreamedRow, useLiveFollow } from "./use_live_follow.ts";
import { useSeries } from "./use_series.ts";

/**
 * Streamed rows are applied at most this often: at thousands of events per
 * second the table then renders a few times a second, not once per batch.
 */
const APPLY_ROWS_MS = 250;

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
  /** Filters the rows were loaded with (since/until in query form). */
  filters: TimelineFilters;
  /** Byte offset live follow starts from (rows already shown are skipped). */
  followFrom: number;
  /** A problem with the request to show above the table, or `null`. */
  error: string | null;
  /** The zone times are shown in (from the URL's `tz`); absent: UTC. */
  timeZone?: TimeZoneMode;
}

/** A page of the timeline API. */
interface ApiPage {
  timeline: TimelineRow[];
  summary: ExecutionSummary;
  next_before: number | null;
  follow_from: number;
}

/** The filter bar's values ready to load: text trimmed, bounds in query form, limit 1–1000. */
function normalizeFilters(values: TimelineFilters, zone: TimeZoneMode): TimelineFilters {
  const limit = Math.trunc(values.limit) || DEFAULT_TIMELINE_LIMIT;
  return {
    ...values,
    symbol: values.symbol.trim(),
    gate: values.gate?.trim() ?? "",
    code: values.code?.trim() ?? "",
    since: boundForQuery(values.since, zone),
    until: boundForQuery(values.until, zone),
    limit: Math.min(MAX_PAGE_LIMIT, Math.max(1, limit)),
  };
}

/** The filters as the bar shows them: bounds in the zone shown. */
function displayFilters(filters: TimelineFilters, zone: TimeZoneMode): TimelineFilters {
  return {
    ...filters,
    since: boundForDisplay(filters.since, zone),
    until: boundForDisplay(filters.until, zone),
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

/** Whether keys typed now belong to a form field (then the shortcuts stay out of the way). */
function typingIn(target: EventTarget | null): boolean {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
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
  const [shownCount, setShownCount] = useState(Math.max(props.rows.length, props.filters.limit));
  const [nextBefore, setNextBefore] = useState(props.nextBefore);
  const [applied, setApplied] = useState(props.filters);
  const [draft, setDraft] = useState(props.filters);
  const [error, setError] = useState(props.error);
  const [loading, setLoading] = useState(false);
  const [follow, setFollow] = useState(false);
  // The server renders UTC (it cannot know the browser's zone); the URL's choice applies once hydrated.
  const [timeZone, setTimeZone] = useState<TimeZoneMode>("utc");
  const [matching, setMatching] = useState<number | null>(null);
  const [waitingCount, setWaitingCount] = useState(0);
  const [refreshKey, setRefreshKey] = useState(0);
  const [themeEpoch, setThemeEpoch] = useState(0);

  const requestSeq = useRef(0);
  const root = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  /** The reader scrolled away from the newest rows: new ones wait here instead. */
  const pinned = useRef(false);
  const waiting = useRef<StreamedRow[]>([]);
  /** Streamed rows not applied yet (applied together, see `APPLY_ROWS_MS`). */
  const incoming = useRef<StreamedRow[]>([]);
  const applyTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  function applyIncoming(): void {
    applyTimer.current = null;
    const rowsIn = incoming.current;
    incoming.current = [];
    if (rowsIn.length > 0) setRows((current) => prependStreamedRows(current, rowsIn));
  }
  const shows = useMemo(() => timelineRowMatcher(applied), [applied]);
  const filtered = isFiltered(applied);
  const streamQuery = filtersQuery(applied, { withLimit: false });

  const live = useLiveFollow({
    streamUrl: `${apiPath}/stream${streamQuery === "" ? "" : `?${streamQuery}`}`,
    from: props.followFrom,
    enabled: follow,
    onSummary: setSummary,
    onRows(streamed: StreamedRow[]): void {
      setRefreshKey((n) => n + 1);
      const shown = streamed.filter(shows);
      if (shown.length === 0) return;
      setMatching((n) => n === null ? n : n + shown.length);
      if (pinned.current) {
        waiting.current = [...waiting.current, ...shown].slice(-MAX_TIMELINE_ROWS);
        setWaitingCount((n) => n + shown.length);
        return;
      }
      incoming.current = [...incoming.current, ...shown].slice(-MAX_TIMELINE_ROWS);
      applyTimer.current ??= setTimeout(applyIncoming, APPLY_ROWS_MS);
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

  const { series, error: seriesError } = useSeries({
    url: `${apiPath}/series`,
    since: applied.since ?? "",
    until: applied.until ?? "",
    refreshKey,
    enabled: hydrated,
  });

  useEffect(() => {
    setHydrated(true);
    if (props.timeZone === "local") {
      setTimeZone("local");
      setDraft(displayFilters(props.filters, "local"));
    }
    void refreshCount(props.filters);
  }, []);

  // While the newest rows are out of sight, new ones wait; coming back shows them.
  useEffect(() => {
    const element = sentinel.current;
    if (element === null || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(([entry]) => {
      const away = !entry.isIntersecting && entry.boundingClientRect.top < 0;
      pinned.current = away;
      if (!away) showWaiting(false);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => () => {
    if (applyTimer.current !== null) clearTimeout(applyTimer.current);
  }, []);

  useEffect(() => {
    const redraw = (): void => setThemeEpoch((n) => n + 1);
    globalThis.addEventListener(THEME_CHANGE_EVENT, redraw);
    const media = matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener("change", redraw);
    return () => {
      globalThis.removeEventListener(THEME_CHANGE_EVENT, redraw);
      media.removeEventListener("change", redraw);
    };
  }, []);

  useEffect(() => {
    function onKey(event: KeyboardEvent): void {
      const island = root.current;
      if (island === null || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/" && !typingIn(event.target)) {
        island.querySelector<HTMLInputElement>('input[name="symbol"]')?.focus();
        event.preventDefault();
        return;
      }
      if (typingIn(event.target)) return;
      const list = [...island.querySelectorAll<HTMLTableRowElement>("table.timeline tbody tr")];
      const at = list.findIndex((row) => row === document.activeElement);
      if (event.key === "j" || event.key === "k") {
        const next = event.key === "j" ? Math.min(list.length - 1, at + 1) : Math.max(0, at - 1);
        list[next]?.focus();
        event.preventDefault();
      } else if (event.key === "Enter" && at !== -1) {
        const details = list[at].querySelector("details");
        if (details !== null) details.open = !details.open;
        event.preventDefault();
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  /** Bring the waiting rows into the table (and, when asked, scroll to the newest). */
  function showWaiting(scroll: boolean): void {
    const rowsWaiting = waiting.current;
    waiting.current = [];
    setWaitingCount(0);
    if (rowsWaiting.length > 0) setRows((current) => prependStreamedRows(current, rowsWaiting));
    if (scroll) {
      pinned.current = false;
      sentinel.current?.scrollIntoView({ block: "start" });
    }
  }

  /** How many events of the whole session match `filters` (only for a filtered view). */
  async function refreshCount(filters: TimelineFilters): Promise<void> {
    if (!isFiltered(filters)) {
      setMatching(null);
      return;
    }
    try {
      const count = await fetchJson<{ matching: number }>(
        `${apiPath}/count?${filtersQuery(filters, { withLimit: false })}`,
      );
      setMatching(count.matching);
    } catch {
      setMatching(null); // the page says what is wrong with the filters already
    }
  }

  /** Follow (when on) from `offset`, dropping what the current stream still delivers. */
  function followFrom(offset: number): void {
    waiting.current = [];
    incoming.current = [];
    setWaitingCount(0);
    live.restartFrom(offset);
  }

  /** Load the first page for `filters` (query form); whether its rows are now shown. */
  async function load(filters: TimelineFilters, zone: TimeZoneMode = timeZone): Promise<boolean> {
    const seq = ++requestSeq.current;
    setLoading(true);
    try {
      const page = await fetchJson<ApiPage>(`${apiPath}?${filtersQuery(filters)}`);
      if (seq !== requestSeq.current) return false;
      setRows(page.timeline);
      setShownCount(Math.max(page.timeline.length, filters.limit));
      setNextBefore(page.next_before);
      setSummary(page.summary);
      setApplied(filters);
      setDraft(displayFilters(filters, zone));
      setError(null);
      setMatching(null);
      void refreshCount(filters);
      // Events streamed while this page loaded were matched against the old filters; follow
      // again from where the page was read, so every later event meets the new ones.
      followFrom(page.follow_from);
      history.replaceState(null, "", `${pagePath}?${filtersQuery(filters, { timeZone: zone })}`);
      return true;
    } catch (err) {
      if (seq === requestSeq.current) setError(messageOf(err));
      return false;
    } finally {
      if (seq === requestSeq.current) setLoading(false);
    }
  }

  async function loadOlder(): Promise<void> {
    // Rows held but pushed out of view by live follow come back first.
    if (rows.length > shownCount) {
      setShownCount((n) => n + applied.limit);
      return;
    }
    if (nextBefore === null) return;
    const seq = requestSeq.current;
    setLoading(true);
    try {
      const page = await fetchJson<ApiPage>(
        `${apiPath}?${filtersQuery(applied, { before: nextBefore })}`,
      );
      // The filters changed meanwhile: these rows belong to the old view.
      if (seq !== requestSeq.current) return;
      setRows((current) => appendOlderRows(current, page.timeline));
      setShownCount((n) => n + page.timeline.length);
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
    void load(normalizeFilters(next, timeZone));
  }

  function apply(values: TimelineFilters): void {
    setDraft(values);
    void load(normalizeFilters(values, timeZone));
  }

  function toggleTimeZone(): void {
    const zone: TimeZoneMode = timeZone === "utc" ? "local" : "utc";
    setTimeZone(zone);
    setDraft(displayFilters(applied, zone));
    history.replaceState(null, "", `${pagePath}?${filtersQuery(applied, { timeZone: zone })}`);
  }

  /** Show `[from, to]` (epoch µs, inclusive) in the table and the charts. */
  function showRange(from: number, to: number): void {
    void load({
      ...applied,
      since: formatWireTimestamp(Math.floor(from)),
      until: formatWireTimestamp(Math.floor(to)),
    });
  }

  const formatTime = useCallback(
    (t: number): string => formatTimestamp(formatWireTimestamp(Math.round(t * 1e6)), timeZone),
    [timeZone],
  );
  const olderHref = nextBefore === null && rows.length <= shownCount
    ? null
    : `${pagePath}?${filtersQuery(applied, { before: nextBefore, timeZone })}`;
  const exportQuery = filtersQuery(applied, { withLimit: false });
  const exportHrefs = {
    csv: `${apiPath}/export?format=csv${exportQuery === "" ? "" : `&${exportQuery}`}`,
    jsonl: `${apiPath}/export?format=jsonl${exportQuery === "" ? "" : `&${exportQuery}`}`,
  };
  const visible = rows.length > shownCount ? rows.slice(0, shownCount) : rows;

  return (
    <div class="timeline-island" ref={root} data-hydrated={hydrated ? "true" : "false"}>
      {summary.found && <SummaryCards summary={summary} filtered={filtered} matching={matching} />}
      {summary.found && (
        <SessionCharts
          series={series}
          formatTime={formatTime}
          utc={timeZone === "utc"}
          onZoom={(from, to) => showRange(from * 1e6, to * 1e6)}
          onPick={(i) => {
            if (series === null) return;
            const start = Math.round(series.t[i] * 1e6);
            showRange(start, start + series.bucket_ms * 1000 - 1);
          }}
          zoomed={Boolean(applied.since) || Boolean(applied.until)}
          onResetZoom={() => void load({ ...applied, since: "", until: "" })}
          themeEpoch={themeEpoch}
          error={seriesError}
        />
      )}
      <FilterBar
        action={pagePath}
        values={draft}
        onEdit={setDraft}
        onApply={apply}
        onToggleKind={toggleKind}
        timeZone={timeZone}
        gateNames={series === null ? [] : Object.keys(series.gates)}
        codeNames={series === null
          ? []
          : [...new Set(Object.values(series.blocks).flatMap((codes) => Object.keys(codes)))]
            .sort()}
      />
      <FollowToolbar
        hydrated={hydrated}
        follow={follow}
        connection={live.connection}
        timeZone={timeZone}
        loading={loading}
        onFollowChange={setFollow}
        onTimeZoneToggle={toggleTimeZone}
        exportHrefs={exportHrefs}
      />
      {error !== null && <p class="error" role="alert">{error}</p>}
      <NewEventsNotice count={waitingCount} onShow={() => showWaiting(true)} />
      <div class="newest-rows" ref={sentinel} />
      {rows.length === 0
        ? (
          <EmptyTimeline
            sessionId={sessionId}
            found={summary.found}
            eventCount={summary.event_count}
            filtered={filtered}
          />
        )
        : <TimelineTable rows={visible} timeZone={timeZone} />}
      <TimelineFooter
        shown={visible.length}
        olderHref={olderHref}
        onOlder={hydrated ? () => void loadOlder() : undefined}
        matching={matching}
      />
    </div>
  );
}
