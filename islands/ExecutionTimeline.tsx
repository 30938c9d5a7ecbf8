/**
 * The timeline island: summary cards, a filter bar (a plain GET form that
 * also applies instantly once hydrated), the newest-first table with kind
 * badges and expandable payloads, "older" paging by cursor, live follow over
 * Server-Sent Events and a UTC/local time toggle. Everything from the log is
 * rendered as text.
 *
 * @module
 */
import type { JSX, TargetedEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ExecutionSummary, TimelineRow } from "../live/types.ts";
import { gatePassed } from "../live/describe.ts";
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";
import { formatTimestamp, kindClass, type TimeZoneMode } from "../web/format.ts";

/** The kinds offered in the filter bar, in pipeline order. */
const FILTER_KINDS = ["intent", "gate", "order", "fill", "error"] as const;
/** Rows kept in the table at most, so a long live follow cannot exhaust memory. */
const MAX_ROWS = 5_000;
/** Summary refreshes during live follow happen at most this often. */
const SUMMARY_REFRESH_MS = 1_000;

/**
 * The filters of the timeline view.
 *
 * @example
 * ```ts
 * import type { TimelineFilters } from "./ExecutionTimeline.tsx";
 * const filters: TimelineFilters = { kinds: ["fill"], symbol: "", limit: 200 };
 * ```
 */
export interface TimelineFilters {
  /** Kinds shown; empty shows every kind. */
  kinds: string[];
  /** Symbol shown; empty shows every symbol. */
  symbol: string;
  /** Rows per page, 1–1000. */
  limit: number;
  /** Only events at or after this instant (ISO 8601 as typed; naive = UTC); empty or absent: no bound. */
  since?: string;
  /** Only events at or before this instant (ISO 8601 as typed; naive = UTC); empty or absent: no bound. */
  until?: string;
}

/**
 * Props of {@linkcode ExecutionTimeline}: plain JSON data, serialized into the
 * page by the server.
 *
 * @example
 * ```ts
 * import type { ExecutionTimelineProps } from "./ExecutionTimeline.tsx";
 * type P = ExecutionTimelineProps["filters"];
 * ```
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

type Connection = "off" | "connecting" | "connected" | "reconnecting";

interface ApiPage {
  timeline: TimelineRow[];
  summary: ExecutionSummary;
  next_before: number | null;
  follow_from: number;
}

interface StreamedRow extends TimelineRow {
  end: number;
}

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

/** Epoch milliseconds of a time bound as the server reads it (a naive time is UTC). */
function boundMillis(text: string): number {
  const iso = text.replace(/^(\d{4}-\d{2}-\d{2})[ t]/, "$1T");
  const zoned = !iso.includes("T") || /([Zz]|[+-]\d{2}:?\d{2})$/.test(iso);
  return Date.parse(zoned ? iso : `${iso}Z`);
}

/** Whether a streamed row belongs to the view (the server applied the same filters to the page). */
function matches(row: TimelineRow, filters: TimelineFilters): boolean {
  if (filters.kinds.length > 0 && !filters.kinds.includes(row.kind)) return false;
  if (filters.symbol !== "" && row.symbol !== filters.symbol) return false;
  if (filters.since || filters.until) {
    const at = row.ts === null ? NaN : Date.parse(row.ts);
    if (Number.isNaN(at)) return false;
    if (filters.since && at < Math.floor(boundMillis(filters.since))) return false;
    if (filters.until && at > boundMillis(filters.until)) return false;
  }
  return true;
}

function describeDetails(details: unknown): string | null {
  if (details === null || details === undefined) return null;
  if (typeof details === "object" && Object.keys(details).length === 0) return null;
  return JSON.stringify(details, null, 2);
}

/**
 * Why a gate blocked (`CODE: reason`), shown under the description so a
 * block can be read without opening the payload; `null` for other rows.
 */
