/**
 * Parameters at the HTTP edge: what only HTTP has (the session id in the
 * path, byte offsets in the query and `Last-Event-ID`), and how the timeline
 * filters of a query string reach `live/timeline_query.ts`, the one place
 * their rules live. Each parser returns a trusted value or throws
 * {@linkcode HttpError} (400) with a message that says what to send instead.
 *
 * @module
 */
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";
import {
  MAX_PAGE_LIMIT,
  parseTimelineQuery,
  type TimelineQuery,
  TimelineQueryError,
  type TimelineQueryInput,
} from "../live/timeline_query.ts";
import { HttpError } from "./errors.ts";

/** Digits a byte offset may have (15 stays within `Number.MAX_SAFE_INTEGER`). */
const MAX_OFFSET_DIGITS = 15;

/**
 * Return `raw` as a session id, or throw a 400 naming the rules.
 *
 * @example
 * ```ts
 * import { parseSessionId } from "./params.ts";
 * console.log(parseSessionId("paper-1")); // "paper-1"
 * ```
 */
export function parseSessionId(raw: string | undefined): string {
  if (!isValidSessionId(raw)) {
    throw new HttpError(400, "invalid_session_id", new InvalidSessionIdError(raw ?? "").message);
  }
  return raw;
}

/**
 * Parse an optional non-negative integer byte offset (`before`, `from`,
 * `Last-Event-ID`), naming the parameter in the error.
 *
 * @example
 * ```ts
 * import { parseOffset } from "./params.ts";
 * console.log(parseOffset("before", "1024")); // 1024
 * console.log(parseOffset("before", null)); // null
 * ```
 */
export function parseOffset(name: string, raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw.trim() === "") return null;
  const text = raw.trim();
  const value = new RegExp(`^\\d{1,${MAX_OFFSET_DIGITS}}$`).test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new HttpError(
      400,
      `invalid_${name.toLowerCase().replace(/[^a-z]+/g, "_")}`,
      `${name} must be a byte offset: a non-negative integer (got ${
        JSON.stringify(raw.slice(0, 20))
      })`,
    );
  }
  return value;
}

/**
 * The timeline filters of a query string, as the query module reads them:
 * `kind` (repeatable, comma-separated), `symbol`, `symbol_match`
 * (`exact`, `prefix`, `substring`), `symbol_ci` (ignore case), `blocked`,
 * `gate` and `code` (repeatable, comma-separated), `since`, `until`, `limit`.
 *
 * @example
 * ```ts
 * import { timelineQueryInput } from "./params.ts";
 * const input = timelineQueryInput(new URLSearchParams("kind=fill&kind=gate&limit=50"));
 * console.log(input.kinds, input.limit); // ["fill", "gate"] "50"
 * ```
 */
export function timelineQueryInput(query: URLSearchParams): TimelineQueryInput {
  return {
    kinds: query.getAll("kind"),
    symbol: query.get("symbol"),
    symbolMatch: query.get("symbol_match"),
    symbolIgnoreCase: query.get("symbol_ci"),
    blocked: query.get("blocked"),
    gates: query.getAll("gate"),
    codes: query.getAll("code"),
    since: query.get("since"),
    until: query.get("until"),
    limit: query.get("limit"),
  };
}

/**
 * The 400 answer for a filter the query module refused: code
 * `invalid_<field>`, and its message, which names the field.
 *
 * @example
 * ```ts
 * import { TimelineQueryError } from "../live/timeline_query.ts";
 * import { timelineQueryHttpError } from "./params.ts";
 * const err = timelineQueryHttpError(new TimelineQueryError("limit", "expected 1 to 1000"));
 * console.log(err.status, err.code); // 400 "invalid_limit"
 * ```
 */
export function timelineQueryHttpError(err: TimelineQueryError): HttpError {
  return new HttpError(400, `invalid_${err.field}`, err.message);
}

/**
 * Options of {@linkcode parseTimelineParams}.
 *
 * @example
 * ```ts
 * import type { TimelineParamsOptions } from "./params.ts";
 * const options: TimelineParamsOptions = { readLimit: false };
 * ```
 */
export interface TimelineParamsOptions {
  /**
   * Read `limit` (1 to `MAX_PAGE_LIMIT`); a stream has no limit and leaves
   * the parameter unread.
   * @default {true}
   */
  readLimit?: boolean;
}

/**
 * Read the timeline filters of a query string (a page holds at most
 * `MAX_PAGE_LIMIT` rows). A bad filter, or a `since` later than `until`, is
 * a 400 `invalid_<field>` naming it.
 *
 * @example
 * ```ts
 * import { parseTimelineParams } from "./params.ts";
 * const query = parseTimelineParams(new URLSearchParams("kind=fill,gate&symbol=BTC-USD"));
 * console.log(query.kinds, query.symbol, query.limit); // ["fill", "gate"] "BTC-USD" 200
 * ```
 */
export function parseTimelineParams(
  query: URLSearchParams,
  options: TimelineParamsOptions = {},
): TimelineQuery {
  const input = timelineQueryInput(query);
  if (options.readLimit === false) input.limit = null;
  try {
    return parseTimelineQuery(input, { maxLimit: MAX_PAGE_LIMIT });
  } catch (err) {
    if (err instanceof TimelineQueryError) throw timelineQueryHttpError(err);
    throw err;
  }
}
