/**
 * The running dashboard: the app (`./app.ts`) served behind the connection
 * guard (`./connection_guard.ts`), with every limit an option with a
 * default, a deadline on each answer, and a shutdown that always finishes
 * within `shutdownTimeoutMs`. The CLI's `serve` and `start` only turn flags
 * into these options.
 *
 * @module
 */
import { AnswerDoor } from "./answer_door.ts";
import {
  type ExecutionConfig,
  parseExecutionConfig,
  telemetryRetentionSettings,
} from "../execution/config.ts";
import type { TelemetryRetentionSettings } from "../execution/retention_settings.ts";
import { opsSettingsOf } from "../ops/ops_settings.ts";
import {
  resolveRetentionPolicy,
  type RetentionPolicy,
  retentionPolicyFromSettings,
} from "../ops/retention/policy.ts";
import { resolveLogRoot } from "../ops/root_guard.ts";
import { TelemetryMonitor } from "../ops/telemetry_monitor.ts";
import { tokenProblem } from "../web/auth.ts";
import type { FailureBudget } from "../web/failure_budget.ts";
import { RefusalLog } from "../web/refusal_log.ts";
import { createApp } from "./app.ts";
import { ensureIslandBundle } from "./assets.ts";
import { ConnectionGuard, type ConnectionStats } from "./connection_guard.ts";
import { fitConnections } from "./fd_limit.ts";
import { PrivateHttpServer } from "./private_http_server.ts";
import { AnswerDeadline } from "./request_deadline.ts";
import { isLiveStreamTarget } from "../routes/api/live/execution/[session]/stream.ts";
import { GUARD_HEADER } from "./request_head.ts";
import {
  MAX_RETENTION_INTERVAL_MS,
  MIN_RETENTION_INTERVAL_MS,
  type RetentionSchedule,
  startRetentionSchedule,
} from "./retention_schedule.ts";
import { startTelemetrySchedule } from "./telemetry_schedule.ts";
import { holdSummaryWorker } from "../live/summary_workers.ts";

/**
 * The limits of a dashboard server, every one with its default (the
 * connection limit's default depends on the open-file limit, see
 * `./fd_limit.ts`).
 *
 * @example
 * ```ts
 * import type { DashboardLimits } from "./dashboard_server.ts";
 * const limits: DashboardLimits = { maxConnections: 256, idleTimeoutMs: 10_000 };
 * ```
 */
export interface DashboardLimits {
  /**
   * Most client connections at once. One more evicts the connection idle the
   * longest; when none is idle it is answered `503 too_many_connections`.
   * A value the open-file limit cannot hold is lowered to what it can, with a
   * warning in {@linkcode DashboardServer.warnings} (see `./fd_limit.ts`).
   * @default {fitConnections().maxConnections} (from the open-file limit, 1 to 1024)
   */
  maxConnections?: number;
  /**
   * A connection with no request under way and no byte moving is closed after this long;
   * so is one whose client stops reading an answer.
   * @default {30000}
   */
  idleTimeoutMs?: number;
  /**
   * A request (head and body) must arrive whole within this long of its first byte
   * (else `408 request_timeout`).
   * @default {10000}
   */
  headerTimeoutMs?: number;
  /**
   * An answer must start within this long (else `503 request_timeout` with `Retry-After`).
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * Most live-follow streams at once (more answer `503 too_many_streams`).
   * @default {1024}
   */
  maxEventStreams?: number;
  /**
   * On shutdown, requests still under way after this long are cut off.
   * @default {3000}
   */
  shutdownTimeoutMs?: number;
  /**
   * Largest request head (else `431 header_too_large`).
   * @default {16384}
   */
  maxHeadBytes?: number;
  /**
   * Largest request body (else `413 body_too_large`; only the login form has one).
   * @default {65536}
   */
  maxBodyBytes?: number;
}

/**
 * The defaults of {@linkcode DashboardLimits} that do not depend on the system.
 *
 * @example
 * ```ts
 * import { DASHBOARD_LIMIT_DEFAULTS } from "./dashboard_server.ts";
 * console.log(DASHBOARD_LIMIT_DEFAULTS.idleTimeoutMs); // 30000
 * ```
 */
export const DASHBOARD_LIMIT_DEFAULTS: Readonly<Required<Omit<DashboardLimits, "maxConnections">>> =
  {
    idleTimeoutMs: 30_000,
    headerTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxEventStreams: 1024,
    shutdownTimeoutMs: 3_000,
    maxHeadBytes: 16_384,
    maxBodyBytes: 65_536,
  };

