/**
 * `serve` and `start`: run the dashboard over a log directory, and run the
 * dry-run demo into a fresh session before serving it.
 *
 * @module
 */
import { checkWritableLogDir, type CliIo, EXIT } from "./io.ts";
import { runDemoScenario } from "./dry_run.ts";
import { createApp } from "../server/app.ts";
import { ensureIslandBundle } from "../server/assets.ts";
import { isLoopbackHost } from "../web/host_check.ts";
import { tokenProblem } from "../web/auth.ts";
import {
  type DashboardRetentionOptions,
  parseRetentionInterval,
  prepareRetentionSchedule,
} from "../server/retention_schedule.ts";

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
  /**
   * Run retention on the log root on a schedule (see `server/retention_schedule.ts`).
   * @default {undefined} (off)
   */
  retention?: DashboardRetentionOptions;
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
}

const USAGE = `Usage: peak-trade serve [options]

Serve the execution dashboard over a log directory.

Options:
  --port N          TCP port (default 8000; 0 picks a free port)
  --hostname H      interface to listen on (default 127.0.0.1)
  --log-dir DIR     log root holding <session>.jsonl files (default logs/execution)
  --token T         require "Authorization: Bearer T" (or a login) on every route;
                    default: the PEAK_DASHBOARD_TOKEN environment variable.
                    Required when --hostname is not a loopback address.
  --retention-interval D
                    run retention on the log root at start and then every D
                    (30m, 1h, 1d; 1 minute to 7 days; default: off); each run is logged
  --retention-config FILE
                    take the retention policy from [execution.telemetry.retention]
                    of this TOML file (default: the default policy)
  -h, --help        show this help
`;

const START_USAGE = `Usage: peak-trade start [options]

Run the dry-run demo scenario into a fresh session, then serve the dashboard
and print the URL of that session's timeline.

Options: the same as \`peak-trade serve\` (--port, --hostname, --log-dir, --token,
--retention-interval, --retention-config).
`;

/** The flags of `serve` and `start`; each takes a value. */
const SERVE_FLAGS = [
  "--port",
  "--hostname",
  "--log-dir",
  "--token",
  "--retention-interval",
  "--retention-config",
];

