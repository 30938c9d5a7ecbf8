/**
 * Fresh-style route module types: a route module exports a `handler` (data
 * loading, status codes) and, for pages, a default component that only
 * renders. The app assembly (`server/app.ts`) turns them into Hono routes
 * from its explicit manifest (`server/manifest.ts`).
 *
 * @module
 */
import type { FunctionComponent } from "preact";
import type { TokenGuard } from "./auth.ts";
import type { FailureBudget } from "./failure_budget.ts";
import type { RefusalLog } from "./refusal_log.ts";
import type { ResponseCache } from "./response_cache.ts";
import type { TelemetryMonitor } from "../ops/telemetry_monitor.ts";
import type { DashboardMetrics } from "./dashboard_metrics.ts";
import type { FollowHub } from "../live/follow_hub.ts";

/**
 * What every handler may read about the app it runs in.
 *
 * @example
 * ```ts
 * import type { AppState } from "./route.ts";
 * import { FailureBudget } from "./failure_budget.ts";
 * import { RefusalLog } from "./refusal_log.ts";
 * import { ResponseCache } from "./response_cache.ts";
 * import { TelemetryMonitor } from "../ops/telemetry_monitor.ts";
 * import { opsSettingsOf } from "../ops/ops_settings.ts";
 * import { parseExecutionConfig } from "../execution/config.ts";
 * import { DashboardMetrics } from "./dashboard_metrics.ts";
 * import { FollowHub } from "../live/follow_hub.ts";
 * const state: AppState = {
 *   logDir: "logs/execution",
 *   guard: null,
 *   shutdown: new AbortController().signal,
 *   maxEventStreams: 1024,
 *   responseCache: new ResponseCache(),
 *   telemetry: new TelemetryMonitor("logs/execution", opsSettingsOf(parseExecutionConfig(""))),
 *   metrics: new DashboardMetrics({ logDir: "logs/execution" }),
 *   metricsGuard: null,
 *   authFailures: new FailureBudget(),
 *   refusals: new RefusalLog(),
 *   followHub: new FollowHub({ baseDir: "logs/execution" }),
 * };
 * ```
 */
export interface AppState {
  /** The log root every session file lives in. */
  logDir: string;
  /** The token guard when a bearer token protects the app, else `null`. */
  guard: TokenGuard | null;
  /** Aborted when the server shuts down; long-lived responses (event streams) end then. */
  shutdown: AbortSignal;
  /** Most event streams open at once; more are refused with 503. */
  maxEventStreams: number;
  /** Answers computed from session files, valid while the file is unchanged (one per app). */
  responseCache: ResponseCache;
  /** Health, trends and alerts of the log root (one per app). */
  telemetry: TelemetryMonitor;
  /** The registry behind `/metrics` (log-root families, request metrics, process metrics). */
  metrics: DashboardMetrics;
  /** The guard of the separate metrics token, else `null` (then `/metrics` follows `guard`). */
  metricsGuard: TokenGuard | null;
  /** Wrong tokens per client address (bearer and login form share it). */
  authFailures: FailureBudget;
  /** One-line, rate-limited log of refused requests. */
  refusals: RefusalLog;
  /** Live follow: one follower per followed session, shared by its event streams (one per app). */
  followHub: FollowHub;
  /**
   * The connection guard's door, taught which cache entry a request target
   * reads so the guard can answer repeats itself; absent without a guard.
   */
  door?: DoorRegistry;
}

/**
 * What a route tells the connection guard's door (`server/answer_door.ts`):
 * the request for `url` was answered from cache entry `key` of the file at
 * `path`, under the route pattern `route`.
 *
 * @example
 * ```ts
 * import type { DoorRegistry } from "./route.ts";
 * const taught: string[] = [];
 * const door: DoorRegistry = { remember: (url) => void taught.push(url) };
 * door.remember("http://127.0.0.1/api/live/execution/s1", "/api/live/execution/:session", "logs/s1.jsonl", "k");
 * ```
 */
export interface DoorRegistry {
  /** Remember which cache entry the request target of `url` reads. */
  remember(url: string, route: string, path: string, key: string): void;
}

/**
 * Options of {@linkcode RouteContext.render}.
 *
 * @example
 * ```ts
 * import type { RenderInit } from "./route.ts";
 * const init: RenderInit = { status: 400 };
 * ```
 */
export interface RenderInit {
  /**
   * HTTP status of the page.
   * @default {200}
   */
  status?: number;
}

/**
 * The context a handler receives: the request, its URL and path parameters
 * (already decoded), the app state, and `render()` for page routes.
 *
 * @example
 * ```ts
 * import type { RouteContext } from "./route.ts";
 * function handle(ctx: RouteContext<{ n: number }>): Response | Promise<Response> {
 *   return ctx.render({ n: Number(ctx.url.searchParams.get("n") ?? 0) });
 * }
 * ```
 */
export interface RouteContext<Data = unknown> {
  /** The incoming request (its `signal` aborts when the client goes away). */
  req: Request;
  /** The parsed request URL. */
  url: URL;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  /** App-wide state. */
  state: AppState;
  /** The client's IP address, or `null` when unknown (tests' `app.request()`). */
  clientAddress: string | null;
  /** Render the module's page component with `data` inside the document shell. */
  render(data: Data, init?: RenderInit): Response;
}

/**
 * A handler for one HTTP method.
 *
 * @example
 * ```ts
 * import type { HandlerFn } from "./route.ts";
 * const ok: HandlerFn = () => new Response("ok");
 * ```
 */
export type HandlerFn<Data = unknown> = (
  ctx: RouteContext<Data>,
) => Response | Promise<Response>;

/**
 * A route module's `handler` export: one function per HTTP method.
 *
 * @example
 * ```ts
 * import type { Handlers } from "./route.ts";
 * export const handler: Handlers = { GET: () => Response.json({ ok: true }) };
 * ```
 */
export interface Handlers<Data = unknown> {
  /** `GET` (also answers `HEAD`). */
  GET?: HandlerFn<Data>;
  /** `POST`. */
  POST?: HandlerFn<Data>;
}

/**
 * Props of a page component: the data its handler rendered with.
 *
 * @example
 * ```ts
 * import type { PageProps } from "./route.ts";
 * function Page({ data }: PageProps<{ title: string }>) {
 *   return data.title;
 * }
 * ```
 */
export interface PageProps<Data = unknown> {
  /** What the handler passed to `render()`. */
  data: Data;
  /** The request URL. */
  url: URL;
}

/**
 * A route module: a `handler`, optionally a default page component and a
 * `title` for the document shell.
 *
 * @example
 * ```ts
 * import type { RouteModule } from "./route.ts";
 * const health: RouteModule = { handler: { GET: () => Response.json({ status: "ok" }) } };
 * ```
 */
export interface RouteModule<Data = unknown> {
  /** Method handlers. */
  handler: Handlers<Data>;
  /** The page component (page routes only). */
  default?: FunctionComponent<PageProps<Data>>;
  /** The page title (page routes only). */
  title?: (data: Data) => string;
}

/**
 * One entry of the route manifest: a Hono path pattern and its module.
 *
 * @example
 * ```ts
 * import type { ManifestRoute } from "./route.ts";
 * const route: ManifestRoute = {
 *   pattern: "/healthz",
 *   module: { handler: { GET: () => Response.json({ status: "ok" }) } },
 * };
 * ```
 */
export interface ManifestRoute {
  /** Hono path pattern, e.g. `/api/live/execution/:session`. */
  pattern: string;
  /** The route module (its own `Data` type is erased in the manifest). */
  module: RouteModule<never>;
}
