/**
 * A sparkline: a small inline SVG line of a few counts, with its numbers as
 * the accessible label (the picture itself is decoration).
 *
 * @module
 */
import type { JSX } from "preact";
import { formatCount } from "../web/format.ts";

/** Props of {@linkcode Sparkline}. */
export interface SparklineProps {
  /** The values, oldest first. */
  values: readonly number[];
  /** What the values are (for the label). */
  label: string;
  /**
   * Width in CSS pixels.
   * @default {96}
   */
  width?: number;
  /**
   * Height in CSS pixels.
   * @default {20}
   */
  height?: number;
}

/**
 * An SVG polyline of `values` scaled to the box.
 *
 * @example
 * ```tsx
 * import { Sparkline } from "./Sparkline.tsx";
 * const line = <Sparkline values={[0, 3, 9, 4]} label="events over the session" />;
 * ```
 */
export function Sparkline({ values, label, width = 96, height = 20 }: SparklineProps): JSX.Element {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) =>
    `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`
  ).join(" ");
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${label}: ${values.map(formatCount).join(", ")}`}
    >
      <polyline points={points} />
    </svg>
  );
}
