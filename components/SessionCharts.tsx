/**
 * The charts of a session (from the series API): events per bucket stacked
 * by kind, the rejection ratio over time with one line per gate, cumulative
 * fill notional and fees, and intent→fill latency p50/p95. Drag across a
 * chart to zoom (the range becomes the page's since/until); click a bucket
 * to show only its events.
 *
 * @module
 */
import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import type { ExecutionSeries } from "../live/series.ts";
import { type ChartSeries, TimeSeriesChart } from "./TimeSeriesChart.tsx";

/** Props of {@linkcode SessionCharts}. */
export interface SessionChartsProps {
  /** The series shown, or `null` before it loaded. */
  series: ExecutionSeries | null;
  /** Format of a bucket start (the zone shown on the page). */
  formatTime: (epochSeconds: number) => string;
  /** Draw times in UTC. */
  utc: boolean;
  /** A time range was selected (epoch seconds). */
  onZoom: (from: number, to: number) => void;
  /** A bucket was clicked. */
  onPick: (index: number) => void;
  /** Whether the charts show a zoomed range (a reset button appears). */
  zoomed: boolean;
  /** Show the whole session again. */
  onResetZoom: () => void;
  /** Bumped when the theme changes. */
  themeEpoch: number;
  /** Why the series could not be loaded, or `null`. */
  error: string | null;
}

const KIND_COLORS: Record<string, string> = {
  intent: "--chart-intent",
  gate: "--chart-gate",
  order: "--chart-order",
  fill: "--chart-fill",
  error: "--chart-error",
};
const PALETTE = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5", "--chart-6"];

/** Events by kind as stacked bars: each bar is the sum up to its kind, drawn tallest first. */
function kindStack(series: ExecutionSeries): ChartSeries[] {
  const kinds = [
    ...EVENT_KINDS.filter((k) => k in series.kinds),
    ...Object.keys(series.kinds).filter((k) => !(EVENT_KINDS as readonly string[]).includes(k)),
  ];
  const running = new Array<number>(series.t.length).fill(0);
  const stacked = kinds.map((kind, i) => {
    const own = series.kinds[kind];
    for (let b = 0; b < running.length; b++) running[b] += own[b];
    return {
      label: kind,
      values: [...running],
      shown: own,
      color: KIND_COLORS[kind] ?? PALETTE[i % PALETTE.length],
      style: "bars" as const,
    };
  });
  return stacked.reverse();
}

function rejectionLines(series: ExecutionSeries): ChartSeries[] {
  return Object.entries(series.gates).map(([gate, { decisions, blocks }], i) => ({
    label: gate || "(unnamed gate)",
    values: decisions.map((d, b) => d === 0 ? null : (100 * blocks[b]) / d),
    color: PALETTE[i % PALETTE.length],
  }));
}

/**
 * The four charts of a session, or a note while there is nothing to draw.
 *
 * @example
 * ```tsx
 * import { SessionCharts } from "./SessionCharts.tsx";
 * // inside the timeline island:
 * // <SessionCharts series={series} formatTime={…} utc onZoom={…} onPick={…} zoomed={false}
 * //   onResetZoom={…} themeEpoch={0} error={null} />
 * ```
 */
export function SessionCharts(props: SessionChartsProps): JSX.Element {
  const { series } = props;
  // Derived once per series answer: the charts redraw only when their data changed.
  const derived = useMemo(() =>
    series === null ? null : {
      kinds: kindStack(series),
      rejections: rejectionLines(series),
      fills: [
        { label: "notional ($)", values: series.cumulative_notional, color: "--chart-1" },
        // Fees are usually a fixed share of notional, so on its own axis the fees line runs along
        // the notional line: dashed, both stay visible.
        {
          label: "fees ($)",
          values: series.cumulative_fees,
          color: "--chart-2",
          axis: 1 as const,
          dashed: true,
        },
      ],
      latency: [
        { label: "p50", values: series.latency_ms.p50, color: "--chart-3" },
        { label: "p95", values: series.latency_ms.p95, color: "--chart-4" },
      ],
    }, [series]);
  const common = {
    formatTime: props.formatTime,
    utc: props.utc,
    onZoom: props.onZoom,
    onPick: props.onPick,
    themeEpoch: props.themeEpoch,
  };
  return (
    <section class="charts" aria-label="Charts of the session">
      <div class="charts-head">
        <h2>Charts</h2>
        <p class="charts-hint">
          {series === null || series.t.length === 0
            ? "Whole session."
            : `${props.zoomed ? "Selected range" : "Whole session"}, ${
              series.t.length.toLocaleString("en-US")
            } buckets of ${
              bucketLabel(series.bucket_ms)
            }. Drag to zoom, click a bucket to list its events.`}
        </p>
        {props.zoomed && (
          <button type="button" class="secondary reset-zoom" onClick={props.onResetZoom}>
            Show the whole session
          </button>
        )}
      </div>
      {props.error !== null && <p class="error" role="alert">{props.error}</p>}
      {series === null || derived === null
        ? <p class="charts-empty">Charts appear once the page has loaded.</p>
        : series.t.length === 0
        ? <p class="charts-empty">No timed events to chart yet.</p>
        : (
          <div class="chart-grid">
            {[
              ["chart-events", "Events per bucket, stacked by kind", derived.kinds, [
                "events",
              ]] as const,
              [
                "chart-rejections",
                "Rejection ratio per gate (% of its decisions)",
                derived.rejections,
                ["%"],
              ] as const,
              [
                "chart-fills",
                "Cumulative fill notional and fees",
                derived.fills,
                ["notional $", "fees $"],
              ] as const,
              ["chart-latency", "Intent→fill latency (ms)", derived.latency, ["ms"]] as const,
            ].map(([id, title, lines, units]) => (
              <TimeSeriesChart
                {...common}
                key={id}
                id={id}
                title={title}
                x={series.t}
                series={lines}
                units={[...units]}
              />
            ))}
          </div>
        )}
    </section>
  );
}

/** A bucket width for people (`500 ms`, `10 s`, `5 min`, `1 h`, `1 d`). */
export function bucketLabel(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1_000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}
