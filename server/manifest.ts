/**
 * The explicit route manifest: every route module and its path, listed by
 * hand (no file-system scanning at run time, so `deno compile` sees every
 * module through static imports). Paths follow the Fresh file names.
 *
 * @module
 */
import type { ManifestRoute } from "../web/route.ts";
import * as index from "../routes/index.tsx";
import * as login from "../routes/login.tsx";
import * as healthz from "../routes/healthz.ts";
import * as timelinePage from "../routes/live/execution/[session].tsx";
import * as sessionsApi from "../routes/api/live/sessions.ts";
import * as timelineApi from "../routes/api/live/execution/[session].ts";
import * as summaryApi from "../routes/api/live/execution/[session]/summary.ts";
import * as streamApi from "../routes/api/live/execution/[session]/stream.ts";
import * as telemetryPage from "../routes/live/telemetry.tsx";
import * as healthApi from "../routes/api/telemetry/health.ts";
import * as trendsApi from "../routes/api/telemetry/health/trends.ts";
import * as alertsLatestApi from "../routes/api/telemetry/alerts/latest.ts";
import * as alertsAckApi from "../routes/api/telemetry/alerts/ack.ts";
import * as alertsSnoozeApi from "../routes/api/telemetry/alerts/snooze.ts";
import * as alertsUnsnoozeApi from "../routes/api/telemetry/alerts/unsnooze.ts";
import * as metrics from "../routes/metrics.ts";
import * as seriesApi from "../routes/api/live/execution/[session]/series.ts";
import * as countApi from "../routes/api/live/execution/[session]/count.ts";
import * as exportApi from "../routes/api/live/execution/[session]/export.ts";
import * as telemetryApi from "../routes/api/telemetry.ts";
import * as logout from "../routes/logout.ts";

/**
 * Every route of the dashboard, in registration order.
 *
 * @example
 * ```ts
 * import { ROUTES } from "./manifest.ts";
 * console.log(ROUTES.map((r) => r.pattern));
 * ```
 */
export const ROUTES: readonly ManifestRoute[] = [
  { pattern: "/", module: index },
  { pattern: "/login", module: login },
  { pattern: "/healthz", module: healthz },
  { pattern: "/live/execution/:session", module: timelinePage },
  { pattern: "/api/live/sessions", module: sessionsApi },
  { pattern: "/api/live/execution/:session", module: timelineApi },
  { pattern: "/api/live/execution/:session/summary", module: summaryApi },
  { pattern: "/api/live/execution/:session/stream", module: streamApi },
  // The telemetry console (health, trends, alerts).
  { pattern: "/live/telemetry", module: telemetryPage },
  { pattern: "/api/telemetry/health", module: healthApi },
  { pattern: "/api/telemetry/health/trends", module: trendsApi },
  { pattern: "/api/telemetry/alerts/latest", module: alertsLatestApi },
  { pattern: "/api/telemetry/alerts/ack", module: alertsAckApi },
  { pattern: "/api/telemetry/alerts/snooze", module: alertsSnoozeApi },
  { pattern: "/api/telemetry/alerts/unsnooze", module: alertsUnsnoozeApi },
  { pattern: "/metrics", module: metrics },
  { pattern: "/api/live/execution/:session/series", module: seriesApi },
  { pattern: "/api/live/execution/:session/count", module: countApi },
  { pattern: "/api/live/execution/:session/export", module: exportApi },
  { pattern: "/api/telemetry", module: telemetryApi },
  { pattern: "/logout", module: logout },
];

/**
 * The route module of the login form (the auth middleware renders it for
 * unauthenticated page requests).
 *
 * @example
 * ```ts
 * import { LOGIN_ROUTE } from "./manifest.ts";
 * console.log(LOGIN_ROUTE.pattern); // "/login"
 * ```
 */
export const LOGIN_ROUTE: ManifestRoute = ROUTES[1];
