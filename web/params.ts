/**
 * Parsing of path and query parameters at the HTTP edge. Each parser either
 * returns a trusted value or throws {@linkcode HttpError} (400) with a
 * message that says what to send instead.
 *
 * @module
 */
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";
import { HttpError } from "./errors.ts";

/**
 * Default number of timeline rows per page.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMIT } from "./params.ts";
 * console.log(DEFAULT_LIMIT); // 200
 * ```
 */
export const DEFAULT_LIMIT = 200;

/**
 * Largest accepted `limit`.
 *
 * @example
 * ```ts
 * import { MAX_LIMIT } from "./params.ts";
 * console.log(MAX_LIMIT); // 1000
 * ```
 */
export const MAX_LIMIT = 1000;

/** A kind filter value: what event kinds look like, bounded in length. */
const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Longest accepted symbol filter. */
const MAX_SYMBOL_LENGTH = 128;

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
 * Parse `limit`: absent means {@linkcode DEFAULT_LIMIT}; otherwise an integer
 * from 1 to {@linkcode MAX_LIMIT}.
 *
 * @example
 * ```ts
 * import { parseLimit } from "./params.ts";
 * console.log(parseLimit(new URLSearchParams("limit=50"))); // 50
 * ```
 */
export function parseLimit(query: URLSearchParams): number {
  const raw = query.get("limit");
  if (raw === null || raw === "") return DEFAULT_LIMIT;
  const limit = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new HttpError(
      400,
      "invalid_limit",
      `limit must be an integer from 1 to ${MAX_LIMIT} (got ${JSON.stringify(raw.slice(0, 20))})`,
    );
  }
  return limit;
}

/**
 * Parse the repeatable `kind` filter (`kind=fill&kind=gate`, or comma-separated).
 *
 * @example
 * ```ts
 * import { parseKinds } from "./params.ts";
 * console.log(parseKinds(new URLSearchParams("kind=fill&kind=gate,order"))); // ["fill", "gate", "order"]
 * ```
 */
export function parseKinds(query: URLSearchParams): string[] {
  const kinds: string[] = [];
  for (const value of query.getAll("kind")) {
    for (const part of value.split(",")) {
      const kind = part.trim();
      if (kind === "") continue;
      if (!KIND_PATTERN.test(kind)) {
        throw new HttpError(
          400,
          "invalid_kind",
          `kind must be an event kind such as intent, gate, order, fill or error (got ${
            JSON.stringify(kind.slice(0, 40))
          })`,
        );
      }
      if (!kinds.includes(kind)) kinds.push(kind);
    }
  }
  return kinds;
}

/**
 * Parse the optional `symbol` filter (empty means no filter).
 *
 * @example
 * ```ts
 * import { parseSymbol } from "./params.ts";
 * console.log(parseSymbol(new URLSearchParams("symbol=BTC-USD"))); // "BTC-USD"
 * ```
 */
export function parseSymbol(query: URLSearchParams): string | null {
  const symbol = query.get("symbol")?.trim() ?? "";
  if (symbol === "") return null;
  if (symbol.length > MAX_SYMBOL_LENGTH) {
    throw new HttpError(
      400,
      "invalid_symbol",
      `symbol must be at most ${MAX_SYMBOL_LENGTH} characters`,
    );
  }
  return symbol;
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
  const value = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
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
 * Parse an optional timestamp bound (`since`, `until`) as given; the live
 * module validates the format and answers with a RangeError on bad input.
 *
 * @example
 * ```ts
 * import { parseTimeBound } from "./params.ts";
 * console.log(parseTimeBound(new URLSearchParams("since=2026-11-25T00:00:00Z"), "since"));
 * ```
 */
export function parseTimeBound(query: URLSearchParams, name: "since" | "until"): string | null {
  const raw = query.get(name)?.trim() ?? "";
  if (raw === "") return null;
  if (raw.length > 64) {
    throw new HttpError(400, `invalid_${name}`, `${name} must be an RFC 3339 timestamp`);
  }
  return raw;
}
