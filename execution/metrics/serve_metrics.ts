/**
 * A tiny `/metrics` server for a trading process that has no HTTP server of
 * its own.
 *
 * @module
 */
import type { ExecutionMetrics } from "./execution_metrics.ts";

/**
 * Options of {@linkcode serveMetrics}.
 *
 * @example
 * ```ts
 * import type { ServeMetricsOptions } from "@peak-trade/execution";
 * const options: ServeMetricsOptions = { port: 9464, hostname: "127.0.0.1" };
 * ```
 */
export interface ServeMetricsOptions {
  /**
   * TCP port; 0 picks a free one (read it from the returned server's `addr`).
   * @default {9464}
   */
  port?: number;
  /**
   * Interface to listen on. Metrics name no session or order, but they tell
   * how much is traded: keep them on loopback or behind a token.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * When set, `/metrics` needs `Authorization: Bearer <token>` (Prometheus:
   * `authorization: { credentials: <token> }` in the scrape config).
   */
  token?: string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** Equal-length comparison without an early exit, so the token's prefix cannot be timed. */
function sameToken(candidate: string, token: string): boolean {
  const a = new TextEncoder().encode(candidate);
  const b = new TextEncoder().encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}

/**
 * Serve `metrics` on `GET /metrics` (everything else is 404) with
 * `Deno.serve`. Needs `--allow-net`.
 *
 * @example
 * ```ts
 * import { ExecutionMetrics, serveMetrics } from "@peak-trade/execution";
 * const metrics = new ExecutionMetrics();
 * const server = serveMetrics(metrics, { port: 0 });
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/metrics`);
 * console.log(res.status, (await res.text()).includes("peak_exec_events_total")); // 200 true
 * await server.shutdown();
 * ```
 */
export function serveMetrics(
  metrics: ExecutionMetrics,
  options: ServeMetricsOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  const token = options.token;
  return Deno.serve({
    port: options.port ?? 9464,
    hostname: options.hostname ?? "127.0.0.1",
    signal: options.signal,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/metrics") return new Response("not found\n", { status: 404 });
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (token !== undefined) {
      const bearer = req.headers.get("authorization")?.match(/^Bearer[ ]+(\S+)\s*$/i)?.[1];
      if (bearer === undefined || !sameToken(bearer, token)) {
        return new Response("unauthorized: send Authorization: Bearer <token>\n", {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="metrics"' },
        });
      }
    }
    return await metrics.response();
  });
}
