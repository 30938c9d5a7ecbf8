/**
 * `peak-trade start`: the demo scenario into a fresh session, then the
 * dashboard, with that session's page as the URL to open.
 *
 * @module
 */
import { checkWritableLogDir } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { runDemoScenario } from "./demo_scenario.ts";
import {
  listenOrExplain,
  parseDashboardCommand,
  type ServeRunOptions,
  serveUntilStopped,
} from "./serve.ts";

const USAGE = `Usage: peak-trade start [options]

Run the dry-run demo scenario into a fresh session, then serve the dashboard
and print the URL of that session's timeline.

Options: the same as \`peak-trade serve\` (--port, --hostname, --log-dir, --token,
--metrics-token, --config, --snapshot-interval, --alerts-interval,
--retention-interval, --retention-config, and the limits).
`;

/**
 * `peak-trade start`: run the dry-run demo into a fresh session, then serve
 * the dashboard and print that session's URL. Exit 2, with nothing written,
 * when the port cannot be listened on or the log directory cannot be written.
 *
 * @example
 * ```ts
 * import { runStartCommand } from "./start.ts";
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
  const options = await parseDashboardCommand("start", USAGE, args, io);
  if (typeof options === "number") return options;
  // Listen first: a port that is taken must not leave a demo session behind.
  const server = await listenOrExplain("start", options, io);
  if (typeof server === "number") return server;
  const problem = await checkWritableLogDir(options.logDir);
  if (problem !== null) {
    await server.shutdown();
    io.err(
      `peak-trade start: cannot write the demo session: ${problem}; ` +
        "pass a writable directory with --log-dir\n",
    );
    return EXIT.USAGE;
  }
  let sessionId: string;
  try {
    // The demo's orders keep the built-in demo config; its writer rotates as --config says.
    ({ sessionId } = await runDemoScenario({
      logDir: options.logDir,
      io,
      quiet: true,
      telemetryConfig: options.config,
    }));
  } catch (err) {
    await server.shutdown();
    throw err;
  }
  io.out(`Demo session ${sessionId} written to ${options.logDir}.\n`);
  return await serveUntilStopped(
    server,
    options,
    io,
    run,
    `/live/execution/${encodeURIComponent(sessionId)}`,
  );
}
