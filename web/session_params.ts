/**
 * The sessions index's query parameters (`q`, `sort`, `order`, `offset`,
 * `limit`), read the same way by the index page and `/api/live/sessions`.
 *
 * @module
 */
import {
  MAX_SESSIONS_PAGE,
  SESSION_SORT_KEYS,
  type SessionPageOptions,
  type SessionSortKey,
} from "../live/session_overview.ts";
import { HttpError } from "./errors.ts";

/**
 * Read the index's parameters; throws {@linkcode HttpError} (400) naming
 * the parameter at fault.
 *
 * @example
 * ```ts
 * import { parseSessionPageParams } from "./session_params.ts";
 * console.log(parseSessionPageParams(new URLSearchParams("sort=fills&order=asc&limit=50")));
 * ```
 */
export function parseSessionPageParams(query: URLSearchParams): SessionPageOptions {
  const sort = query.get("sort")?.trim() || "last_ts";
  if (!(SESSION_SORT_KEYS as readonly string[]).includes(sort)) {
    throw new HttpError(
      400,
      "invalid_sort",
      `sort: expected one of ${SESSION_SORT_KEYS.join(", ")}, got ${
        JSON.stringify(sort.slice(0, 20))
      }`,
    );
  }
  const order = query.get("order")?.trim() || "desc";
  if (order !== "asc" && order !== "desc") {
    throw new HttpError(
      400,
      "invalid_order",
      `order: expected asc or desc, got ${JSON.stringify(order.slice(0, 10))}`,
    );
  }
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const text = query.get(name)?.trim() ?? "";
    if (text === "") return fallback;
    const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) {
      throw new HttpError(
        400,
        `invalid_${name}`,
        `${name}: expected ${min} to ${max}, got ${JSON.stringify(text.slice(0, 12))}`,
      );
    }
    return n;
  };
  const text = query.get("q")?.trim() ?? "";
  if (text.length > 128) {
    throw new HttpError(400, "invalid_q", "q: expected at most 128 characters");
  }
  return {
    text,
    sort: sort as SessionSortKey,
    order,
    offset: whole("offset", 0, 0, 1e9),
    limit: whole("limit", MAX_SESSIONS_PAGE, 1, MAX_SESSIONS_PAGE),
  };
}
