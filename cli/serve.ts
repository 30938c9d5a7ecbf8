/**
 * `peak-trade serve`: the dashboard over a log directory, until SIGINT or
 * SIGTERM; also how `start` serves its demo session.
 *
 * @module
 */
import { readableLogDir, UsageError, usageFailure } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { telemetryRetentionSettings } from "../execution/config.ts";
import { readConfigFlag } from "./config_flag.ts";
import type { TelemetryRetentionSettings } from "../execution/retention_settings.ts";
import { formatDuration, parseDuration } from "../execution/duration.ts";
import {
  DASHBOARD_LIMIT_DEFAULTS,
  type DashboardLimits,
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from "../server/dashboard_server.ts";
import { parseRetentionInterval } from "../server/retention_schedule.ts";
import { armShutdownWatchdog } from "../server/shutdown_watchdog.ts";
import { opsSettingsOf } from "../ops/ops_settings.ts";
import { isLoopbackHost } from "../web/host_check.ts";
import { tokenProblem } from "../web/auth.ts";

// The server lives in server/; these names stay importable from here for existing callers.
export { type DashboardServer, type DashboardServerOptions, startDashboardServer };

// ---------------------------------------------------------------------------------------------
// Limit flags of `serve` and `start`: each sets one option of startDashboardServer (its limits
// and defaults live in server/dashboard_server.ts; docs/operations.md, "Limits", lists them).
// ---------------------------------------------------------------------------------------------

/** A limit flag: the option it sets, and whether its value is a count or seconds. */
interface LimitFlag {
  option: keyof DashboardLimits;
  unit: "count" | "seconds";
}

const LIMIT_FLAGS: Readonly<Record<string, LimitFlag>> = {
  "--max-connections": { option: "maxConnections", unit: "count" },
  "--max-streams": { option: "maxEventStreams", unit: "count" },
  "--idle-timeout": { option: "idleTimeoutMs", unit: "seconds" },
  "--header-timeout": { option: "headerTimeoutMs", unit: "seconds" },
  "--request-timeout": { option: "requestTimeoutMs", unit: "seconds" },
  "--shutdown-timeout": { option: "shutdownTimeoutMs", unit: "seconds" },
};

const seconds = (ms: number): number => ms / 1000;
const D = DASHBOARD_LIMIT_DEFAULTS;
const [idleS, headerS, requestS, shutdownS] = [
  D.idleTimeoutMs,
  D.headerTimeoutMs,
  D.requestTimeoutMs,
  D.shutdownTimeoutMs,
].map(seconds);
const LIMIT_USAGE = [
  "",
  `Limits (what a client sees at each: docs/operations.md, "Limits"):`,
  "  --max-connections N   client connections at once; one more closes the longest idle one,",
  "                        or gets 503 (default: from the open-file limit, at most 1024;",
  "                        a value above what that limit allows is lowered to it)",
  `  --max-streams N       live-follow streams at once (default ${D.maxEventStreams})`,
  `  --idle-timeout S      close a connection idle for S seconds (default ${idleS})`,
  `  --header-timeout S    a request must arrive whole within S seconds (default ${headerS})`,
  `  --request-timeout S   answer 503 when an answer takes over S seconds (default ${requestS})`,
  `  --shutdown-timeout S  cut off requests S seconds after Ctrl-C or SIGTERM (default ${shutdownS})`,
  "",
].join("\n");

function isLimitFlag(name: string): boolean {
  return Object.hasOwn(LIMIT_FLAGS, name);
}

/** Set the option of limit flag `name` from `value`, or throw a UsageError saying what to fix. */
function parseLimitFlag(name: string, value: string, options: DashboardLimits): void {
  const flag = LIMIT_FLAGS[name];
  if (flag.unit === "count") {
    const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1)) {
      throw new UsageError(
        `${name} must be a whole number from 1 to 9999999 (got ${JSON.stringify(value)})`,
      );
    }
    options[flag.option] = n;
    return;
  }
  const s = /^\d{1,6}(\.\d{1,3})?s?$/.test(value) ? Number.parseFloat(value) : NaN;
  if (!(s > 0 && s <= 86_400)) {
    throw new UsageError(
      `${name} must be seconds, more than 0 and at most 86400, e.g. 30 or 0.5 ` +
        `(got ${JSON.stringify(value)})`,
    );
  }
  options[flag.option] = Math.max(1, Math.round(s * 1000));
}

