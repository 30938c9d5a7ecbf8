/**
 * One time-series chart drawn by uPlot (a canvas) inside a `<figure>` with a
 * caption, plus its numbers as a table behind a disclosure (the chart's text
 * alternative; built only when opened). Dragging across the chart selects a
 * time range (`onZoom`); a click picks the bucket under the cursor
 * (`onPick`). Colours come from the page's CSS custom properties, so the
 * chart follows the light or dark theme.
 *
 * The server renders the figure and caption only; the canvas is created in
 * the browser after hydration.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";

/** One line or bar series of a chart. */
export interface ChartSeries {
  /** Legend label. */
  label: string;
  /** Values, one per bucket (`null`: no value). */
  values: (number | null)[];
  /** CSS custom property of its colour, e.g. `--chart-1`. */
  color: string;
  /**
   * Drawn as bars or a line.
   * @default {"line"}
   */
  style?: "line" | "bars";
  /** Value axis: 0 (left, the default) or 1 (right). */
  axis?: 0 | 1;
  /** A dashed line (so a series that runs along another stays visible). */
  dashed?: boolean;
  /** Value shown in the legend and the table (defaults to `values`; e.g. a stack's own count). */
  shown?: (number | null)[];
}

/** Props of {@linkcode TimeSeriesChart}. */
export interface TimeSeriesChartProps {
  /** Element id of the figure (and prefix of its parts). */
  id: string;
  /** The caption: what the chart shows. */
  title: string;
  /** Bucket starts, epoch seconds. */
  x: number[];
  /** The series, drawn in order (later ones over earlier ones). */
  series: ChartSeries[];
  /** Unit of the left axis (and the right one, for a second axis). */
  units?: [string, string?];
  /** Format of a timestamp in the table (the zone shown on the page). */
  formatTime: (epochSeconds: number) => string;
  /** Drawn times in UTC (otherwise in the browser's zone). */
  utc: boolean;
  /** A range was selected by dragging: its start and end, epoch seconds. */
  onZoom?: (from: number, to: number) => void;
  /** A bucket was clicked: its index. */
  onPick?: (index: number) => void;
  /**
   * Height of the plot in CSS pixels.
   * @default {180}
   */
  height?: number;
  /** Bumped when the theme changes: the chart is drawn again in its colours. */
  themeEpoch?: number;
}

function cssColor(element: Element, property: string): string {
  return getComputedStyle(element).getPropertyValue(property).trim() || "#888";
}

/** Axis ticks short enough for the axis: 1.2k, 3.4M, 5.6B. */
function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(3));
}

function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return Math.abs(value) >= 100
    ? value.toLocaleString("en-US", { maximumFractionDigits: 0 })
    : value.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/**
 * A uPlot chart with a caption and a data table.
 *
 * @example
 * ```tsx
 * import { TimeSeriesChart } from "./TimeSeriesChart.tsx";
 * const chart = (
 *   <TimeSeriesChart
 *     id="fills"
 *     title="Fills per bucket"
 *     x={[1795599045, 1795599105]}
 *     series={[{ label: "fills", values: [3, 5], color: "--chart-1", style: "bars" }]}
 *     formatTime={(t) => new Date(t * 1000).toISOString()}
 *     utc
 *   />
 * );
 * ```
 */