/**
 * Settings of a dashboard server.
 *
 * @example
 * ```ts
 * import type { DashboardServerOptions } from "./dashboard_server.ts";
 * const options: DashboardServerOptions = { port: 0, hostname: "127.0.0.1", logDir: "logs/execution" };
 * ```
 */
export interface DashboardServerOptions extends DashboardLimits {
  /**
   * TCP port; 0 picks a free one.
   * @default {8000}
   */
  port: number;
  /**
   * Interface to listen on.
   * @default {"127.0.0.1"}
   */
  hostname: string;
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  logDir: string;
  /** Bearer token (at least 16 characters); required on a non-loopback hostname. */
  token?: string;
  /** A separate bearer token for `/metrics` (the dashboard token works there too). */
  metricsToken?: string;
  /**
   * The config (health thresholds, alert rules, retention policy shown).
   * @default {the defaults}
   */
  config?: ExecutionConfig;
  /**
   * Between health snapshots (ms); `null` for none.
   * @default {null}
   */
  snapshotEveryMs?: number | null;
  /**
   * Between alert evaluations (ms); `null` for none.
   * @default {null}
   */
  alertsEveryMs?: number | null;
  /**
   * Between scheduled retention runs (ms, 1 minute to 7 days; the first runs
   * when the schedules start); `null` for none.
   * @default {null}
   */
  retentionEveryMs?: number | null;
  /**
   * The policy scheduled retention applies.
   * @default {the config's [execution.telemetry.retention], else the defaults}
   */
  retentionSettings?: TelemetryRetentionSettings;
  /**
   * The home directory scheduled retention refuses as a log root (`null`: no such check).
   * @default {the HOME environment variable}
   */
  home?: string | null;
  /**
   * Where the schedules log (console alert notifications included).
   * @default {console.log}
   */
  log?: (text: string) => void;
  /** Whether the schedule's console notifications are coloured. */
  color?: boolean;
  /**
   * Wrong tokens counted per client address (the guard tells the app each
   * request's address): past 5 free failures, `429` with `Retry-After`.
   * @default {new FailureBudget()}
   */
  authFailures?: FailureBudget;
  /**
   * Where refused requests and connections are logged, one line each.
   * @default {new RefusalLog()} (standard error, at most 20 lines a second)
   */
  refusals?: RefusalLog;
  /**
   * Let the connection guard answer repeated reads of cached API answers
   * itself (`server/answer_door.ts`): the same bytes, without the hop
   * through the HTTP server behind it. `false` forwards every request.
   * @default {true}
   */
  doorAnswers?: boolean;
  /**
   * Let the connection guard hand live-stream requests (SSE) to the app in
   * this process and write the stream to its client itself: no HTTP server
   * connection and copy loop in between (`ServedHere` in
   * `guarded_connection.ts`). `false` forwards them like any request.
   * @default {true}
   */
  guardWritesStreams?: boolean;
}

/**
 * A running dashboard server.
 *
 * @example
 * ```ts
 * import { startDashboardServer } from "./dashboard_server.ts";
 * const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs/execution" });
 * console.log(server.url, server.limits.maxConnections);
 * await server.shutdown();
 * ```
 */
export interface DashboardServer {
  /** Base URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The limits in force (defaults filled in). */
  limits: Readonly<Required<DashboardLimits>>;
  /**
   * What the operator should know about the limits: a connection limit
   * lowered to fit the open-file limit, or an open-file limit that allows
   * very few connections. Empty when all is well.
   */
  warnings: readonly string[];
  /**
   * End open event streams, stop accepting connections, let the requests
   * under way finish for at most `shutdownTimeoutMs`, then close everything.
   */
  shutdown(): Promise<void>;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
  /** What the connection guard has done so far. */
  connections(): ConnectionStats;
  /**
   * Start the health snapshot, alert and retention schedules of the options
   * (once; stopped at shutdown). Not started on listen: `start` writes its
   * demo session first.
   */
  startSchedules(): void;
}

