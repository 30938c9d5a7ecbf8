/**
 * The health trend of a period as a server-rendered SVG (no script): a band
 * of each snapshot's severity, and the log root's disk usage as a line.
 *
 * @module
 */
import type { JSX } from "preact";
import type { TrendPoint } from "../ops/health_trends.ts";

/** Points drawn at most; more snapshots are merged (worst severity, largest disk usage). */
const MAX_POINTS = 240;
const WIDTH = 720;
const HEIGHT = 170;
const BAND = 14;
const TOP = BAND + 10;
const BOTTOM = HEIGHT - 18;
const RANK = { ok: 0, warn: 1, critical: 2 } as const;

/**
 * Props of {@linkcode HealthTrendChart}.
 *
 * @example
 * ```ts
 * import type { HealthTrendChartProps } from "./HealthTrendChart.tsx";
 * const props: HealthTrendChartProps = { points: [], label: "last 24 hours" };
 * ```
 */
export interface HealthTrendChartProps {
  /** Snapshots of the period, oldest first. */
  points: TrendPoint[];
  /** The period, for the caption. */
  label: string;
}

/**
 * Merge `points` into at most `max` (each merged point: the worst severity and the largest disk usage).
 *
 * @example
 * ```ts
 * import { downsample } from "./HealthTrendChart.tsx";
 * console.log(downsample([], 10)); // []
 * ```
 */
export function downsample(points: readonly TrendPoint[], max: number = MAX_POINTS): TrendPoint[] {
  if (points.length <= max) return [...points];
  const out: TrendPoint[] = [];
  const size = points.length / max;
  for (let i = 0; i < max; i++) {
    const group = points.slice(Math.floor(i * size), Math.floor((i + 1) * size));
    if (group.length === 0) continue;
    out.push(group.reduce((a, b) => ({
      ...b,
      severity: RANK[b.severity] > RANK[a.severity] ? b.severity : a.severity,
      disk_mb: Math.max(a.disk_mb, b.disk_mb),
    })));
  }
  return out;
}

/**
 * Renders the chart (or says there is too little to draw).
 *
 * @example
 * ```tsx
 * import HealthTrendChart from "./HealthTrendChart.tsx";
 * const chart = <HealthTrendChart points={[]} label="last 7 days" />;
 * ```
 */
export default function HealthTrendChart({ points, label }: HealthTrendChartProps): JSX.Element {
  if (points.length < 2) {
    return (
      <p class="muted">
        Not enough health snapshots in the {label}{" "}
        to draw a trend ({points.length}). Snapshots are taken by <code>serve</code>{" "}
        every 5 minutes, or with <code>main.ts health --snapshot</code>.
      </p>
    );
  }
  const drawn = downsample(points);
  const maxDisk = Math.max(...drawn.map((p) => p.disk_mb), 0.01);
  const step = WIDTH / drawn.length;
  const x = (i: number) => (i + 0.5) * step;
  const y = (mb: number) => BOTTOM - (mb / maxDisk) * (BOTTOM - TOP);
  const line = drawn.map((p, i) => `${x(i).toFixed(1)},${y(p.disk_mb).toFixed(1)}`).join(" ");
  const first = drawn[0].ts.slice(0, 16).replace("T", " ");
  const last = drawn[drawn.length - 1].ts.slice(0, 16).replace("T", " ");
  return (
    <figure class="trend">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Health severity and disk usage over the ${label}: ${points.length} snapshots, disk up to ${maxDisk} MB`}
      >
        {drawn.map((p, i) => (
          <rect
            key={i}
            class={`trend-${p.severity}`}
            x={(i * step).toFixed(1)}
            y="0"
            width={Math.max(step, 1).toFixed(1)}
            height={BAND}
          />
        ))}
        <line class="trend-axis" x1="0" y1={BOTTOM} x2={WIDTH} y2={BOTTOM} />
        <polyline class="trend-line" points={line} />
        <text class="trend-text" x="4" y={TOP + 10}>{maxDisk} MB</text>
        <text class="trend-text" x="4" y={HEIGHT - 4}>{first} UTC</text>
        <text class="trend-text" x={WIDTH - 4} y={HEIGHT - 4} text-anchor="end">{last} UTC</text>
      </svg>
      <figcaption>
        Severity of each snapshot (band: green ok, amber warn, red critical) and the log root's disk
        usage (line), {label}, {points.length} snapshots.
      </figcaption>
    </figure>
  );
}
