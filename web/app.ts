/**
 * The dashboard app: a Hono app assembled from the route manifest, with
 * security headers, optional bearer-token auth, JSON errors and a JSON 404.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { InvalidSessionIdError } from "../execution/session_id.ts";
import { SessionLogChangedError } from "../live/log_changed_error.ts";
import { readStaticAsset } from "./assets.ts";
import { defaultIsPublic, tokenAuth, TokenGuard } from "./auth.ts";
import { escapeHtml, renderDocument } from "./document.ts";
import { HttpError, jsonError } from "./errors.ts";
import { loopbackHostOnly } from "./host_check.ts";
import { IslandCollector, type IslandRecord } from "./island.tsx";
import { LOGIN_ROUTE, ROUTES } from "./manifest.ts";
import type { AppState, HandlerFn, ManifestRoute, RenderInit, RouteContext } from "./route.ts";
import { securityHeaders } from "./security_headers.ts";
// Metrics (issue 14).
import { DashboardMetrics } from "./dashboard_metrics.ts";
import { requestDuration } from "./request_metrics.ts";
import { METRICS_PATH } from "../routes/metrics.ts";

/**
 * Options of {@linkcode createApp}.
 *
 * @example
 * ```ts
 * import type { CreateAppOptions } from "./app.ts";
 * const options: CreateAppOptions = { logDir: "logs/execution", token: "s3cret" };
 * ```
 */
export interface CreateAppOptions {
  /** The log root; every session file is `<logDir>/<session>.jsonl`. */
  logDir: string;
  /**
   * When set, every route needs `Authorization: Bearer <token>` (or the
   * login cookie for pages).
   * @default {undefined}
   */
  token?: string;
  /** Aborting it ends every open event stream (so a graceful shutdown can finish). */
  signal?: AbortSignal;
  /**
   * Most live-follow streams open at once in this process; more answer 503.
   * @default {1024}
   */
  maxEventStreams?: number;
  /**
   * A separate bearer token for `/metrics` (Prometheus then holds a
   * credential that reads metrics only); the dashboard token works there too.
   * Without it, `/metrics` follows `token`.
   * @default {undefined}
   */
  metricsToken?: string;
}

/** Changes on every start so browsers fetch the current bundle and stylesheet. */
const ASSET_VERSION = Date.now().toString(36);

