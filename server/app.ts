/**
 * The dashboard app: a Hono app assembled from the route manifest, with
 * security headers, optional bearer-token auth, JSON errors (HTML error
 * pages for browsers) and a JSON 404. Each app owns its state, including the
 * answer cache, so two apps (or two tests) never share one.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { InvalidSessionIdError } from "../execution/session_id.ts";
import { tokenAuth, TokenGuard } from "../web/auth.ts";
import { ClientLimiter, rateLimit } from "../web/client_limiter.ts";
import { sameOriginWrites } from "../web/same_origin.ts";
import { jsonError } from "../web/errors.ts";
import { loopbackHostOnly } from "../web/host_check.ts";
import { ResponseCache } from "../web/response_cache.ts";
import { FollowHub } from "../live/follow_hub.ts";
import type { AppState, HandlerFn, ManifestRoute, RouteContext } from "../web/route.ts";
import { securityHeaders } from "../web/security_headers.ts";
import { readStaticAsset } from "./assets.ts";
import { errorAnswer, htmlErrorPages } from "./error_answers.ts";
import { LOGIN_ROUTE, ROUTES } from "./manifest.ts";
import { renderPage } from "./render_page.ts";

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
   * How long a browser login lasts, in seconds.
   * @default {43200}
   */
  loginTtlSeconds?: number;
  /**
   * Login attempts (`POST /login`) allowed per client address per minute; more answer 429.
   * @default {10}
   */
  loginAttemptsPerMinute?: number;
}

/** A manifest route's method handler as a Hono handler, given the route context it expects. */
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
  const guard = options.token === undefined
    ? null
    : new TokenGuard(options.token, { loginTtlSeconds: options.loginTtlSeconds });
  const state: AppState = {
    logDir: options.logDir,
    guard,
    shutdown: options.signal ?? new AbortController().signal,
    maxEventStreams: options.maxEventStreams ?? 1024,
    responseCache: new ResponseCache(),
    followHub: new FollowHub({ baseDir: options.logDir }),
  };
  // A shutdown ends every live stream: the hub's followers stop with it.
  options.signal?.addEventListener("abort", () => state.followHub.close(), { once: true });
  const app = new Hono();

  app.use(securityHeaders());
  app.use(htmlErrorPages());
  // Before auth: a guessing client is slowed down whether or not it has a cookie.
  const logins = new ClientLimiter({
    limit: options.loginAttemptsPerMinute ?? 10,
    windowMs: 60_000,
  });
  app.use("/login", rateLimit(logins, ["POST"]));
  app.use(sameOriginWrites());
  if (guard === null) app.use(loopbackHostOnly());
  if (guard !== null) {
    app.use(tokenAuth({
      guard,
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
  app.onError((err) => errorAnswer(err));
  return app;
}
