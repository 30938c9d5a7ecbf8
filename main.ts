/**
 * The `peak-trade` command line: `dry-run`, `serve`, `start`, `timeline`,
 * `summary`, `sessions` and `retention`. Also the `deno compile` target: every command and
 * the dashboard's assets are reachable from here through static imports.
 *
 * @module
 */
import { type CliIo, EXIT, processIo } from "./cli/io.ts";
import { runDryRunCommand } from "./cli/dry_run.ts";
import { runSessionsCommand, runSummaryCommand, runTimelineCommand } from "./cli/viewer.ts";
import { runServeCommand, runStartCommand } from "./cli/serve.ts";
import { runRetentionCommand } from "./cli/retention.ts";
import denoConfig from "./deno.json" with { type: "json" };

/** A subcommand: a one-line description and its implementation. */
interface Command {
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  "dry-run": {
    summary: "send one order (or the demo scenario) through the gates and the simulated broker",
    run: runDryRunCommand,
  },
  start: {
    summary: "run the demo dry-run into a fresh session, then serve the dashboard",
    run: runStartCommand,
  },
  serve: { summary: "serve the dashboard over a log directory", run: runServeCommand },
  timeline: { summary: "print a session's timeline, newest first", run: runTimelineCommand },
  summary: { summary: "print a session's summary", run: runSummaryCommand },
  sessions: { summary: "list the sessions in a log directory", run: runSessionsCommand },
  retention: {
    summary: "delete and compress old session logs by policy (dry-run unless --apply)",
    run: runRetentionCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: peak-trade <command> [options]",
    "",
    "Commands:",
    ...rows,
    "",
    "Run `peak-trade <command> --help` for the options of a command;",
    "`peak-trade --version` prints the version.",
    "",
    "Exit codes: 0 ok; 1 order blocked or failed (dry-run), or an unexpected error;",
    "2 usage, configuration or input error, unknown session; 3 more than 5% invalid",
    "lines in a session (timeline, summary), or failed actions (retention).",
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
    io.err(usage());
    return EXIT.USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return EXIT.OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(`peak-trade ${denoConfig.version} (${denoConfig.name})\n`);
    return EXIT.OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`peak-trade: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
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