function renderPage(
  route: ManifestRoute,
  data: unknown,
  url: URL,
  init: RenderInit = {},
): Response {
  const Page = route.module.default;
  if (Page === undefined) throw new Error(`route ${route.pattern} has no page component`);
  const islands: IslandRecord[] = [];
  const body = renderToString(
    h(IslandCollector.Provider, { value: islands }, h(Page, { data: data as never, url })),
  );
  const title = route.module.title?.(data as never) ?? "Execution dashboard";
  return new Response(renderDocument({ title, body, islands, assetVersion: ASSET_VERSION }), {
    status: init.status ?? 200,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

function toHonoHandler(
  route: ManifestRoute,
  fn: HandlerFn<never>,
  state: AppState,
): (c: Context) => Response | Promise<Response> {
  return (c) => {
    const url = new URL(c.req.url);
    const ctx: RouteContext<never> = {
      req: c.req.raw,
      url,
      params: c.req.param() as Record<string, string>,
      state,
      render: (data, init) => renderPage(route, data, url, init),
    };
    return fn(ctx);
  };
}

/** Titles of the HTML error pages, by status. */
const ERROR_TITLES: Readonly<Record<number, string>> = {
  400: "Bad request",
  404: "Page not found",
  500: "Server error",
  503: "Try again shortly",
};

/**
 * A browser asking for a page (not the API) gets an HTML error page with a
 * way back instead of raw JSON; API clients and scripts keep `{error, detail}`.
 */
function wantsHtmlPage(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (new URL(req.url).pathname.startsWith("/api/")) return false;
  return (req.headers.get("accept") ?? "").includes("text/html");
}

async function forBrowser(req: Request, res: Response): Promise<Response> {
  if (res.ok || !wantsHtmlPage(req)) return res;
  const contentType = res.headers.get("content-type") ?? "";
  if (!contentType.startsWith("application/json")) return res;
  let detail = "";
  let code = "";
  try {
    const body = await res.clone().json() as { error?: unknown; detail?: unknown };
    detail = typeof body.detail === "string" ? body.detail : "";
    code = typeof body.error === "string" ? body.error : "";
  } catch {
    return res;
  }
  const title = ERROR_TITLES[res.status] ?? `Error ${res.status}`;
  const body = `<main class="page"><header class="page-header">` +
    `<a class="back" href="/">← Sessions</a><h1>${escapeHtml(title)}</h1></header>` +
    `<div class="error" role="alert"><p>${escapeHtml(detail)}</p>` +
    (code === ""
      ? ""
      : `<p class="error-code">HTTP ${res.status} · <code>${escapeHtml(code)}</code></p>`) +
    `</div></main>`;
  const headers = new Headers(res.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.delete("content-length");
  return new Response(
    renderDocument({ title, body, islands: [], assetVersion: ASSET_VERSION }),
    { status: res.status, headers },
  );
}

function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) return jsonError(err.status, err.code, err.message);
  if (err instanceof InvalidSessionIdError) {
    return jsonError(400, "invalid_session_id", err.message);
  }
  // The live module answers bad `since`/`until`/`limit`/`before` with a RangeError.
  if (err instanceof RangeError) return jsonError(400, "bad_request", err.message);
  // A log truncated or rotated during every read attempt: a passing condition, so retry later.
  if (err instanceof SessionLogChangedError) {
    return jsonError(503, "session_log_changed", err.message, { "retry-after": "1" });
  }
  console.error("dashboard: unhandled error", err);
  return jsonError(
    500,
    "internal_error",
    "the server failed to answer; the error is in its log, and retrying may help",
  );
}

/**
 * Build the dashboard app over `logDir`, optionally protected by `token`.
 * Serve it with `Deno.serve(app.fetch)`; test it with `app.request(path)`.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * const app = createApp({ logDir: "logs/execution" });
 * const res = await app.request("/healthz");
 * console.log(res.status); // 200
 * ```
 */
export function createApp(options: CreateAppOptions): Hono {
  const guard = options.token === undefined ? null : new TokenGuard(options.token);
  const state: AppState = {
    logDir: options.logDir,
    guard,
    shutdown: options.signal ?? new AbortController().signal,
    maxEventStreams: options.maxEventStreams ?? 1024,
    // Metrics (issue 14): the registry and the separate metrics token.
    metrics: new DashboardMetrics({ logDir: options.logDir }),
    metricsGuard: options.metricsToken === undefined ? null : new TokenGuard(options.metricsToken),
  };
  const app = new Hono();

  // Metrics (issue 14): first, so that requests refused by later middleware are observed too.
  app.use(requestDuration(state.metrics.requestDuration));
  app.use(securityHeaders());
  app.use(async (c, next) => {
    await next();
    if (!c.res.ok && wantsHtmlPage(c.req.raw)) c.res = await forBrowser(c.req.raw, c.res);
  });
  if (guard === null) app.use(loopbackHostOnly());
  if (guard !== null) {
    app.use(tokenAuth({
      guard,
      // Metrics (issue 14): with a metrics token, /metrics checks its own tokens.
      isPublic: state.metricsGuard === null
        ? defaultIsPublic
        : (path) => path === METRICS_PATH || defaultIsPublic(path),
      loginPage: (c) => {
        const url = new URL(c.req.url);
        return renderPage(LOGIN_ROUTE, { next: url.pathname + url.search, error: null }, url, {
          status: 401,
        });
      },
    }));
  }

  // Browsers ask for it on every page; an empty answer keeps their consoles clean.
  app.get("/favicon.ico", () => new Response(null, { status: 204 }));
  app.get("/static/:file", async (c) => {
    const res = await readStaticAsset(c.req.param("file"));
    return res ?? jsonError(404, "not_found", `no static asset ${c.req.path}`);
  });

  // Deno.serve routes the raw request target, so `/live/execution/%2e%2e` reaches the session
  // routes and is refused there. Clients that normalise URLs themselves (browsers, curl,
  // `new Request()`) send `/live/` instead: what is left of a session path is refused here too.
  for (const prefix of ["/live/", "/live/execution/", "/api/live/", "/api/live/execution/"]) {
    app.get(prefix, () =>
      jsonError(
        400,
        "invalid_session_id",
        new InvalidSessionIdError("").message +
          " (the path had no session id; `..` segments are removed before routing)",
      ));
  }

  for (const route of ROUTES) {
    const { GET, POST } = route.module.handler;
    if (GET !== undefined) app.get(route.pattern, toHonoHandler(route, GET, state));
    if (POST !== undefined) app.post(route.pattern, toHonoHandler(route, POST, state));
  }

  app.notFound((c) =>
    jsonError(
      404,
      "not_found",
      `no route for ${c.req.method} ${c.req.path}: pages are / and /live/execution/<session>; ` +
        "the API is under /api/live/",
    )
  );
  app.onError((err) => errorResponse(err));
  return app;
}