export function TimeSeriesChart(props: TimeSeriesChartProps): JSX.Element {
  const { id, title, x, series, height = 180 } = props;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const callbacks = useRef(props);
  callbacks.current = props;
  const [tableOpen, setTableOpen] = useState(false);
  /** The bucket under the cursor (its values show in the readout), or `null`. */
  const [hover, setHover] = useState<number | null>(null);
  const shape = `${series.map((s) => `${s.label}:${s.style}:${s.axis}`).join("|")}|${props.utc}|${
    props.themeEpoch ?? 0
  }`;

  // Build the chart when its series set, the zone or the theme change; otherwise only new data.
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    /** Where the button went down: the click that ends a drag (it moved) is no bucket pick. */
    let downX = NaN;
    const bars = uPlot.paths.bars!({ size: [0.9, 64], align: 1 });
    const options: uPlot.Options = {
      width: Math.max(240, element.clientWidth),
      height,
      tzDate: props.utc ? (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC") : undefined,
      // The legend is ours (below): uPlot's is a table without caption or header scopes.
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: true }, y: { auto: true }, y2: { auto: true } },
      axes: [
        { stroke: cssColor(element, "--muted"), grid: { stroke: cssColor(element, "--line") } },
        {
          stroke: cssColor(element, "--muted"),
          grid: { stroke: cssColor(element, "--line") },
          label: props.units?.[0],
          size: 60,
          values: (_u, splits) => splits.map(compact),
        },
        ...(series.some((s) => s.axis === 1)
          ? [{
            side: 1 as const,
            scale: "y2",
            stroke: cssColor(element, "--muted"),
            grid: { show: false },
            label: props.units?.[1],
            size: 60,
            values: (_u: uPlot, splits: number[]) => splits.map(compact),
          }]
          : []),
      ],
      series: [
        {},
        ...series.map((s): uPlot.Series => ({
          label: s.label,
          stroke: cssColor(element, s.color),
          fill: s.style === "bars" ? cssColor(element, s.color) : undefined,
          width: s.style === "bars" ? 0 : 2,
          dash: s.dashed ? [6, 4] : undefined,
          paths: s.style === "bars" ? bars : undefined,
          // Lines: uPlot shows the points only where they are far enough apart to be seen.
          points: s.style === "bars" ? { show: false } : { size: 3 },
          scale: s.axis === 1 ? "y2" : "y",
          spanGaps: false,
        })),
      ],
      hooks: {
        setCursor: [(u) => setHover(u.cursor.idx ?? null)],
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          callbacks.current.onZoom?.(from, to);
        }],
      },
    };
    const chart = new uPlot(options, toData(callbacks.current), element);
    plot.current = chart;
    const onDown = (event: MouseEvent): void => {
      downX = event.clientX;
    };
    const onClick = (event: MouseEvent): void => {
      // The same 3 pixels as a selection: less is a click, more was a drag (and zoomed).
      if (!(Math.abs(event.clientX - downX) < 3)) return;
      // From the click's own position: the cursor may not have seen a move before it.
      const left = event.clientX - chart.over.getBoundingClientRect().left;
      const idx = chart.posToIdx(left);
      if (idx >= 0 && idx < callbacks.current.x.length) callbacks.current.onPick?.(idx);
    };
    chart.over.addEventListener("mousedown", onDown);
    chart.over.addEventListener("click", onClick);
    const resize = new ResizeObserver(() => {
      const width = Math.max(240, element.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.over.removeEventListener("mousedown", onDown);
      chart.over.removeEventListener("click", onClick);
      chart.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(toData(props));
  }, [x, series]);

  return (
    <figure class="chart" id={id} data-chart={id}>
      <figcaption>{title}</figcaption>
      <div class="chart-plot" ref={host} data-testid={`${id}-plot`} />
      <p class="chart-legend">
        {hover !== null && x[hover] !== undefined && (
          <span class="chart-readout">{props.formatTime(x[hover])}:</span>
        )}
        {series.map((s) => (
          <span class="legend-item" key={s.label}>
            <span class={`swatch swatch${s.color}`} aria-hidden="true" />
            {s.label}
            {hover !== null && ` ${formatValue((s.shown ?? s.values)[hover])}`}
          </span>
        ))}
      </p>
      <details
        class="chart-data"
        onToggle={(e) => setTableOpen((e.currentTarget as HTMLDetailsElement).open)}
      >
        <summary>Data table</summary>
        {tableOpen && (
          <div class="table-wrap">
            <table class="chart-table">
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">Bucket start</th>
                  {series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}
                </tr>
              </thead>
              <tbody>
                {x.map((t, i) => (
                  <tr key={t}>
                    <th scope="row" class="ts">{props.formatTime(t)}</th>
                    {series.map((s) => (
                      <td class="num" key={s.label}>{formatValue((s.shown ?? s.values)[i])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </figure>
  );
}

function toData(props: Pick<TimeSeriesChartProps, "x" | "series">): uPlot.AlignedData {
  return [props.x, ...props.series.map((s) => s.values)];
}
