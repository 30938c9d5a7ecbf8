/**
 * Byte counts for people: binary units (KiB, MiB, GiB), as the policy's
 * `max_total_mb` means MiB.
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * A byte count with a binary unit: `512 B`, `1.5 KiB`, `2048.0 MiB` stays
 * `2.0 GiB`. Negative counts keep their sign.
 *
 * @example
 * ```ts
 * import { formatByteCount } from "@peak-trade/execution";
 * console.log(formatByteCount(1536)); // "1.5 KiB"
 * console.log(formatByteCount(2048 * 1024 * 1024)); // "2.0 GiB"
 * ```
 */
export function formatByteCount(bytes: number): string {
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${value} B`;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}
