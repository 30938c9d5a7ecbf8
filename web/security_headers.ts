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

const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["content-security-policy", CONTENT_SECURITY_POLICY],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-opener-policy", "same-origin"],
  ["cross-origin-resource-policy", "same-origin"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"],
];

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
    for (const [name, value] of HEADERS) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  };
}