function blockReason(row: TimelineRow): string | null {
  if (row.kind !== "gate" || typeof row.details !== "object" || row.details === null) return null;
  if (gatePassed(row.details)) return null;
  const { code, reason } = row.details as Record<string, unknown>;
  const text = typeof reason === "string" ? reason.trim() : "";
  const codeText = typeof code === "string" ? code : "";
  if (text === "" && codeText === "") return null;
  return codeText === "" ? text : text === "" ? codeText : `${codeText}: ${text}`;
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const body = await res.json() as T & { detail?: string };
  if (!res.ok) throw new Error(body.detail ?? `request failed with status ${res.status}`);
  return body;
}

function SummaryCards({ summary }: { summary: ExecutionSummary }): JSX.Element {
  const kinds = [
    ...FILTER_KINDS.filter((k) => k in summary.kind_counts),
    ...Object.keys(summary.kind_counts).filter((k) =>
      !(FILTER_KINDS as readonly string[]).includes(k)
    ),
  ];
  const gateBlocks = Object.values(summary.gate_blocks).reduce((a, b) => a + b, 0);
  return (
    <section class="cards" aria-label="Session summary">
      <div class="card">
        <span class="card-label">Events</span>
        <span class="card-value" data-testid="event-count">{summary.event_count}</span>
      </div>
      {kinds.map((kind) => (
        <div class="card" key={kind}>
          <span class="card-label">{kind.toUpperCase()}</span>
          <span class="card-value">{summary.kind_counts[kind]}</span>
        </div>
      ))}
      <div class={gateBlocks > 0 ? "card card-wide" : "card"}>
        <span class="card-label">Gate blocks</span>
        <span class="card-value">{gateBlocks}</span>
        {gateBlocks > 0 && (
          <span class="card-note">
            {Object.entries(summary.gate_blocks).map(([gate, n]) => `${gate} ${n}`).join(", ")}
          </span>
        )}
      </div>
      <div class="card">
        <span class="card-label">Block rate</span>
        <span class="card-value">{(summary.block_rate * 100).toFixed(1)} %</span>
      </div>
      <div class="card">
        <span class="card-label">Fills</span>
        <span class="card-value">{summary.fills.count}</span>
        {summary.fills.count > 0 && (
          <span class="card-note">
            notional ${formatPythonFixedGrouped(summary.fills.notional, 2)}
          </span>
        )}
      </div>
      <div class="card">
        <span class="card-label">Fees</span>
        <span class="card-value">${formatPythonFixed(summary.fills.fees, 4)}</span>
      </div>
      <div class={summary.invalid_lines > 0 ? "card card-warn" : "card"}>
        <span class="card-label">Invalid lines</span>
        <span class="card-value">{summary.invalid_lines}</span>
      </div>
    </section>
  );
}

