/**
 * `Host` checks. Every request first needs a `Host` header that parses
 * strictly and agrees with the request target (an absolute-form target such
 * as `GET http://evil.example/ HTTP/1.1` names another host than its `Host`
 * and is refused). Then, for a dashboard without a token, DNS-rebinding
 * protection: a web page on another site can point its own host name at
 * 127.0.0.1 and read a loopback-only dashboard as "same origin", so without a
 * token the dashboard answers only requests addressed to a loopback host name.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";
import { type HostHeader, parseHostHeader } from "./host_header.ts";
import type { RefusalLog } from "./refusal_log.ts";
import { clientAddress } from "./client_address.ts";

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
 * The authority of a request URL as the server built it (`host:port` between
 * `//` and the path), read as text: `new URL()` would throw on a malformed
 * one, and would split `user@host` into userinfo and host.
 */
function urlAuthority(url: string): string {
  const start = url.indexOf("//");
  if (start === -1) return "";
  const end = url.indexOf("/", start + 2);
  return url.slice(start + 2, end === -1 ? url.length : end);
}

/** The request's host: its `Host` header parsed, or (no header: `app.request()` in tests) its URL's. */
function requestHost(req: Request): HostHeader | string {
  const header = req.headers.get("host");
  return parseHostHeader(header ?? urlAuthority(req.url));
}

/** A client's address for a log line, or `-` when unknown. */
function clientOf(env: unknown): string {
  return clientAddress(env) ?? "-";
}

/**
 * Options of {@linkcode validHostOnly}.
 *
 * @example
 * ```ts
 * import { RefusalLog } from "./refusal_log.ts";
 * import type { ValidHostOptions } from "./host_check.ts";
 * const options: ValidHostOptions = { log: new RefusalLog() };
 * ```
 */
export interface ValidHostOptions {
  /** Where each refusal is logged (one line, no stack trace). */
  log: RefusalLog;
}

/**
 * Middleware that answers `400 invalid_host` when the `Host` header is
 * malformed (see {@linkcode parseHostHeader}) and `400 absolute_form_refused`
 * when the request target names another host than the `Host` header; each
 * refusal is one line in `options.log`. Runs before anything parses the URL.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { validHostOnly } from "./host_check.ts";
 * import { RefusalLog } from "./refusal_log.ts";
 * const app = new Hono();
 * app.use(validHostOnly({ log: new RefusalLog() }));
 * ```
 */
export function validHostOnly(options: ValidHostOptions): MiddlewareHandler {
  const { log } = options;
  return async (c, next) => {
    const req = c.req.raw;
    const header = req.headers.get("host");
    const host = requestHost(req);
    if (typeof host === "string") {
      log.refused(`400 invalid_host from ${clientOf(c.env)}: ${host}`);
      return jsonError(
        400,
        "invalid_host",
        `${host}; send \`Host: <name or address>[:<port>]\`, e.g. \`Host: 127.0.0.1:8000\``,
      );
    }
    if (header !== null && urlAuthority(req.url).toLowerCase() !== header.toLowerCase()) {
      log.refused(`400 absolute_form_refused from ${clientOf(c.env)}`);
      return jsonError(
        400,
        "absolute_form_refused",
        "the request line named a full URL (absolute form); send the path only, with the " +
          "host in the Host header",
      );
    }
    return await next();
  };
}

/**
 * Middleware that refuses (403 JSON) requests whose `Host` is not a loopback
 * name. Used when no token is configured, after {@linkcode validHostOnly}.
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
    const host = requestHost(c.req.raw);
    const hostname = typeof host === "string" ? "" : host.hostname;
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
