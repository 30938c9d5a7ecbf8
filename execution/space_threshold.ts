/**
 * Free-space thresholds as the config file spells them: a share of the
 * volume (`"10%"`) or an amount of bytes (`5368709120`, `"5GiB"`, `"500MB"`).
 *
 * @module
 */

/**
 * A free-space threshold: `pct` of the volume's size, or `bytes`.
 *
 * @example
 * ```ts
 * import type { SpaceThreshold } from "./space_threshold.ts";
 * const threshold: SpaceThreshold = { unit: "pct", value: 10 };
 * ```
 */
export interface SpaceThreshold {
  /** `pct`: percent of the volume; `bytes`: an amount. */
  unit: "pct" | "bytes";
  /** The percentage (0–100) or the number of bytes. */
  value: number;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?$/i;
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/**
 * Parse a free-space threshold: a number of bytes (a non-negative integer),
 * or a string `"10%"` (0–100), `"5GiB"`, `"500MB"`, `"1TB"` (units B, KB, MB,
 * GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024). Throws a
 * `RangeError` that says what is accepted.
 *
 * @example
 * ```ts
 * import { parseSpaceThreshold } from "./space_threshold.ts";
 * console.log(parseSpaceThreshold("10%")); // { unit: "pct", value: 10 }
 * console.log(parseSpaceThreshold("1GiB")); // { unit: "bytes", value: 1073741824 }
 * ```
 */
export function parseSpaceThreshold(raw: unknown): SpaceThreshold {
  const problem = () =>
    new RangeError(
      `expected a free-space threshold: a percentage such as "10%", or bytes such as ` +
        `5368709120, "5GiB" or "500MB", got ${
          typeof raw === "string" ? JSON.stringify(raw.slice(0, 40)) : String(raw)
        }`,
    );
  if (typeof raw === "number") {
    if (!Number.isSafeInteger(raw) || raw < 0) throw problem();
    return { unit: "bytes", value: raw };
  }
  if (typeof raw !== "string") throw problem();
  const text = raw.trim();
  const percent = PERCENT.exec(text);
  if (percent !== null) {
    const value = Number(percent[1]);
    if (value > 100) throw problem();
    return { unit: "pct", value };
  }
  const size = SIZE.exec(text);
  if (size === null) throw problem();
  const value = Math.round(Number(size[1]) * SIZE_UNITS[(size[2] ?? "").toLowerCase()]);
  if (!Number.isSafeInteger(value)) throw problem();
  return { unit: "bytes", value };
}

/**
 * A threshold as text (`"10%"`, `"5368709120 bytes"`).
 *
 * @example
 * ```ts
 * import { formatSpaceThreshold } from "./space_threshold.ts";
 * console.log(formatSpaceThreshold({ unit: "pct", value: 10 })); // "10%"
 * ```
 */
export function formatSpaceThreshold(threshold: SpaceThreshold): string {
  return threshold.unit === "pct" ? `${threshold.value}%` : `${threshold.value} bytes`;
}
