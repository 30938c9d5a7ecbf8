/**
 * Request-duration middleware: observes every request in a histogram
 * labelled by route pattern (never the raw path, which holds session ids),
 * method and status class.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Histogram } from "prom-client";

/** The labels of the request-duration histogram. */
export type RequestLabel = "route" | "method" | "status_class";

/** The `route` label of a request no route matched (404s, refused methods). */
export const UNMATCHED_ROUTE = "unmatched";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The route pattern that handled the request: the last matched route that
 * is a handler for a method (middleware are registered for every method),
 * or {@linkcode UNMATCHED_ROUTE}. A request refused by a middleware (a
 * missing token) still carries the route it asked for.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { routePattern } from "./request_metrics.ts";
 * const app = new Hono();
 * app.get("/api/live/execution/:session", (c) => c.text(routePattern(c)));
 * const res = await app.request("/api/live/execution/demo");
 * console.log(await res.text()); // "/api/live/execution/:session"
 * ```
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i].method !== "ALL") return routes[i].path;
  }
  return UNMATCHED_ROUTE;
}

/**
 * Observes a request-duration histogram through the labelled series of each
 * (route, method, status class), found once: observing through it skips
 * prom-client's hashing of the label set on every request. The middleware
 * and the connection guard's door (which answers some requests itself) share it.
 *
 * @example
 * ```ts
 * import { Histogram, Registry } from "prom-client";
 * import { RequestSeries } from "./request_metrics.ts";
 * const histogram = new Histogram({
 *   name: "request_seconds",
 *   help: "Request durations.",
 *   labelNames: ["route", "method", "status_class"] as const,
 *   registers: [new Registry()],
 * });
 * new RequestSeries(histogram).observe("/healthz", "GET", "2xx", 0.001);
 * ```
 */
export class RequestSeries {
  #histogram: Histogram<RequestLabel>;
  #series = new Map<string, { observe(value: number): void }>();

  /** Observe into `histogram`. */
  constructor(histogram: Histogram<RequestLabel>) {
    this.#histogram = histogram;
  }

  /** Record one request of `route` and `method` answered with `statusClass` in `seconds`. */
  observe(route: string, method: string, statusClass: string, seconds: number): void {
    const key = `${route} ${method} ${statusClass}`;
    let child = this.#series.get(key);
    if (child === undefined) {
      child = this.#histogram.labels({ route, method, status_class: statusClass });
      this.#series.set(key, child);
    }
    child.observe(seconds);
  }
}

/**
 * Middleware that observes each request's duration (until the response
 * headers are ready; a live-follow stream counts until it starts) in
 * `histogram`, labelled `route` (pattern), `method` (the usual methods, else
 * `other`) and `status_class` (`2xx` … `5xx`). Register it first, so requests
 * refused by later middleware are observed too.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Histogram, Registry } from "prom-client";
 * import { requestDuration } from "./request_metrics.ts";
 * const histogram = new Histogram({
 *   name: "http_request_duration_seconds", help: "Request duration.",
 *   labelNames: ["route", "method", "status_class"], registers: [new Registry()],
 * });
 * const app = new Hono();
 * app.use(requestDuration(histogram));
 * app.get("/healthz", (c) => c.text("ok"));
 * await app.request("/healthz");
 * ```
 */
export function requestDuration(histogram: Histogram<RequestLabel>): MiddlewareHandler {
  const series = new RequestSeries(histogram);
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // An error that escaped every handler is answered 500 by Hono after this point.
      const status = c.finalized ? c.res.status : 500;
      const route = routePattern(c);
      const method = METHODS.has(c.req.method) ? c.req.method : "other";
      const statusClass = `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
      series.observe(route, method, statusClass, (performance.now() - start) / 1000);
    }
  };
}
