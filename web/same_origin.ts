/**
 * Cross-site request refusal for the routes that change state (acking and
 * snoozing alerts): a browser sends `Origin` (and `Sec-Fetch-Site`) with a
 * POST, so a page on another site that posts a form to the dashboard is
 * refused even on a loopback dashboard without a token. Requests without
 * either header come from scripts, not browsers; the token (when one is
 * configured) is their check.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/**
 * Throw a 403 {@linkcode HttpError} unless `req` comes from a page of this
 * server: `Sec-Fetch-Site` (when sent) must be `same-origin`, and the host
 * of `Origin` (when sent) must be the request's own host. Hosts are compared
 * without the scheme, so a TLS-terminating proxy in front does not matter.
 *
 * @example
 * ```ts
 * import { assertSameOrigin } from "./same_origin.ts";
 * const req = new Request("http://127.0.0.1:8000/api/x", {
 *   method: "POST",
 *   headers: { origin: "http://127.0.0.1:8000" },
 * });
 * assertSameOrigin(req, new URL(req.url));
 * ```
 */
export function assertSameOrigin(req: Request, url: URL): void {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") {
    throw new HttpError(
      403,
      "cross_origin_refused",
      `refused: the request came from another site (Sec-Fetch-Site: ${site.slice(0, 32)}); ` +
        "act on alerts from this dashboard's own pages, or from a script with the token",
    );
  }
  const origin = req.headers.get("origin");
  if (origin === null) return;
  let host: string | null = null;
  try {
    host = origin === "null" ? null : new URL(origin).host;
  } catch {
    host = null;
  }
  if (host !== url.host) {
    throw new HttpError(
      403,
      "cross_origin_refused",
      `refused: the request came from ${JSON.stringify(origin.slice(0, 100))}, not from this ` +
        "dashboard; act on alerts from its own pages, or from a script with the token",
    );
  }
}