/** Format a host for a URL (IPv6 in brackets). */
function urlHost(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

type Parsed = { ok: true; options: DashboardServerOptions; help: boolean } | {
  ok: false;
  message: string;
};

function parseServeArgs(args: string[], io: CliIo): Parsed {
  const options: DashboardServerOptions = {
    port: 8000,
    hostname: "127.0.0.1",
    logDir: "logs/execution",
  };
  let token: string | undefined = io.env("PEAK_DASHBOARD_TOKEN") || undefined;
  const retention: { intervalMs?: number; configPath?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return { ok: true, options, help: true };
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    if (!SERVE_FLAGS.includes(name)) {
      return { ok: false, message: `unknown option ${JSON.stringify(arg)}` };
    }
    let value: string;
    if (eq !== -1 && arg.startsWith("--")) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else return { ok: false, message: `${name} needs a value` };
    switch (name) {
      case "--port": {
        const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
        if (!(port >= 0 && port <= 65535)) {
          return {
            ok: false,
            message: `--port must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`,
          };
        }
        options.port = port;
        break;
      }
      case "--hostname":
        if (value.trim() === "") return { ok: false, message: "--hostname must not be empty" };
        options.hostname = value.trim();
        break;
      case "--log-dir":
        if (value === "") return { ok: false, message: "--log-dir must not be empty" };
        options.logDir = value;
        break;
      case "--token":
        if (value === "") return { ok: false, message: "--token must not be empty" };
        token = value;
        break;
      case "--retention-interval": {
        const ms = parseRetentionInterval(value);
        if (ms === null) {
          return {
            ok: false,
            message: `--retention-interval must be a duration from 1m to 7d such as 30m, 1h ` +
              `or 1d (got ${JSON.stringify(value)})`,
          };
        }
        retention.intervalMs = ms;
        break;
      }
      case "--retention-config":
        if (value === "") return { ok: false, message: "--retention-config must not be empty" };
        retention.configPath = value;
        break;
    }
  }
  if (retention.configPath !== undefined && retention.intervalMs === undefined) {
    return { ok: false, message: "--retention-config needs --retention-interval" };
  }
  if (retention.intervalMs !== undefined) {
    options.retention = {
      intervalMs: retention.intervalMs,
      configPath: retention.configPath,
      home: io.env("HOME") ?? null,
      log: (line) => io.out(`${line}\n`),
    };
  }
  if (token !== undefined) {
    const problem = tokenProblem(token);
    if (problem !== null) {
      const source = args.some((arg) => arg === "--token" || arg.startsWith("--token="))
        ? "--token"
        : "PEAK_DASHBOARD_TOKEN";
      return { ok: false, message: `${source}: ${problem}` };
    }
    options.token = token;
  }
  if (!isLoopbackHost(options.hostname) && options.token === undefined) {
    return {
      ok: false,
      message: `refusing to serve on ${options.hostname} without a token: anyone who can reach ` +
        `it could read the execution logs. Pass --token <secret> (or set ` +
        `PEAK_DASHBOARD_TOKEN), or use --hostname 127.0.0.1`,
    };
  }
  return { ok: true, options, help: false };
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
  // Prepared before listening, so a bad retention setting never leaves a server half started.
  const startRetention = options.retention === undefined
    ? null
    : await prepareRetentionSchedule(options.logDir, options.retention);
  await ensureIslandBundle();
  const closing = new AbortController();
  const app = createApp({ logDir: options.logDir, token: options.token, signal: closing.signal });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await listening;
  const schedule = startRetention?.() ?? null;
  return {
    url: `http://${urlHost(options.hostname)}:${addr.port}/`,
    port: addr.port,
    async shutdown() {
      closing.abort();
      await schedule?.stop();
      await server.shutdown();
    },
    finished: server.finished.then(() => schedule?.stop()),
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

/** The options of `serve` or `start`, or the exit code once `--help` or a bad flag is answered. */
function parseCommand(
  command: string,
  usage: string,
  args: string[],
  io: CliIo,
): DashboardServerOptions | number {
  const parsed = parseServeArgs(args, io);
  if (!parsed.ok) {
    // One line that says what to fix, as the other commands do; the help is one flag away.
    io.err(
      `peak-trade ${command}: ${parsed.message}\nRun \`peak-trade ${command} --help\` for usage.\n`,
    );
    return EXIT.USAGE;
  }
  if (parsed.help) {
    io.out(usage);
    return EXIT.OK;
  }
  return parsed.options;
}

async function serveUntilStopped(
  command: string,
  options: DashboardServerOptions,
  io: CliIo,
  run: ServeRunOptions,
  pagePath: string,
): Promise<number> {
  let server: DashboardServer;
  try {
    server = await startDashboardServer(options);
  } catch (err) {
    io.err(`peak-trade ${command}: ${listenFailure(options, err)}\n`);
    return EXIT.USAGE;
  }
  io.out(`Dashboard: ${new URL(pagePath, server.url)}\n`);
  if (["0.0.0.0", "::", "[::]"].includes(options.hostname)) {
    io.out(
      `Listening on every interface: from other machines use this host's name or address ` +
        `instead of ${options.hostname}.\n`,
    );
  }
  io.out(`Log root: ${options.logDir}${await logRootNote(options.logDir)}\n`);
  if (options.token !== undefined) io.out("Token required: send it as a bearer token or log in.\n");
  io.out("Press Ctrl-C to stop.\n");
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

/** A note after the log root when it is missing or not a directory, so the empty index is explained. */
async function logRootNote(logDir: string): Promise<string> {
  try {
    const info = await Deno.stat(logDir);
    return info.isDirectory ? "" : " (warning: not a directory; no session can be shown)";
  } catch (err) {
    return err instanceof Deno.errors.NotFound
      ? " (does not exist yet: the index is empty until a session is written there)"
      : ` (warning: cannot read it: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * `peak-trade serve`: serve the dashboard until SIGINT or SIGTERM. Exit 2
 * on bad flags, or on a non-loopback hostname without a token.
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
  const options = parseCommand("serve", USAGE, args, io);
  if (typeof options === "number") return options;
  return await serveUntilStopped("serve", options, io, run, "/");
}

/**
 * `peak-trade start`: run the dry-run demo into a fresh session, then serve
 * the dashboard and print that session's URL.
 *
 * @example
 * ```ts
 * import { runStartCommand } from "./serve.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runStartCommand(["--help"], memoryIo());
 * console.log(code); // 0
 * ```
 */
export async function runStartCommand(
  args: string[],
  io: CliIo,
  run: ServeRunOptions = {},
): Promise<number> {
  const options = parseCommand("start", START_USAGE, args, io);
  if (typeof options === "number") return options;
  const problem = await checkWritableLogDir(options.logDir);
  if (problem !== null) {
    io.err(
      `peak-trade start: cannot write the demo session: ${problem}; ` +
        "pass a writable directory with --log-dir\n",
    );
    return EXIT.USAGE;
  }
  const { sessionId } = await runDemoScenario({ logDir: options.logDir, io, quiet: true });
  io.out(`Demo session ${sessionId} written to ${options.logDir}.\n`);
  return await serveUntilStopped(
    "start",
    options,
    io,
    run,
    `/live/execution/${encodeURIComponent(sessionId)}`,
  );
}
