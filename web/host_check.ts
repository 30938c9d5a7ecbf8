/**
 * DNS-rebinding protection for a dashboard without a token: a web page on
 * another site can point its own host name at 127.0.0.1 and read a
 * loopback-only dashboard as "same origin". Without a token, the dashboard
 * therefore answers only requests addressed to a loopback host name.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/**
 * Whether `hostname` (from a URL or `Host` header, without the port) names
 * this machine: `localhost`, `127.0.0.0/8` or `::1`.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./host_check.ts";
 * console.log(isLoopbackHost("127.0.0.1")); // true
 * console.log(isLoopbackHost("attacker.example")); // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Middleware that refuses (403 JSON) requests whose `Host` is not a loopback
 * name. Used when no token is configured.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { loopbackHostOnly } from "./host_check.ts";
 * const app = new Hono();
 * app.use(loopbackHostOnly());
 * ```
 */
export function loopbackHostOnly(): MiddlewareHandler {
  return async (c, next) => {
    const hostname = new URL(c.req.url).hostname;
    if (isLoopbackHost(hostname)) return await next();
    return jsonError(
      403,
      "host_not_allowed",
      `this dashboard has no token, so it only answers requests addressed to localhost or ` +
        `127.0.0.1 (got host ${JSON.stringify(hostname.slice(0, 64))}); ` +
        `start it with --token to serve it under another name`,
    );
  };
}
