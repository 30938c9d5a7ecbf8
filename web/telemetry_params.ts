/**
 * Parameters of the telemetry console's API: the original's `days`, `limit`
 * and `severity`, and the refusal of its path parameters (`root`,
 * `snapshots_path`): the server reads its own log root only, so no
 * parameter may name a directory or file.
 *
 * @module
 */
import { ALERT_SEVERITIES, type AlertSeverity } from "../execution/alerts_config.ts";
import { HttpError } from "./errors.ts";

/** Parameters of the original that named paths; refused, never read. */
const PATH_PARAMETERS = ["root", "snapshots_path"] as const;

/**
 * Throw a 400 when the query names a path (`root`, `snapshots_path`).
 *
 * @example
 * ```ts
 * import { refusePathParameters } from "./telemetry_params.ts";
 * refusePathParameters(new URLSearchParams("days=7"));
 * ```
 */
export function refusePathParameters(query: URLSearchParams): void {
  for (const name of PATH_PARAMETERS) {
    if (query.has(name)) {
      throw new HttpError(
        400,
        `${name}_not_allowed`,
        `${name} is not accepted: this dashboard reads only its own log root (the --log-dir it ` +
          "was started with); no parameter may name a directory or file",
      );
    }
  }
}

/**
 * An optional integer parameter from `min` to `max` (its default when absent).
 *
 * @example
 * ```ts
 * import { parseBoundedInt } from "./telemetry_params.ts";
 * console.log(parseBoundedInt(new URLSearchParams("days=7"), "days", 30, 1, 365)); // 7
 * ```
 */
export function parseBoundedInt(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query.get(name);
  if (raw === null || raw.trim() === "") return fallback;
  const value = /^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(value >= min && value <= max)) {
    throw new HttpError(
      400,
      `invalid_${name}`,
      `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw.slice(0, 20))})`,
    );
  }
  return value;
}

/**
 * The optional `severity` parameter (`info`, `warn` or `critical`).
 *
 * @example
 * ```ts
 * import { parseSeverity } from "./telemetry_params.ts";
 * console.log(parseSeverity(new URLSearchParams("severity=critical"))); // "critical"
 * ```
 */
export function parseSeverity(query: URLSearchParams): AlertSeverity | null {
  const raw = query.get("severity");
  if (raw === null || raw === "") return null;
  if (!(ALERT_SEVERITIES as readonly string[]).includes(raw)) {
    throw new HttpError(
      400,
      "invalid_severity",
      `severity must be one of ${ALERT_SEVERITIES.join(", ")} (got ${
        JSON.stringify(raw.slice(0, 20))
      })`,
    );
  }
  return raw as AlertSeverity;
}
