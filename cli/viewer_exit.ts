/**
 * How the reading commands (`timeline`, `summary`) end when a session cannot
 * be shown as asked: exit 2 when it is missing (saying whether the directory
 * or the session is), exit 3 when more than 5 % of the lines measured are not
 * valid events (after printing what could be read), as the original viewer.
 *
 * @module
 */
import { commandHint } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import type { ReadStats } from "../execution/wire/types.ts";

/** More than this share of invalid lines makes the exit code 3. */
const INVALID_SHARE_LIMIT = 0.05;

/**
 * Exit 2 for a session with no file: `dirState` is `"missing"` when the log
 * directory itself does not exist, so the message can say which is missing.
 */
export function missingSession(
  io: CliIo,
  command: string,
  logDir: string,
  dirState: "directory" | "missing",
  id: string,
): number {
  const message = dirState === "directory"
    ? `unknown session ${JSON.stringify(id)}: no ${id}.jsonl in ${logDir} ` +
      `(${commandHint(io, "sessions", `--log-dir ${logDir}`)} lists the sessions)`
    : `no logs: ${logDir} does not exist (pass the log root with --log-dir)`;
  io.err(`peak-trade ${command}: ${message}\n`);
  return EXIT.USAGE;
}

/**
 * Exit 3 (with a warning) when more than 5 % of `stats.total_lines` are
 * invalid or oversized; `scope` says which lines were measured.
 */
export function lineHealth(
  io: CliIo,
  id: string,
  stats: Pick<ReadStats, "total_lines" | "invalid_lines" | "oversized_lines">,
  scope: string,
): number {
  const bad = stats.invalid_lines + stats.oversized_lines;
  if (stats.total_lines === 0 || bad / stats.total_lines <= INVALID_SHARE_LIMIT) return EXIT.OK;
  const share = (100 * bad / stats.total_lines).toFixed(1);
  io.err(
    `warning: ${bad} of ${stats.total_lines} lines (${share}%) ${scope} of session ${id} ` +
      "are not valid events (more than 5%)\n",
  );
  return EXIT.DEGRADED;
}
