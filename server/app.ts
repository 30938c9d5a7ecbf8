/**
 * The dashboard app: a Hono app assembled from the route manifest, with
 * security headers, optional bearer-token auth, JSON errors (HTML error
 * pages for browsers) and a JSON 404. Each app owns its state, including the
 * answer cache, so two apps (or two tests) never share one.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { type ExecutionConfig, parseExecutionConfig } from "../execution/config.ts";
import { InvalidSessionIdError } from "../execution/session_id.ts";
import { opsSettingsOf } from "../ops/ops_settings.ts";
import { TelemetryMonitor } from "../ops/telemetry_monitor.ts";
import { defaultIsPublic, tokenAuth, TokenGuard } from "../web/auth.ts";
import { clientAddress } from "../web/client_address.ts";
import { sameOriginWrites } from "../web/same_origin.ts";
import { jsonError } from "../web/errors.ts";
import { FailureBudget } from "../web/failure_budget.ts";
import { loopbackHostOnly, validHostOnly } from "../web/host_check.ts";
import { RefusalLog } from "../web/refusal_log.ts";
import { ResponseCache } from "../web/response_cache.ts";
import { FollowHub } from "../live/follow_hub.ts";
import type { AppState, HandlerFn, ManifestRoute, RenderInit, RouteContext } from "../web/route.ts";
import { securityHeaders } from "../web/security_headers.ts";
import { DashboardMetrics } from "../web/dashboard_metrics.ts";
import { requestDuration } from "../web/request_metrics.ts";
import { METRICS_PATH } from "../routes/metrics.ts";
import type { AnswerDoor } from "./answer_door.ts";
import { readStaticAsset } from "./assets.ts";
import { errorAnswer, htmlErrorPages } from "./error_answers.ts";
import { LOGIN_ROUTE, ROUTES } from "./manifest.ts";
import { type PageChrome, renderPage } from "./render_page.ts";

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
   * The config whose health thresholds, alert rules and retention policy
   * the telemetry console shows and applies.
   * @default {the defaults}
   */
  config?: ExecutionConfig;
  /**
   * The telemetry monitor of the log root (shared with the server's
   * snapshot and alert schedule).
   * @default {a monitor of `logDir` with the settings of `config`}
   */
  telemetry?: TelemetryMonitor;
  /**
   * A separate bearer token for `/metrics` (Prometheus then holds a
   * credential that reads metrics only); the dashboard token works there too.
   * Without it, `/metrics` follows `token`.
   * @default {undefined}
   */
  metricsToken?: string;
  /**
   * Wrong tokens (bearer and login form) counted per client address; past its
   * free failures a client is answered `429` with `Retry-After` for a time
   * that doubles with each further failure.
   * @default {new FailureBudget()}
   */
  authFailures?: FailureBudget;
  /**
   * Where refused requests are logged, one line each (rate-limited).
   * @default {new RefusalLog()}
   */
  refusals?: RefusalLog;
  /**
   * How long a browser login lasts, in seconds.
   * @default {43200}
   */
  loginTtlSeconds?: number;
  /**
   * The connection guard's door (`startDashboardServer` passes it): the app
   * teaches it which cache entry a request target reads, and it answers
   * repeats from the app's cache, metrics and token.
   * @default {undefined}
   */
  door?: AnswerDoor;
}