function TimelineTable(
  { rows, timeZone }: { rows: TimelineRow[]; timeZone: TimeZoneMode },
): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="timeline" aria-label="Execution events, newest first">
        <thead>
          <tr>
            <th scope="col">Timestamp</th>
            <th scope="col">Kind</th>
            <th scope="col">Symbol</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const details = describeDetails(row.details);
            return (
              <tr key={row.offset} data-kind={row.kind} data-offset={row.offset}>
                <td class="ts">{formatTimestamp(row.ts, timeZone)}</td>
                <td>
                  <span class={`badge ${kindClass(row.kind)}`}>{row.kind}</span>
                </td>
                <td class="symbol">{row.symbol ?? "—"}</td>
                <td class="description">
                  <span>{row.description}</span>
                  {blockReason(row) !== null && (
                    <span class="block-reason">{blockReason(row)}</span>
                  )}
                  {details !== null && (
                    <details>
                      <summary>payload</summary>
                      <pre class="details">{details}</pre>
                    </details>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The interactive execution timeline of one session.
 *
 * @example
 * ```tsx
 * import ExecutionTimeline from "./ExecutionTimeline.tsx";
 * // server side, inside a page: <Island name="ExecutionTimeline" props={props} />
 * const element = <ExecutionTimeline {...props} />;
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
  const [connection, setConnection] = useState<Connection>("off");
  const [timeZone, setTimeZone] = useState<TimeZoneMode>("utc");
  const [followEpoch, setFollowEpoch] = useState(0);

  const appliedRef = useRef(applied);
  appliedRef.current = applied;
  const followFromRef = useRef(props.followFrom);
  /** Bumped when a new view replaces the rows: events of the stream before it are stale. */
  const streamGeneration = useRef(0);
  const requestSeq = useRef(0);
  const summaryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setHydrated(true), []);

  async function load(filters: TimelineFilters): Promise<ApiPage | null> {
    const seq = ++requestSeq.current;
    setLoading(true);
    try {
      const page = await fetchJson<ApiPage>(`${apiPath}?${queryOf(filters, null)}`);
      if (seq !== requestSeq.current) return null;
      setRows(page.timeline);
      setNextBefore(page.next_before);
      setSummary(page.summary);
      setApplied(filters);
      appliedRef.current = filters;
      setError(null);
      // Events streamed while this page loaded were matched against the old filters; follow
      // again from where the page was read, so every later event meets the new ones.
      streamGeneration.current++;
      followFromRef.current = page.follow_from;
      setFollowEpoch((epoch) => epoch + 1);
      history.replaceState(null, "", `${pagePath}?${queryOf(filters, null)}`);
      return page;
    } catch (err) {
      if (seq === requestSeq.current) setError(err instanceof Error ? err.message : String(err));
      return null;
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
      setRows((current) => {
        const seen = new Set(current.map((r) => r.offset));
        return [...current, ...page.timeline.filter((r) => !seen.has(r.offset))];
      });
      setNextBefore(page.next_before);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  }

  function refreshSummarySoon(): void {
    if (summaryTimer.current !== null) return;
    summaryTimer.current = setTimeout(async () => {
      summaryTimer.current = null;
      try {
        setSummary(await fetchJson<ExecutionSummary>(`${apiPath}/summary`));
      } catch {
        // The next event schedules another refresh; the cards are only a little stale.
      }
    }, SUMMARY_REFRESH_MS);
  }

  useEffect(() => {
    if (!follow) {
      setConnection("off");
      return;
    }
    setConnection("connecting");
    const generation = streamGeneration.current;
    const source = new EventSource(`${apiPath}/stream?from=${followFromRef.current}`);
    source.onopen = () => setConnection("connected");
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        setConnection("reconnecting"); // the browser retries and resumes after the last event
        return;
      }
      setFollow(false);
      setError("Live follow stopped: the server refused the stream. Reload the page to retry.");
    };
    source.addEventListener("execution", (message: MessageEvent<string>) => {
      if (generation !== streamGeneration.current) return;
      const row = JSON.parse(message.data) as StreamedRow;
      followFromRef.current = row.end;
      refreshSummarySoon();
      if (!matches(row, appliedRef.current)) return;
      setRows((current) =>
        current.some((r) => r.offset === row.offset)
          ? current
          : [row, ...current].slice(0, MAX_ROWS)
      );
    });
    source.addEventListener("reset", () => {
      if (generation !== streamGeneration.current) return;
      // The file was truncated or replaced: reload the view, then follow from its new end
      // (continuing this stream would replay the whole new file).
      source.close();
      setConnection("reconnecting");
      void load(appliedRef.current).then((page) => {
        if (page !== null) return; // load() follows again from the new page
        followFromRef.current = 0;
        setFollowEpoch((epoch) => epoch + 1);
      });
    });
    return () => {
      source.close();
      if (summaryTimer.current !== null) clearTimeout(summaryTimer.current);
      summaryTimer.current = null;
    };
  }, [follow, followEpoch]);

  function toggleKind(kind: string, checked: boolean): void {
    const kinds = checked
      ? [...draft.kinds.filter((k) => k !== kind), kind]
      : draft.kinds.filter((k) => k !== kind);
    const next = { ...draft, kinds };
    setDraft(next);
    void load(next);
  }

  /** Apply the filter bar's values (limit clamped to 1–1000, symbol trimmed). */
  /** A text filter: typing updates the draft, leaving the field (or Enter) applies it. */
  function textField(
    label: string,
    name: "symbol" | "since" | "until",
    placeholder: string,
    maxLength: number,
  ) {
    return (
      <label class="field">
        <span>{label}</span>
        <input
          type="text"
          name={name}
          value={draft[name] ?? ""}
          placeholder={placeholder}
          maxLength={maxLength}
          onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
          onChange={(e) => applyDraft({ ...draft, [name]: e.currentTarget.value })}
        />
      </label>
    );
  }

  function applyDraft(values: TimelineFilters): void {
    const limit = Math.min(1000, Math.max(1, Math.trunc(values.limit) || 200));
    const next = {
      ...values,
      symbol: values.symbol.trim(),
      since: values.since?.trim() ?? "",
      until: values.until?.trim() ?? "",
      limit,
    };
    setDraft(next);
    void load(next);
  }

  function onSubmit(event: TargetedEvent<HTMLFormElement, Event>): void {
    event.preventDefault();
    applyDraft(draft);
  }

  const olderHref = nextBefore === null ? null : `${pagePath}?${queryOf(applied, nextBefore)}`;
  const filtered = applied.kinds.length > 0 || applied.symbol !== "" || Boolean(applied.since) ||
    Boolean(applied.until);

  return (
    <div class="timeline-island" data-hydrated={hydrated ? "true" : "false"}>
      {summary.found && <SummaryCards summary={summary} />}

      <form class="filters" method="get" action={pagePath} onSubmit={onSubmit}>
        <fieldset class="kinds">
          <legend>Kinds</legend>
          {FILTER_KINDS.map((kind) => (
            <label key={kind} class="kind-option">
              <input
                type="checkbox"
                name="kind"
                value={kind}
                checked={draft.kinds.includes(kind)}
                onChange={(e) => toggleKind(kind, e.currentTarget.checked)}
              />
              <span class={`badge ${kindClass(kind)}`}>{kind}</span>
            </label>
          ))}
        </fieldset>
        {textField("Symbol", "symbol", "all", 128)}
        {textField("Since", "since", "2026-11-25T09:30Z", 64)}
        {textField("Until", "until", "any time", 64)}
        <label class="field">
          <span>Limit</span>
          <input
            type="number"
            name="limit"
            min={1}
            max={1000}
            value={draft.limit}
            onInput={(e) => setDraft({ ...draft, limit: Number(e.currentTarget.value) })}
            onChange={(e) => applyDraft({ ...draft, limit: Number(e.currentTarget.value) })}
          />
        </label>
        <button type="submit">Apply</button>
      </form>

      <div class="toolbar">
        <label class="switch">
          <input
            type="checkbox"
            name="follow"
            checked={follow}
            disabled={!hydrated}
            onChange={(e) => setFollow(e.currentTarget.checked)}
          />
          <span>Live follow</span>
        </label>
        <span class={`connection connection-${connection}`} role="status" aria-live="polite">
          {connection === "off"
            ? (hydrated ? "not following" : "live follow needs JavaScript")
            : connection}
        </span>
        <button
          type="button"
          class="tz-toggle"
          disabled={!hydrated}
          onClick={() => setTimeZone(timeZone === "utc" ? "local" : "utc")}
        >
          {timeZone === "utc" ? "Times: UTC" : "Times: local"}
        </button>
        {loading && <span class="loading">loading…</span>}
      </div>

      {error !== null && <p class="error" role="alert">{error}</p>}

      {rows.length === 0
        ? (
          <div class="empty">
            <h2>No execution events</h2>
            <p>
              {!summary.found
                ? `No execution log found for session ${sessionId}. It appears here once the first event is written.`
                : summary.event_count === 0
                ? "This session has no events yet."
                : filtered
                ? "No events match your filters."
                : "No events on this page."}
            </p>
          </div>
        )
        : <TimelineTable rows={rows} timeZone={timeZone} />}

      <p class="footer">
        Showing {rows.length} events (newest first)
        {olderHref !== null && (
          <>
            {" · "}
            <a
              class="older"
              href={olderHref}
              onClick={(e) => {
                if (!hydrated) return;
                e.preventDefault();
                void loadOlder();
              }}
            >
              Older events
            </a>
          </>
        )}
      </p>
    </div>
  );
}
