/**
 * JSON error answers: every error the dashboard returns is `{error, detail}`
 * with a stable machine `error` code and a `detail` a person can act on.
 *
 * @module
 */

/**
 * The body of every error answer.
 *
 * @example
 * ```ts
 * import type { ErrorBody } from "./errors.ts";
 * const body: ErrorBody = { error: "not_found", detail: "no route for GET /x" };
 * ```
 */
export interface ErrorBody {
  /** Stable machine code, snake_case. */
  error: string;
  /** What went wrong and what to do about it. */
  detail: string;
}

/**
 * Build a JSON error response `{error, detail}` with `status`.
 *
 * @example
 * ```ts
 * import { jsonError } from "./errors.ts";
 * const res = jsonError(400, "invalid_limit", "limit: expected 1 to 1000, got \"0\"");
 * console.log(res.status); // 400
 * ```
 */
export function jsonError(
  status: number,
  error: string,
  detail: string,
  headers?: HeadersInit,
): Response {
  const body: ErrorBody = { error, detail };
  const res = Response.json(body, { status, headers });
  res.headers.set("cache-control", "no-store");
  return res;
}

/**
 * A request error a handler throws to answer 400 (or `status`) with a JSON
 * body; the app's error handler turns it into {@linkcode jsonError}.
 *
 * @example
 * ```ts
 * import { HttpError } from "./errors.ts";
 * const err = new HttpError(400, "invalid_since", "since: expected an ISO 8601 timestamp");
 * console.log(err.status, err.code); // 400 "invalid_since"
 * ```
 */
export class HttpError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** Stable machine code. */
  readonly code: string;

  /** Build the error. */
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}