/** A manifest route's method handler as a Hono handler, given the route context it expects. */
function toHonoHandler(
  route: ManifestRoute,
  fn: HandlerFn<never>,
  state: AppState,
): (c: Context) => Response | Promise<Response> {
  return async (c) => {
    const url = new URL(c.req.url);
    // A page is rendered after its handler has run, so a request the handler refuses (a bad
    // session id) touches no file; the site header then reads the firing alerts for its badge.
    let rendered: { data: unknown; init?: RenderInit } | null = null;
    const placeholder = new Response(null);
    const ctx: RouteContext<never> = {
      req: c.req.raw,
      url,
      params: c.req.param() as Record<string, string>,
      state,
      clientAddress: clientAddress(c.env),
      render: (data, init) => {
        rendered = { data, init };
        return placeholder;
      },
    };
    const res = await fn(ctx);
    if (res !== placeholder || rendered === null) return res;
    const { data, init } = rendered as { data: unknown; init?: RenderInit };
    const page = renderPage(route, data, url, init, await pageChrome(state));
    // Headers a handler set on what render() gave it (Retry-After, cookies) belong to the page.
    for (const [name, value] of placeholder.headers) {
      if (name === "set-cookie") continue;
      page.headers.set(name, value);
    }
    for (const cookie of placeholder.headers.getSetCookie()) {
      page.headers.append("set-cookie", cookie);
    }
    return page;
  };
}

/** The site header's data; an unreadable alert state shows no badge rather than failing the page. */
async function pageChrome(state: AppState): Promise<PageChrome> {
  const auth = state.guard !== null;
  try {
    const firing = await state.telemetry.firing();
    return { auth, firing: firing.length, critical: firing.some((a) => a.severity === "critical") };
  } catch {
    return { auth, firing: 0, critical: false };
  }
}

/**
 * Build the dashboard app over `logDir`, optionally protected by `token`.
 * Serve it with `startDashboardServer()` (`./dashboard_server.ts`: connection
 * limits and timeouts in front of it) or `Deno.serve(app.fetch)`; test it with
 * `app.request(path)`.
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
  const guard = options.token === undefined
    ? null
    : new TokenGuard(options.token, { loginTtlSeconds: options.loginTtlSeconds });
  const telemetry = options.telemetry ??
    new TelemetryMonitor(options.logDir, opsSettingsOf(options.config ?? parseExecutionConfig("")));
  const state: AppState = {
    logDir: options.logDir,
    guard,
    shutdown: options.signal ?? new AbortController().signal,
    maxEventStreams: options.maxEventStreams ?? 1024,
    responseCache: new ResponseCache(),
    telemetry,
    metrics: new DashboardMetrics({
      logDir: options.logDir,
      firingAlerts: () => telemetry.firing(),
    }),
    metricsGuard: options.metricsToken === undefined ? null : new TokenGuard(options.metricsToken),
    authFailures: options.authFailures ?? new FailureBudget(),
    refusals: options.refusals ?? new RefusalLog(),
    followHub: new FollowHub({ baseDir: options.logDir }),
    door: options.door,
  };
  options.door?.serveFrom({
    cache: state.responseCache,
    histogram: state.metrics.requestDuration,
    token: guard === null ? null : { guard, failures: state.authFailures },
  });
  // A shutdown ends every live stream: the hub's followers stop with it.
  options.signal?.addEventListener("abort", () => state.followHub.close(), { once: true });
  const app = new Hono();

  // First, so that requests refused by later middleware are observed too.
  app.use(requestDuration(state.metrics.requestDuration));
  app.use(securityHeaders());
  // Before anything parses the URL: a malformed Host would make that throw (a 500 and a stack
  // trace in the log); this answers 400 and logs one line.
  app.use(validHostOnly({ log: state.refusals }));
  app.use(htmlErrorPages());
  app.use(sameOriginWrites());
  if (guard === null) app.use(loopbackHostOnly());
  if (guard !== null) {
    app.use(tokenAuth({
      guard,
      // With a metrics token, /metrics checks its own tokens.
      isPublic: state.metricsGuard === null
        ? defaultIsPublic
        : (path) => path === METRICS_PATH || defaultIsPublic(path),
      failures: state.authFailures,
      log: state.refusals,
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
      `no route for ${c.req.method} ${c.req.path}: pages are /, /live/execution/<session> and ` +
        "/live/telemetry; the API is under /api/live/ and /api/telemetry/",
    )
  );
  app.onError((err) => errorAnswer(err, state.refusals));
  return app;
}
