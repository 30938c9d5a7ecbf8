/**
 * `peak-trade sessions`: the sessions of a log directory, newest first, with
 * size, event count and first and last timestamp.
 *
 * @module
 */
import { readableLogDir, readCommandArgs, UsageError } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DIM, formatCount, paint } from "./terminal_text.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { listSessions } from "../live/sessions.ts";
import { formatBytes } from "../web/format.ts";

const HELP = `Usage: peak-trade sessions [options]

List the sessions of a log directory, newest first, with size, event count and
first and last timestamp.

Options:
  --json          a JSON array instead of a table
  --log-dir DIR   log root holding <session>.jsonl files (default: ${DEFAULT_LOG_DIR})
  -h, --help      show this help

The original viewer's --path works too (as --log-dir).

Exit codes: 0 ok; 2 no logs (the directory is missing or holds no session) or bad input.
`;

/**
 * `peak-trade sessions`: list the sessions of a log directory, newest first
 * (`--json`, `--log-dir`). Returns the exit code.
 *
 * @example
 * ```ts
 * import { runSessionsCommand } from "./sessions.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runSessionsCommand(["--log-dir", "logs/execution"], memoryIo());
 * ```
 */
export async function runSessionsCommand(args: string[], io: CliIo): Promise<number> {
  const input = readCommandArgs(
    io,
    {
      command: "sessions",
      help: HELP,
      options: { json: { type: "boolean" } },
      positionals: true,
      originalFlags: ["path"],
    },
    args,
    (parsed, logDir) => {
      if (parsed.positionals.length > 0) {
        throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
      }
      return { logDir, json: parsed.values.json === true };
    },
  );
  if (typeof input === "number") return input;
  const { logDir, json } = input;
  const dirState = await readableLogDir(io, "sessions", logDir);
  if (dirState === null) return EXIT.USAGE;
  if (dirState === "missing") {
    io.err(
      `peak-trade sessions: no logs: ${logDir} does not exist ` +
        "(pass the log root with --log-dir)\n",
    );
    return EXIT.USAGE;
  }
  const sessions = await listSessions(logDir);
  if (json) {
    io.out(`${JSON.stringify(sessions)}\n`);
  } else if (sessions.length > 0) {
    const idWidth = Math.max(7, ...sessions.map((s) => s.session_id.length));
    const header = `${"SESSION".padEnd(idWidth)}  ${"EVENTS".padStart(10)}  ${
      "SIZE".padStart(10)
    }  ${"FIRST".padEnd(32)}  LAST`;
    io.out(`${paint(io, DIM, header)}\n`);
    for (const s of sessions) {
      io.out(
        `${s.session_id.padEnd(idWidth)}  ${formatCount(s.event_count).padStart(10)}  ${
          formatBytes(s.size_bytes).padStart(10)
        }  ${(s.first_ts ?? "-").padEnd(32)}  ${s.last_ts ?? "-"}\n`,
      );
    }
  }
  if (sessions.length === 0) {
    io.err(`peak-trade sessions: no logs: no <session>.jsonl files in ${logDir}\n`);
    return EXIT.USAGE;
  }
  return EXIT.OK;
}