// ---------------------------------------------------------------------------------------------
const USAGE = `Usage: peak-trade serve [options]

Serve the execution dashboard over a log directory.

Options:
  --port N          TCP port (default 8000; 0 picks a free port)
  --hostname H      interface to listen on (default 127.0.0.1)
  --log-dir DIR     log root holding <session>.jsonl files (default ${DEFAULT_LOG_DIR})
  --token T         require "Authorization: Bearer T" (or a login) on every route;
                    default: the PEAK_DASHBOARD_TOKEN environment variable.
                    Required when --hostname is not a loopback address; at least
                    16 characters (\`openssl rand -hex 32\` makes a good one).
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
  --retention-interval D
                    run retention on the log root when the dashboard starts and
                    then every D (30m, 1h, 1d; 1 minute to 7 days); each run is
                    logged; "off" for none (default: off)
  --retention-config FILE
                    the retention policy from [execution.telemetry.retention]
                    of FILE (default: that table of --config, else the
                    defaults); needs --retention-interval
  -h, --help        show this help
${LIMIT_USAGE}`;

/** Format a host for a URL (IPv6 in brackets). */
function urlHost(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

/** The schedule flags as given (`off`, a duration), applied once the config is read. */
interface ScheduleFlags {
  snapshot?: string;
  alerts?: string;
  config?: string;
  retention?: string;
  retentionConfig?: string;
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
      "--retention-interval",
      "--retention-config",
    ];
    if (!known.includes(name) && !isLimitFlag(name)) {
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
      case "--retention-interval":
        if (value !== "off" && value !== "0" && parseRetentionInterval(value) === null) {
          throw new UsageError(
            `--retention-interval must be a duration from 1m to 7d such as 30m, 1h or 1d, ` +
              `or off (got ${JSON.stringify(value)})`,
          );
        }
        schedule.retention = value;
        break;
      case "--retention-config":
        if (value === "") throw new UsageError("--retention-config must not be empty");
        schedule.retentionConfig = value;
        break;
      default:
        parseLimitFlag(name, value, options);
    }
  }
  if (schedule.retentionConfig !== undefined && intervalOf(schedule.retention, null) === null) {
    throw new UsageError("--retention-config needs --retention-interval");
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
  const { config: configPath, snapshot, alerts, retention, retentionConfig } = parsed.schedule;
  const config = await readConfigFlag(io, command, configPath);
  if (typeof config === "number") return config;
  let retentionSettings: TelemetryRetentionSettings | undefined;
  if (retentionConfig !== undefined) {
    const retentionFile = await readConfigFlag(io, command, retentionConfig);
    if (typeof retentionFile === "number") return retentionFile;
    retentionSettings = telemetryRetentionSettings(retentionFile);
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
    retentionEveryMs: intervalOf(retention, null),
    retentionSettings,
    home: io.env("HOME") ?? null,
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
  let server: DashboardServer;
  try {
    server = await startDashboardServer(options);
  } catch (err) {
    io.err(`peak-trade ${command}: ${listenFailure(options, err)}\n`);
    return EXIT.USAGE;
  }
  for (const warning of server.warnings) io.err(`peak-trade ${command}: warning: ${warning}\n`);
  return server;
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
  const { limits } = server;
  io.out(
    `Limits: ${limits.maxConnections} connections (idle ${seconds(limits.idleTimeoutMs)} s, ` +
      `header ${seconds(limits.headerTimeoutMs)} s), ${limits.maxEventStreams} live streams, ` +
      `answers within ${seconds(limits.requestTimeoutMs)} s.\n`,
  );
  io.out(
    `Telemetry: health snapshots ${
      options.snapshotEveryMs ? `every ${formatDuration(options.snapshotEveryMs)}` : "off"
    }; alert rules ${
      options.alertsEveryMs
        ? `evaluated every ${formatDuration(options.alertsEveryMs)}`
        : "not evaluated"
    } (console at ${new URL("/live/telemetry", server.url)}); retention ${
      options.retentionEveryMs ? `every ${formatDuration(options.retentionEveryMs)}` : "off"
    }.\n`,
  );
  io.out("Press Ctrl-C to stop.\n");
  server.startSchedules();
  run.onListen?.(server);

  const stop = (): void => void server.shutdown();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  run.signal?.addEventListener("abort", stop, { once: true });
  if (run.signal?.aborted) stop();
  // Should the main thread ever be stuck in a synchronous call, a worker still ends the process
  // a second after the shutdown bound.
  const watchdog = await armShutdownWatchdog(server.limits.shutdownTimeoutMs + 1000);
  try {
    await server.finished;
  } finally {
    watchdog?.disarm();
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
