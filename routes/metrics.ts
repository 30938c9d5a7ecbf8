/**
 * `GET /metrics`: the Prometheus exposition of the dashboard server (the
 * `peak_exec_*` families of its log root, its request metrics, process
 * metrics).
 *
 * Who may read it: with no token configured, anyone who may reach the
 * server (loopback only). With the dashboard token, the token (as a bearer,
 * which Prometheus sends, or the login cookie). With a metrics token, a
 * bearer of the metrics token or of the dashboard token: Prometheus then
 * holds a credential that reads metrics and nothing else.
 *
 * @module
 */
import { jsonError } from "../web/errors.ts";
import type { Handlers } from "../web/route.ts";
import type { TokenGuard } from "../web/auth.ts";

/** The path of the route (the token middleware leaves it to this module when a metrics token is set). */
export const METRICS_PATH = "/metrics";

async function bearerAllowed(req: Request, guards: Array<TokenGuard | null>): Promise<boolean> {
  const bearer = req.headers.get("authorization")?.match(/^Bearer[ ]+(\S+)\s*$/i)?.[1];
  if (bearer === undefined) return false;
  for (const guard of guards) if (guard !== null && await guard.checkToken(bearer)) return true;
  return false;
}

/**
 * Answers the exposition text (`text/plain; version=0.0.4`), or 401 when a
 * metrics token is configured and the request does not carry it.
 *
 * @example
 * ```ts
 * import { createApp } from "../server/app.ts";
 * const res = await createApp({ logDir: "logs/execution" }).request("/metrics");
 * console.log(res.status, (await res.text()).includes("peak_exec_events_total")); // 200 true
 * ```
 */
export const handler: Handlers = {
  async GET(ctx) {
    const { metrics, metricsGuard, guard } = ctx.state;
    if (metricsGuard !== null && !(await bearerAllowed(ctx.req, [metricsGuard, guard]))) {
      return jsonError(
        401,
        "unauthorized",
        "/metrics needs the metrics token: send `Authorization: Bearer <token>` " +
          "(in Prometheus: `authorization: { credentials: <token> }` in the scrape config)",
        { "www-authenticate": 'Bearer realm="metrics"' },
      );
    }
    return new Response(await metrics.render(), {
      headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
    });
  },
};
