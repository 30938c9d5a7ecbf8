/**
 * What `health` and `alerts` share: reading `--config` (strictly, every
 * problem printed with its file, line and column), choosing the log root
 * (`--log-dir`, alias `--root` as the original's scripts called it; else the
 * config's `base_path`; else `logs/execution`), and refusing a root that
 * cannot take operations state.
 *
 * @module
 */
import { type CliIo, EXIT } from "./io.ts";
import { readConfigFlag } from "./config_flag.ts";
import type { ExecutionConfig } from "../execution/config.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { type OpsSettings, opsSettingsOf } from "../ops/ops_settings.ts";
import { refusedRootReason } from "../ops/root_guard.ts";

/**
 * The config, settings and log root of one command run.
 *
 * @example
 * ```ts
 * import type { OpsContext } from "./ops_context.ts";
 * type Root = OpsContext["root"];
 * ```
 */
export interface OpsContext {
  /** The parsed config (defaults without `--config`). */
  config: ExecutionConfig;
  /** Health, alert and retention settings from it. */
  settings: OpsSettings;
  /** The log root. */
  root: string;
}

/** Print one usage line and the help pointer; exit 2. */
export function opsUsageFailure(io: CliIo, command: string, message: string): number {
  io.err(`peak-trade ${command}: ${message}\nRun \`peak-trade ${command} --help\` for usage.\n`);
  return EXIT.USAGE;
}

/**
 * Load the config and choose the log root; on a problem print it and return
 * the exit code (2). A root that is `/`, a system or home directory is
 * refused; `needsWritableRoot` (commands that write state there) also
 * refuses a missing one.
 *
 * @example
 * ```ts
 * import { loadOpsContext } from "./ops_context.ts";
 * import { memoryIo } from "./io.ts";
 * const context = await loadOpsContext(memoryIo(), "health", { logDir: "logs/execution" }, false);
 * console.log(typeof context === "number" ? context : context.root); // "logs/execution"
 * ```
 */
export async function loadOpsContext(
  io: CliIo,
  command: string,
  flags: { config?: string; logDir?: string },
  needsWritableRoot: boolean,
): Promise<OpsContext | number> {
  const config = await readConfigFlag(io, command, flags.config);
  if (typeof config === "number") return config;
  const root = flags.logDir ??
    (flags.config === undefined ? DEFAULT_LOG_DIR : config.execution.telemetry.base_path);
  if (root === "") return opsUsageFailure(io, command, "--log-dir must not be empty");
  try {
    const info = Deno.statSync(root);
    if (!info.isDirectory) {
      return opsUsageFailure(
        io,
        command,
        `${root} is not a directory: pass the log root with --log-dir`,
      );
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // Reading commands accept a root that does not exist yet; none accepts `/` or a system directory
  // (walking it would read the whole machine).
  const reason = refusedRootReason(root, io.env("HOME"), !needsWritableRoot);
  if (reason !== null) return opsUsageFailure(io, command, reason);
  return { config, settings: opsSettingsOf(config), root };
}
