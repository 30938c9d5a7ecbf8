/**
 * Durations as operators write them in the config file and on the command
 * line (`"30s"`, `"5m"`, `"2h"`, `"7d"`, `"1h30m"`), the way Prometheus and
 * Alertmanager spell them: one or more integer-and-unit parts, largest unit
 * first. Parsed to milliseconds.
 *
 * @module
 */

/** Milliseconds per unit, in the order parts must appear. */
const UNIT_MS: ReadonlyArray<readonly [string, number]> = [
  ["w", 7 * 24 * 3_600_000],
  ["d", 24 * 3_600_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
  ["ms", 1],
];
const PART = /(\d{1,9})(ms|[wdhms])/y;
/** The longest duration accepted: ten years, far beyond any alerting or retention setting. */
const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

/**
 * The example durations quoted in error messages.
 *
 * @example
 * ```ts
 * import { DURATION_EXAMPLES } from "./duration.ts";
 * console.log(DURATION_EXAMPLES); // '"30s", "5m", "2h" or "7d"'
 * ```
 */
export const DURATION_EXAMPLES = '"30s", "5m", "2h" or "7d"';

/**
 * Parse a duration such as `"30s"`, `"5m"`, `"2h"`, `"7d"`, `"1h30m"` or
 * `"0s"` (units `w`, `d`, `h`, `m`, `s`, `ms`, largest first, each at most
 * once) to milliseconds. Throws a `RangeError` that quotes the text and the
 * accepted forms.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * console.log(parseDuration("5m")); // 300000
 * console.log(parseDuration("1h30m")); // 5400000
 * ```
 */
export function parseDuration(text: string): number {
  const problem = () =>
    new RangeError(
      `expected a duration such as ${DURATION_EXAMPLES} (units w, d, h, m, s, ms), got ${
        JSON.stringify(text.slice(0, 40))
      }`,
    );
  if (typeof text !== "string" || text === "") throw problem();
  let total = 0;
  let position = 0;
  let lastUnit = -1;
  PART.lastIndex = 0;
  while (position < text.length) {
    PART.lastIndex = position;
    const m = PART.exec(text);
    if (m === null) throw problem();
    const unit = UNIT_MS.findIndex(([name]) => name === m[2]);
    // Units largest first, each once: "1h30m", never "30m1h" or "1m1m".
    if (unit <= lastUnit) throw problem();
    lastUnit = unit;
    total += Number(m[1]) * UNIT_MS[unit][1];
    position = PART.lastIndex;
  }
  if (total > MAX_DURATION_MS) {
    throw new RangeError(`duration ${JSON.stringify(text)} is longer than ten years`);
  }
  return total;
}

/**
 * Whether `text` is a duration {@linkcode parseDuration} accepts.
 *
 * @example
 * ```ts
 * import { isDuration } from "./duration.ts";
 * console.log(isDuration("2h"), isDuration("2 hours")); // true false
 * ```
 */
export function isDuration(text: unknown): text is string {
  if (typeof text !== "string") return false;
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Format milliseconds as the shortest duration text that parses back to the
 * same value (`300000` → `"5m"`, `5400000` → `"1h30m"`, `0` → `"0s"`).
 *
 * @example
 * ```ts
 * import { formatDuration } from "./duration.ts";
 * console.log(formatDuration(300_000)); // "5m"
 * console.log(formatDuration(5_400_000)); // "1h30m"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0s";
  let rest = Math.round(ms);
  let text = "";
  for (const [name, size] of UNIT_MS) {
    // Weeks read worse than days in messages ("14d", not "2w"): only parse accepts them.
    if (name === "w") continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${name}`;
      rest -= count * size;
    }
  }
  return text;
}
