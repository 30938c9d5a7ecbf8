/**
 * The security headers every answer carries: a Content-Security-Policy that
 * allows only same-origin scripts (no inline script, no `'unsafe-inline'`,
 * no `eval`), plus the usual hardening headers.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/**
 * The Content-Security-Policy of the dashboard. Islands hydrate from a
 * `type="application/json"` data block, which is never executed, so no inline
 * script is needed anywhere.
 *
 * @example
 * ```ts
 * import { CONTENT_SECURITY_POLICY } from "./security_headers.ts";
 * console.log(CONTENT_SECURITY_POLICY.startsWith("default-src 'self'")); // true
 * ```
 */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Every header the middleware adds, as name and value. A hot route may put
 * them into its response itself: the middleware then finds them set and
 * leaves the headers alone (changing a response's headers after it was
 * built costs `Deno.serve` more than building it with them).
 *
 * @example
 * ```ts
 * import { SECURITY_HEADERS } from "./security_headers.ts";
 * const res = new Response("{}", { headers: [["content-type", "application/json"], ...SECURITY_HEADERS] });
 * ```
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["content-security-policy", CONTENT_SECURITY_POLICY],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-opener-policy", "same-origin"],
  ["cross-origin-resource-policy", "same-origin"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"],
];

/**
 * Marks a response built with every security header already (see
 * {@linkcode securedResponse}). A property, not a `WeakSet`: a set of
 * thousands of short-lived responses a second made garbage collection
 * slower with every request.
 */
const SECURED: unique symbol = Symbol("peak-trade.secured");

/**
 * Note that `res` was built with every header of {@linkcode SECURITY_HEADERS}
 * (a hot route does that): the middleware then leaves it alone, without
 * looking at each header. Returns `res`.
 *
 * @example
 * ```ts
 * import { SECURITY_HEADERS, securedResponse } from "./security_headers.ts";
 * const res = securedResponse(new Response("{}", { headers: [...SECURITY_HEADERS] as [string, string][] }));
 * ```
 */
export function securedResponse(res: Response): Response {
  (res as Response & { [SECURED]?: true })[SECURED] = true;
  return res;
}

/**
 * Middleware that sets the security headers on every response (errors and
 * 404s included), overriding nothing a handler set deliberately.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { securityHeaders } from "./security_headers.ts";
 * const app = new Hono();
 * app.use(securityHeaders());
 * ```
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // Each look at a header costs Deno a few microseconds: a response built complete is skipped.
    if ((c.res as Response & { [SECURED]?: true })[SECURED] === true) return;
    for (const [name, value] of SECURITY_HEADERS) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  };
}
