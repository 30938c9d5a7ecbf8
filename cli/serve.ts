/**
 * `peak-trade serve`: the dashboard over a log directory, until SIGINT or
 * SIGTERM; also how `start` serves its demo session.
 *
 * @module
 */
import { readableLogDir, UsageError, usageFailure } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import {
  ConfigError,
  type ExecutionConfig,
  loadExecutionConfig,
  parseExecutionConfig,
} from "../execution/config.ts";
import { formatDuration, parseDuration } from "../execution/duration.ts";
import { opsSettingsOf } from "../ops/ops_settings.ts";
import { TelemetryMonitor } from "../ops/telemetry_monitor.ts";
import { startTelemetrySchedule } from "../server/telemetry_schedule.ts";
import { createApp } from "../server/app.ts";
import { ensureIslandBundle } from "../server/assets.ts";
import { isLoopbackHost } from "../web/host_check.ts";
import { tokenProblem } from "../web/auth.ts";

/**
 * Settings of a dashboard server.
 *
 * @example
 * ```ts
 * import type { DashboardServerOptions } from "./serve.ts";
 * const options: DashboardServerOptions = { port: 0, hostname: "127.0.0.1", logDir: "logs/execution" };
 * ```
 */
export interface DashboardServerOptions {
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
  /** Bearer token; required on a non-loopback hostname. */
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
   * Where the schedule logs (console alert notifications included).
   * @default {console.log}
   */
  log?: (text: string) => void;
  /** Whether the schedule's console notifications are coloured. */
  color?: boolean;
}

/**
 * A running dashboard server.
 *
 * @example
 * ```ts
 * import { startDashboardServer } from "./serve.ts";
 * const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs/execution" });
 * console.log(server.url);
 * await server.shutdown();
 * ```
 */
export interface DashboardServer {
  /** Base URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** End open event streams, stop accepting connections and wait for the rest to finish. */
  shutdown(): Promise<void>;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
  /** Start the health snapshot and alert schedules of the options (once; stopped at shutdown). */
  startSchedules(): void;
}

const USAGE = `Usage: peak-trade serve [options]

Serve the execution dashboard over a log directory.

Options:
  --port N          TCP port (default 8000; 0 picks a free port)
  --hostname H      interface to listen on (default 127.0.0.1)
  --log-dir DIR     log root holding <session>.jsonl files (default ${DEFAULT_LOG_DIR})
  --token T         require "Authorization: Bearer T" (or a login) on every route;
                    default: the PEAK_DASHBOARD_TOKEN environment variable.
                    Required when --hostname is not a loopback address.
  --metrics-token T a separate bearer token for /metrics, for Prometheus (the
                    --token works there too); default: PEAK_METRICS_TOKEN.
                    Without either, /metrics follows --token.
  --config FILE     health thresholds, alert rules and sinks, retention policy
                    ([execution.telemetry.health], [execution.alerts], …)
  --snapshot-interval D
                    take a health snapshot every D (e.g. 5m) for the trends,
                    written to <log-dir>/.health/; "off" for none
                    (default: snapshot_every of the config, 5m)
  --alerts-interval D
                    evaluate the alert rules every D and deliver; "off" for
                    none (default: evaluate_every of the config, 30s, when
                    --config is given and alerts are enabled there; else off)
  -h, --help        show this help
`;

