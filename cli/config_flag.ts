/**
 * Reading a command's `--config` flag, in a module of its own: the
 * configuration pulls in zod and the TOML parser, which `main.ts` and the
 * reading commands must not load.
 *
 * @module
 */
import { type CliIo, EXIT } from "./io.ts";
import {
  ConfigError,
  type ExecutionConfig,
  loadExecutionConfig,
  parseExecutionConfig,
} from "../execution/config.ts";

/**
 * The configuration a command's `--config` flag names (the defaults without
 * one), or, when the file is not a valid configuration, the exit code after
 * each of its problems was printed. Other errors (an unreadable file) are
 * thrown for the command to report.
 *
 * @example
 * ```ts
 * import { readConfigFlag } from "./config_flag.ts";
 * import { memoryIo } from "./io.ts";
 * const config = await readConfigFlag(memoryIo(), "health", undefined);
 * console.log(typeof config === "number" ? config : config.execution.telemetry.base_path);
 * ```
 */
export async function readConfigFlag(
  io: CliIo,
  command: string,
  path: string | undefined,
): Promise<ExecutionConfig | number> {
  try {
    return path === undefined ? parseExecutionConfig("") : await loadExecutionConfig(path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) io.err(`peak-trade ${command}: ${problem}\n`);
    return EXIT.USAGE;
  }
}