/** Format a host for a URL (IPv6 in brackets). */
function urlHost(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

/** `value` when it is a positive integer; else a RangeError naming `name`. */
function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer (got ${value})`);
  }
  return value;
}

/**
 * The limits with defaults filled in, each checked, and the connection limit
 * fitted to the open-file limit (with a warning when lowered).
 */
function resolveLimits(
  options: DashboardLimits,
): { limits: Required<DashboardLimits>; warnings: string[] } {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as DashboardLimits;
  if (given.maxConnections !== undefined) positive("maxConnections", given.maxConnections);
  const fit = fitConnections(given.maxConnections);
  const limits = {
    ...DASHBOARD_LIMIT_DEFAULTS,
    ...given,
    maxConnections: fit.maxConnections,
  } as Required<DashboardLimits>;
  for (const key of Object.keys(DASHBOARD_LIMIT_DEFAULTS) as (keyof DashboardLimits)[]) {
    positive(key, limits[key]);
  }
  return { limits, warnings: fit.warning === null ? [] : [fit.warning] };
}

/**
 * Scheduled retention's settings, checked: the interval, the policy
 * (`RangeError`) and the log root (`UnsafeLogRootError`); `null` when off.
 */
function prepareRetention(
  options: DashboardServerOptions,
): { logDir: string; intervalMs: number; policy: RetentionPolicy; home: string | null } | null {
  const intervalMs = options.retentionEveryMs ?? null;
  if (intervalMs === null) return null;
  if (
    !Number.isSafeInteger(intervalMs) || intervalMs < MIN_RETENTION_INTERVAL_MS ||
    intervalMs > MAX_RETENTION_INTERVAL_MS
  ) {
    throw new RangeError(
      `retentionEveryMs must be between 1 minute and 7 days (got ${intervalMs})`,
    );
  }
  const policy = resolveRetentionPolicy(
    retentionPolicyFromSettings(
      options.retentionSettings ??
        telemetryRetentionSettings(options.config ?? parseExecutionConfig("")),
    ),
  );
  let home = options.home;
  if (home === undefined) {
    try {
      home = Deno.env.get("HOME") ?? null;
    } catch {
      home = null; // no --allow-env: the home check is skipped, the other checks still apply
    }
  }
  resolveLogRoot(options.logDir, { home, purpose: "run retention on" });
  return { logDir: options.logDir, intervalMs, policy, home };
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Build the island bundle if needed and start serving the dashboard behind
 * the connection guard.
 *
 * @throws {RangeError} when the token is shorter than 16 characters or not
 * printable ASCII, or a limit is not a positive integer.
 *
 * @example
 * ```ts
 * import { startDashboardServer } from "./dashboard_server.ts";
 * const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs/execution" });
 * const res = await fetch(new URL("/healthz", server.url));
 * await res.body?.cancel();
 * await server.shutdown();
 * ```
 */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  if (options.token !== undefined) {
    const problem = tokenProblem(options.token);
    if (problem !== null) throw new RangeError(`the dashboard token ${problem}`);
  }
  if (options.metricsToken !== undefined) {
    const problem = tokenProblem(options.metricsToken);
    if (problem !== null) throw new RangeError(`the metrics token ${problem}`);
  }
  const { limits, warnings } = resolveLimits({
    maxConnections: options.maxConnections,
    idleTimeoutMs: options.idleTimeoutMs,
    headerTimeoutMs: options.headerTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    maxEventStreams: options.maxEventStreams,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    maxHeadBytes: options.maxHeadBytes,
    maxBodyBytes: options.maxBodyBytes,
  });
  // Checked before listening, so a bad retention setting never leaves a server half started.
  const retention = prepareRetention(options);
  await ensureIslandBundle();
  const refusals = options.refusals ?? new RefusalLog();
  const closing = new AbortController();
  const config = options.config ?? parseExecutionConfig("");
  const settings = opsSettingsOf(config);
  if (options.retentionSettings !== undefined) {
    // The console shows the policy the schedule applies.
    settings.retention = { source: "config", ...options.retentionSettings };
  }
  const telemetry = new TelemetryMonitor(options.logDir, settings);
  let schedule: { stop(): Promise<void> } | null = null;
  let retentionSchedule: RetentionSchedule | null = null;
  const door = options.doorAnswers === false ? undefined : new AnswerDoor();
  const writeStreams = options.guardWritesStreams !== false;
  const app = createApp({
    door,
    logDir: options.logDir,
    token: options.token,
    metricsToken: options.metricsToken,
    telemetry,
    signal: closing.signal,
    maxEventStreams: limits.maxEventStreams,
    authFailures: options.authFailures,
    refusals,
  });

  // Bound before anything else starts, so a port in use fails fast with nothing to clean up.
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  let guard: ConnectionGuard | null = null;
  const deadline = new AnswerDeadline(limits.requestTimeoutMs);
  const handler = (req: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const from = guard?.identify(req.headers.get(GUARD_HEADER)) ?? null;
    let env: unknown = info;
    if (from !== null) {
      // The guard's client, in the shape Deno.serve gives Hono (`c.env.remoteAddr`).
      env = { remoteAddr: { transport: "tcp", hostname: from.client, port: 0 } };
      const done = (): void => guard?.responded(from.connection);
      info.completed.then(done, done);
    }
    const answer = Promise.resolve(app.fetch(req, env));
    if (from !== null) {
      // A live stream ends only when its client goes: the guard may then close it for room.
      answer.then((res) => {
        if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
          guard?.streaming(from.connection);
        }
      }, () => {});
    }
    return deadline.within(
      answer,
      () =>
        refusals.refused(
          `503 request_timeout from ${from?.client ?? "-"}: ${req.method} ` +
            `${new URL(req.url).pathname.slice(0, 200)} took over ${limits.requestTimeoutMs} ms`,
        ),
    );
  };
  let backend: PrivateHttpServer;
  try {
    backend = await PrivateHttpServer.start(handler, refusals);
  } catch (err) {
    listener.close();
    throw err;
  }
  guard = new ConnectionGuard(listener, {
    connectUpstream: () => backend.connect(),
    maxConnections: limits.maxConnections,
    limits: {
      idleTimeoutMs: limits.idleTimeoutMs,
      headerTimeoutMs: limits.headerTimeoutMs,
      maxHeadBytes: limits.maxHeadBytes,
      // hyper, behind the guard, answers more than 100 header lines itself; refuse them here.
      maxHeaders: 100,
      maxBodyBytes: limits.maxBodyBytes,
    },
    secret: crypto.randomUUID(),
    log: refusals,
    door,
    servedHere: writeStreams
      ? {
        takes: isLiveStreamTarget,
        answer: (req, client) =>
          // As `handler` answers a forwarded request: the client's address, the same deadline.
          deadline.within(
            Promise.resolve(app.fetch(req, {
              remoteAddr: { transport: "tcp", hostname: client, port: 0 },
            })),
            () =>
              refusals.refused(
                `503 request_timeout from ${client}: GET ${
                  new URL(req.url).pathname.slice(0, 200)
                } took over ${limits.requestTimeoutMs} ms`,
              ),
          ),
      }
      : undefined,
  });
  const activeGuard = guard;
  // Sessions opened on the dashboard are summarised cold one after another: keep the split
  // reads' worker warm while serving (see live/summary_workers.ts).
  const warmReader = holdSummaryWorker();

  const { promise: finished, resolve: stopped } = Promise.withResolvers<void>();
  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      closing.abort(); // event streams end first, so their connections can finish
      // The schedules stop their timers at once; a snapshot or alert run under way (a file
      // read that hangs) must not hold the shutdown past its bound.
      const schedulesStopped = Promise.all([schedule?.stop(), retentionSchedule?.stop()]);
      activeGuard.stopAccepting();
      activeGuard.closeIdle();
      const grace = delay(limits.shutdownTimeoutMs);
      const graceful = await Promise.race([
        Promise.all([backend.shutdown(), schedulesStopped]).then(() => true, () => true)
          // The server's last answers may still be on their way to slow clients through the
          // guard (and the guard's own answers and streams): let them arrive whole.
          .then(() => activeGuard.whenAnswered()).then(() => true),
        grace.promise.then(() => false),
      ]);
      // Every answer is written and its connection has sent its end: give the clients the rest
      // of the time limit to read to it and close (closing first could reset a connection with
      // a request unread, and the kernel would drop the answer's end).
      if (graceful) await Promise.race([activeGuard.whenClosed(), grace.promise]);
      grace.cancel();
      activeGuard.closeAll();
      if (!graceful) {
        refusals.refused(
          `shutdown: requests still under way after ${limits.shutdownTimeoutMs} ms were cut off`,
        );
      }
      deadline.close();
      await backend.close();
      warmReader.release();
      stopped();
    })();
    return stopping;
  };
  // The listener fails for good only when something else closed it: stop cleanly then.
  void activeGuard.accepting.then(() => {
    if (stopping === null) void shutdown();
  });

  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://${urlHost(options.hostname)}:${port}/`,
    port,
    limits,
    warnings,
    shutdown,
    finished,
    connections: () => activeGuard.stats(),
    startSchedules() {
      const log = options.log ?? ((text) => console.log(text.replace(/\n$/, "")));
      schedule ??= startTelemetrySchedule(telemetry, {
        snapshotEveryMs: options.snapshotEveryMs ?? null,
        alertsEveryMs: options.alertsEveryMs ?? null,
        log,
        color: options.color ?? false,
      });
      if (retention !== null && stopping === null) {
        retentionSchedule ??= startRetentionSchedule({
          ...retention,
          log: (line) => log(`${line}\n`),
        });
      }
    },
  };
}