/** Format a host for a URL (IPv6 in brackets). */
function urlHost(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

/** The schedule flags as given (`off`, a duration), applied once the config is read. */
interface ScheduleFlags {
  snapshot?: string;
  alerts?: string;
  config?: string;
}

/** The server's settings from `serve`/`start` arguments, or `null` for `--help`. */
function parseServeArgs(
  args: string[],
  io: CliIo,
): { options: DashboardServerOptions; schedule: ScheduleFlags } | null {
  const options: DashboardServerOptions = {
    port: 8000,
    hostname: "127.0.0.1",
    logDir: DEFAULT_LOG_DIR,
  };
  let token: string | undefined = io.env("PEAK_DASHBOARD_TOKEN") || undefined;
  let metricsToken: string | undefined = io.env("PEAK_METRICS_TOKEN") || undefined;
  const schedule: ScheduleFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return null;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const known = [
      "--port",
      "--hostname",
      "--log-dir",
      "--token",
      "--metrics-token",
      "--config",
      "--snapshot-interval",
      "--alerts-interval",
    ];
    if (!known.includes(name)) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
    let value: string;
    if (eq !== -1 && arg.startsWith("--")) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else throw new UsageError(`${name} needs a value`);
    switch (name) {
      case "--port": {
        const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
        if (!(port >= 0 && port <= 65535)) {
          throw new UsageError(
            `--port must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`,
          );
        }
        options.port = port;
        break;
      }
      case "--hostname":
        if (value.trim() === "") throw new UsageError("--hostname must not be empty");
        options.hostname = value.trim();
        break;
      case "--log-dir":
        if (value === "") throw new UsageError("--log-dir must not be empty");
        options.logDir = value;
        break;
      case "--token":
        if (value === "") throw new UsageError("--token must not be empty");
        token = value;
        break;
      case "--metrics-token":
        if (value === "") throw new UsageError("--metrics-token must not be empty");
        metricsToken = value;
        break;
      case "--config":
        if (value === "") throw new UsageError("--config must not be empty");
        schedule.config = value;
        break;
      case "--snapshot-interval":
      case "--alerts-interval": {
        const problem = intervalProblem(value);
        if (problem !== null) throw new UsageError(`${name}: ${problem}`);
        if (name === "--snapshot-interval") schedule.snapshot = value;
        else schedule.alerts = value;
        break;
      }
    }
  }
  if (token !== undefined) {
    const problem = tokenProblem(token);
    if (problem !== null) {
      const source = args.some((arg) => arg === "--token" || arg.startsWith("--token="))
        ? "--token"
        : "PEAK_DASHBOARD_TOKEN";
      throw new UsageError(`${source}: ${problem}`);
    }
    options.token = token;
  }
  if (metricsToken !== undefined) {
    const problem = tokenProblem(metricsToken);
    if (problem !== null) {
      const given = args.some((arg) =>
        arg === "--metrics-token" || arg.startsWith("--metrics-token=")
      );
      throw new UsageError(`${given ? "--metrics-token" : "PEAK_METRICS_TOKEN"}: ${problem}`);
    }
    options.metricsToken = metricsToken;
  }
  if (!isLoopbackHost(options.hostname) && options.token === undefined) {
    throw new UsageError(
      `refusing to serve on ${options.hostname} without a token: anyone who can reach ` +
        `it could read the execution logs. Pass --token <secret> (or set ` +
        `PEAK_DASHBOARD_TOKEN), or use --hostname 127.0.0.1`,
    );
  }
  return { options, schedule };
}

/** What is wrong with a schedule flag's value (`off`, `0` or a duration of at least 1 s). */
function intervalProblem(value: string): string | null {
  if (value === "off" || value === "0") return null;
  try {
    return parseDuration(value) >= 1000 ? null : "must be at least 1s (or off)";
  } catch (err) {
    return `${(err as Error).message}, or off`;
  }
}

/** A schedule flag's interval in ms, `null` for off, or the default when not given. */
function intervalOf(value: string | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  return value === "off" || value === "0" ? null : parseDuration(value);
}

/**
 * Build the island bundle if needed and start serving the dashboard.
 *
 * @example
 * ```ts
 * import { startDashboardServer } from "./serve.ts";
 * const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: "logs/execution" });
 * const res = await fetch(new URL("/healthz", server.url));
 * await res.body?.cancel();
 * await server.shutdown();
 * ```
 */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  await ensureIslandBundle();
  const closing = new AbortController();
  const telemetry = new TelemetryMonitor(
    options.logDir,
    opsSettingsOf(options.config ?? parseExecutionConfig("")),
  );
  const app = createApp({
    logDir: options.logDir,
    token: options.token,
    metricsToken: options.metricsToken,
    signal: closing.signal,
    telemetry,
  });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await listening;
  let schedule: { stop(): Promise<void> } | null = null;
  return {
    url: `http://${urlHost(options.hostname)}:${addr.port}/`,
    port: addr.port,
    async shutdown() {
      closing.abort();
      await schedule?.stop();
      await server.shutdown();
    },
    finished: server.finished,
    startSchedules() {
      // Started on request, not on listen: `start` writes its demo session first.
      schedule ??= startTelemetrySchedule(telemetry, {
        snapshotEveryMs: options.snapshotEveryMs ?? null,
        alertsEveryMs: options.alertsEveryMs ?? null,
        log: options.log ?? ((text) => console.log(text.replace(/\n$/, ""))),
        color: options.color ?? false,
      });
    },
  };
}

/**
 * Options of {@linkcode runServeCommand} beyond its arguments (for tests and
 * embedding).
 *
 * @example
 * ```ts
 * import type { ServeRunOptions } from "./serve.ts";
 * const options: ServeRunOptions = { signal: AbortSignal.timeout(1000) };
 * ```
 */
export interface ServeRunOptions {
  /** Stops the server when aborted (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Called with the server once it listens. */
  onListen?: (server: DashboardServer) => void;
}

/**
 * The options of `serve` or `start` (they take the same flags), with the
 * config read and the schedules decided, or the exit code once `--help`, a
 * bad flag or a bad config was answered.
 */
