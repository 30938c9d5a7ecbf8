/**
 * The session's chart series, as a Preact hook: loaded for the view's time
 * range, and refreshed (at most every two seconds) while live follow brings
 * new events.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ExecutionSeries } from "../live/series.ts";

/** Fewest milliseconds between two refreshes of the series during live follow. */
const REFRESH_MS = 2_000;

/** Options of {@linkcode useSeries}. */
export interface SeriesOptions {
  /** The series endpoint of the session (`/api/live/execution/<id>/series`). */
  url: string;
  /** The view's since, in query form (empty: the session's start). */
  since: string;
  /** The view's until, in query form (empty: the session's end). */
  until: string;
  /** Changes whenever new events arrived: the series is refreshed then (throttled). */
  refreshKey: number;
  /** Whether to load at all (after hydration). */
  enabled: boolean;
}

/** What {@linkcode useSeries} returns. */
export interface SeriesState {
  /** The series, or `null` before the first answer. */
  series: ExecutionSeries | null;
  /** Why the last load failed, or `null`. */
  error: string | null;
}

/**
 * Load and refresh a session's series.
 *
 * @example
 * ```ts
 * import { useSeries } from "./use_series.ts";
 * function Charts({ url }: { url: string }): string {
 *   const { series } = useSeries({ url, since: "", until: "", refreshKey: 0, enabled: true });
 *   return `${series?.t.length ?? 0} buckets`;
 * }
 * ```
 */
export function useSeries(options: SeriesOptions): SeriesState {
  const { url, since, until, refreshKey, enabled } = options;
  const [state, setState] = useState<SeriesState>({ series: null, error: null });
  const lastLoad = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const request = useRef(0);

  async function load(): Promise<void> {
    const seq = ++request.current;
    lastLoad.current = performance.now();
    const query = new URLSearchParams();
    if (since) query.set("since", since);
    if (until) query.set("until", until);
    try {
      const res = await fetch(`${url}?${query}`, { headers: { accept: "application/json" } });
      const body = await res.json() as ExecutionSeries & { detail?: string };
      if (seq !== request.current) return;
      if (!res.ok) throw new Error(body.detail ?? `series: status ${res.status}`);
      setState({ series: body, error: null });
    } catch (err) {
      if (seq !== request.current) return;
      setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
    }
  }

  useEffect(() => {
    if (!enabled) return;
    void load();
  }, [enabled, url, since, until]);

  useEffect(() => {
    if (!enabled || refreshKey === 0 || timer.current !== null) return;
    const wait = Math.max(0, lastLoad.current + REFRESH_MS - performance.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      void load();
    }, wait);
  }, [refreshKey]);

  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);

  return state;
}
