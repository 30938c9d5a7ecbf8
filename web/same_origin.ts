/**
 * Cross-site request forgery protection for state-changing requests (any
 * method but GET, HEAD and OPTIONS): a browser says where a request comes
 * from (`Sec-Fetch-Site`, `Origin`), and a request another site made is
 * refused with 403 (the `Origin`'s host must be the request's host; the
 * scheme may differ behind a TLS-terminating proxy). Requests that say nothing (scripts, curl) are not from a
 * browser page and pass; they need the token anyway when one is set.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { HttpError, jsonError } from "./errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a state-changing request with these headers comes from this
 * origin (or from no browser page at all).
 *
 * @example
 * ```ts
 * import { isSameOriginRequest } from "./same_origin.ts";
 * const req = new Request("http://127.0.0.1:8000/logout", {
 *   method: "POST",
 *   headers: { origin: "http://evil.example" },
 * });
 * console.log(isSameOriginRequest(req)); // false
 * ```
 */
export function isSameOriginRequest(req: Request): boolean {
  // Browsers that send Sec-Fetch-Site say it outright; their Origin may be "null" here, since
  // the dashboard's `Referrer-Policy: no-referrer` makes form posts send `Origin: null`.
  const site = req.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin" || site === "none";
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  // Host only: behind a TLS-terminating proxy the page is https while this server sees http.
  try {
    return new URL(origin).host === new URL(req.url).host;
  } catch {
    return false; // "null" (a sandboxed or privacy-sensitive context) or garbage
  }
}

/**
 * Middleware that refuses (403 JSON) state-changing requests from another
 * origin.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { sameOriginWrites } from "./same_origin.ts";
 * const app = new Hono();
 * app.use(sameOriginWrites());
 * ```
 */
export function sameOriginWrites(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || isSameOriginRequest(c.req.raw)) return await next();
    return jsonError(
      403,
      "cross_origin_refused",
      "this request came from another site: the dashboard only accepts forms of its own pages",
    );
  };
}

/**
 * Throw a 403 {@linkcode HttpError} unless `req` may change state here (see
 * {@linkcode isSameOriginRequest}): for handlers that act on their own
 * (acking and snoozing alerts), even where the app's middleware already ran.
 *
 * @example
 * ```ts
 * import { assertSameOrigin } from "./same_origin.ts";
 * const req = new Request("http://127.0.0.1:8000/api/x", {
 *   method: "POST",
 *   headers: { origin: "http://127.0.0.1:8000" },
 * });
 * assertSameOrigin(req);
 * ```
 */
export function assertSameOrigin(req: Request): void {
  if (isSameOriginRequest(req)) return;
  throw new HttpError(
    403,
    "cross_origin_refused",
    "refused: the request came from another site; act from this dashboard's own pages, " +
      "or from a script with the token",
  );
}