export async function parseDashboardCommand(
  command: string,
  usage: string,
  args: string[],
  io: CliIo,
): Promise<DashboardServerOptions | number> {
  let parsed: ReturnType<typeof parseServeArgs>;
  try {
    parsed = parseServeArgs(args, io);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, command, err);
    throw err;
  }
  if (parsed === null) {
    io.out(usage);
    return EXIT.OK;
  }
  const { config: configPath, snapshot, alerts } = parsed.schedule;
  let config: ExecutionConfig;
  try {
    config = configPath === undefined
      ? parseExecutionConfig("")
      : await loadExecutionConfig(configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) io.err(`peak-trade ${command}: ${problem}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  const settings = opsSettingsOf(config);
  const alertsDefault = configPath !== undefined && settings.alerts.enabled
    ? settings.alerts.evaluate_every
    : null;
  return {
    ...parsed.options,
    config,
    snapshotEveryMs: intervalOf(
      snapshot,
      settings.health.snapshot_every === 0 ? null : settings.health.snapshot_every,
    ),
    alertsEveryMs: settings.alerts.enabled ? intervalOf(alerts, alertsDefault) : null,
    log: (text) => io.out(text),
    color: io.color,
  };
}

/** Start the dashboard server, or report (exit 2) why it cannot listen. */
export async function listenOrExplain(
  command: string,
  options: DashboardServerOptions,
  io: CliIo,
): Promise<DashboardServer | number> {
  try {
    return await startDashboardServer(options);
  } catch (err) {
    io.err(`peak-trade ${command}: ${listenFailure(options, err)}\n`);
    return EXIT.USAGE;
  }
}

/**
 * Announce a listening server (its URL with `pagePath`, the log root, how to
 * stop it) and serve until SIGINT, SIGTERM or `run.signal`; returns 0.
 */
export async function serveUntilStopped(
  server: DashboardServer,
  options: DashboardServerOptions,
  io: CliIo,
  run: ServeRunOptions,
  pagePath: string,
): Promise<number> {
  io.out(`Dashboard: ${new URL(pagePath, server.url)}\n`);
  if (["0.0.0.0", "::", "[::]"].includes(options.hostname)) {
    io.out(
      `Listening on every interface: from other machines use this host's name or address ` +
        `instead of ${options.hostname}.\n`,
    );
  }
  io.out(`Log root: ${options.logDir}${await logRootNote(options.logDir)}\n`);
  if (options.token !== undefined) io.out("Token required: send it as a bearer token or log in.\n");
  io.out(
    `Telemetry: health snapshots ${
      options.snapshotEveryMs ? `every ${formatDuration(options.snapshotEveryMs)}` : "off"
    }; alert rules ${
      options.alertsEveryMs
        ? `evaluated every ${formatDuration(options.alertsEveryMs)}`
        : "not evaluated"
    } (console at ${new URL("/live/telemetry", server.url)}).\n`,
  );
  io.out("Press Ctrl-C to stop.\n");
  server.startSchedules();
  run.onListen?.(server);

  const stop = (): void => void server.shutdown();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  run.signal?.addEventListener("abort", stop, { once: true });
  if (run.signal?.aborted) stop();
  try {
    await server.finished;
  } finally {
    for (const sig of signals) Deno.removeSignalListener(sig, stop);
    run.signal?.removeEventListener("abort", stop);
  }
  io.out("Dashboard stopped.\n");
  return EXIT.OK;
}

/** Why the server could not start, with the address and what to change. */
function listenFailure(options: DashboardServerOptions, err: unknown): string {
  const address = `${urlHost(options.hostname)}:${options.port}`;
  if (err instanceof Deno.errors.AddrInUse) {
    return `cannot listen on ${address}: the port is in use (another dashboard?); ` +
      "pick another with --port N, or --port 0 for a free one";
  }
  if (err instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${address}: ${options.hostname} is not an address of this ` +
      "machine; pass one of its addresses with --hostname (default 127.0.0.1)";
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return `cannot listen on ${address}: permission denied (ports below 1024 need privileges; ` +
      "use --port 8000 or another port above 1023)";
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/lookup|resolve|name/i.test(message) && !/^\d/.test(options.hostname)) {
    return `cannot listen on ${address}: ${message} (is --hostname ${options.hostname} spelt right?)`;
  }
  return `cannot start the dashboard on ${address}: ${message}`;
}

/** A note after the log root when it does not exist yet, so the empty index is explained. */
async function logRootNote(logDir: string): Promise<string> {
  try {
    await Deno.stat(logDir);
    return "";
  } catch (err) {
    return err instanceof Deno.errors.NotFound
      ? " (does not exist yet: the index is empty until a session is written there)"
      : "";
  }
}

/**
 * `peak-trade serve`: serve the dashboard until SIGINT or SIGTERM. Exit 2
 * on bad flags, a non-loopback hostname without a token, a log directory
 * that exists but is not a directory, or a port that cannot be listened on.
 *
 * @example
 * ```ts
 * import { runServeCommand } from "./serve.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runServeCommand(["--port", "nope"], memoryIo());
 * console.log(code); // 2
 * ```
 */
export async function runServeCommand(
  args: string[],
  io: CliIo,
  run: ServeRunOptions = {},
): Promise<number> {
  const options = await parseDashboardCommand("serve", USAGE, args, io);
  if (typeof options === "number") return options;
  if ((await readableLogDir(io, "serve", options.logDir)) === null) return EXIT.USAGE;
  const server = await listenOrExplain("serve", options, io);
  if (typeof server === "number") return server;
  return await serveUntilStopped(server, options, io, run, "/");
}
