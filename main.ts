/**
 * The `peak-trade` command line: `dry-run`, `serve`, `start`, `timeline`,
 * `summary`, `sessions`, `health`, `alerts`, `retention`, and the fleet's
 * `ship` and `collect`. Each command is imported when it runs, so that
 * `timeline` loads neither the dashboard (Hono, Preact) nor the config
 * schemas (zod), and only `ship` and `collect` load the NATS client. Also
 * the `deno compile` target: the command modules are named by specifiers
 * built at run time (see `loadCommand`), and `deno task compile` includes
 * `cli/` so that the binary still holds every command.
 *
 * @module
 */
import { type CliIo, EXIT, processIo } from "./cli/io.ts";
import { commandHint } from "./cli/arguments.ts";
import denoConfig from "./deno.json" with { type: "json" };

/** What a subcommand module provides: run it with its arguments, get the exit code. */
type CommandRunner = (args: string[], io: CliIo) => Promise<number>;

/** A subcommand: a one-line description, and the module and export that run it. */
interface Command {
  summary: string;
  /** Its module, `cli/<module>.ts`. */
  module: string;
  /** The module's export that runs it. */
  runner: string;
}

const COMMANDS: Record<string, Command> = {
  "dry-run": {
    summary: "send one order (or the demo scenario) through the gates and the simulated broker",
    module: "dry_run",
    runner: "runDryRunCommand",
  },
  start: {
    summary: "run the demo dry-run into a fresh session, then serve the dashboard",
    module: "start",
    runner: "runStartCommand",
  },
  serve: {
    summary: "serve the dashboard over a log directory",
    module: "serve",
    runner: "runServeCommand",
  },
  timeline: {
    summary: "print a session's timeline, newest first",
    module: "timeline",
    runner: "runTimelineCommand",
  },
  summary: {
    summary: "print a session's summary",
    module: "summary",
    runner: "runSummaryCommand",
  },
  sessions: {
    summary: "list the sessions in a log directory",
    module: "sessions",
    runner: "runSessionsCommand",
  },
  health: {
    summary: "check the telemetry health of a log root (exit 0/2/3)",
    module: "health",
    runner: "runHealthCommand",
  },
  alerts: {
    summary: "evaluate alert rules, show their history, ack or snooze them",
    module: "alerts",
    runner: "runAlertsCommand",
  },
  retention: {
    summary: "delete and compress old session logs by policy (dry-run unless --apply)",
    module: "retention",
    runner: "runRetentionCommand",
  },
  ship: {
    summary: "forward a log root's sessions to NATS JetStream (fleet mode)",
    module: "ship",
    runner: "runShipCommand",
  },
  collect: {
    summary: "write the fleet's JetStream stream into a central log root",
    module: "collect",
    runner: "runCollectCommand",
  },
};

/**
 * The runner of `command`, imported when the command runs. The specifier is built at run time on
 * purpose: Deno prepares every module a literal `import("…")` names, with its own imports and
 * npm packages, before `main.ts` starts (13 ms of every start here, `--version` included), so
 * a literal would make each command pay for all the others. `deno task compile` includes `cli/`
 * (these modules and theirs) in the binary instead.
 */
async function loadCommand(command: Command): Promise<CommandRunner> {
  const module = await import(new URL(`./cli/${command.module}.ts`, import.meta.url).href);
  const runner = module[command.runner];
  if (typeof runner !== "function") {
    throw new TypeError(`cli/${command.module}.ts does not export ${command.runner}()`);
  }
  return runner as CommandRunner;
}

function usage(io: CliIo): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: peak-trade <command> [options]",
    "",
    "Commands:",
    ...rows,
    "",
    `Run ${commandHint(io, "<command>", "--help")} for the options of a command;`,
    "`peak-trade --version` prints the version.",
    "",
    "Exit codes: 0 ok; 1 order blocked or failed (dry-run), or an unexpected error;",
    "2 usage, configuration or input error, unknown session; 3 more than 5% invalid",
    "lines in a session (timeline, summary). health: 2 warn, 3 critical. alerts run:",
    "2 a critical alert fired, 1 a delivery failed. retention: 2 unsafe root, 3 failed",
    "actions.",
    "",
  ].join("\n");
}

/**
 * Run the CLI with `args` (without the program name) and return the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["dry-run", "--symbol", "BTC-USD", "--target", "0.5", "--current", "0.1", "--price", "100000", "--no-telemetry"]);
 * ```
 */
export async function main(args: string[], io: CliIo = processIo()): Promise<number> {
  // `deno task dry-run -- --symbol …` forwards the `--` itself; it only separates task arguments.
  const [name, ...afterName] = args[0] === "--" ? args.slice(1) : args;
  const rest = afterName[0] === "--" ? afterName.slice(1) : afterName;
  if (name === undefined) {
    // No command is a usage error: the help goes to stderr, stdout stays empty for scripts.
    io.err(usage(io));
    return EXIT.USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(usage(io));
    return EXIT.OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(`peak-trade ${denoConfig.version} (${denoConfig.name})\n`);
    return EXIT.OK;
  }
  // Own names only: "constructor" or "toString" is no command.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`peak-trade: unknown command ${JSON.stringify(name)}\n\n${usage(io)}`);
    return EXIT.USAGE;
  }
  try {
    const run = await loadCommand(command);
    return await run(rest, io);
  } catch (err) {
    // The reader went away (`peak-trade timeline s | head`): stop quietly, as shell tools do.
    if (err instanceof Deno.errors.BrokenPipe) return EXIT.OK;
    // Commands report the errors they expect; anything else still ends with one readable line
    // (no stack trace for the user), and exit 1 as the original's viewer did on a fatal error.
    const message = err instanceof Error ? err.message : String(err);
    io.err(`peak-trade ${name}: ${message}\n`);
    return EXIT.FATAL;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
