/**
 * The telemetry session of a dry-run: its default id, and the line that says
 * where its events went (and whether any were lost).
 *
 * @module
 */
import type { CliIo } from "./io.ts";
import type { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";

/**
 * The default session id of a dry-run started at `now`:
 * `dryrun-<UTC yyyymmddThhmmssZ>`.
 *
 * @example
 * ```ts
 * import { defaultSessionId } from "./dry_run_session.ts";
 * console.log(defaultSessionId(new Date(Date.UTC(2026, 10, 25, 10, 15)))); // "dryrun-20261125T101500Z"
 * ```
 */
export function defaultSessionId(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `dryrun-${stamp}`;
}

/**
 * Print `Telemetry: N events written to <path>` (on stderr when stdout
 * carries JSON), and a warning when events were dropped, refused or failed.
 */
export function reportTelemetry(
  logger: JsonlExecutionLogger,
  sessionId: string,
  io: CliIo,
  json: boolean,
): void {
  const { written, dropped, errors, refused } = logger.stats;
  const line = `Telemetry: ${written} events written to ${logger.pathFor(sessionId)}\n`;
  if (json) io.err(line);
  else io.out(line);
  if (dropped + errors + refused > 0) {
    io.err(
      `peak-trade dry-run: telemetry incomplete: ${dropped} dropped, ${errors} write errors, ` +
        `${refused} refused; check that the log directory is writable\n`,
    );
  }
}
