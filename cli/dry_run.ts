/**
 * `peak-trade dry-run`: one order (or the built-in demo scenario) through the
 * gates and the simulated broker, with the original's report, `--json`, an
 * interactive loop, and the session written as JSONL telemetry.
 *
 * @module
 */
import {
  checkWritableLogDir,
  type ParsedArgs,
  readCommandArgs,
  stringOption,
  UsageError,
  usageFailure,
} from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { readConfigFlag } from "./config_flag.ts";
import { formatDryRunReport } from "./dry_run_report.ts";
import { defaultSessionId, reportTelemetry } from "./dry_run_session.ts";
import { demoDefaultConfig, runDemoOrders } from "./demo_scenario.ts";
import {
  buildExecutionPipeline,
  type ExecutionConfig,
  telemetryLoggerOptions,
} from "../execution/config.ts";
import type { ExecutionPipeline } from "../execution/pipeline.ts";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";
import { EXECUTION_MODES, type ExecutionMode, type ExecutionResult } from "../execution/types.ts";

// tests/browser imports the demo from here (it was defined here before the split).
export { runDemoScenario } from "./demo_scenario.ts";

const USAGE = `Usage: peak-trade dry-run [options]

Send one order through the pre-trade gates and the simulated broker and print
what happened. Without --symbol/--target/--current/--price (and without
--interactive) it runs the built-in demo scenario.

Order:
  --symbol SYMBOL      instrument, e.g. BTC-USD
  --target QTY         target position (base units)
  --current QTY        current position (base units)
  --price PRICE        current price (quote per unit)
  --mode MODE          backtest | paper | live (default: the config's execution.mode);
                       sets the mode of the context and of the pipeline (live: planned only)
  --tags A,B           comma-separated policy tags; only research_only has an effect
                       (blocked in live mode unless the config allows it)

Configuration and telemetry:
  --config FILE        execution config (TOML, a regular file of at most 1 MiB);
                       a missing file is an error.
                       Default: built-in defaults (see docs/configuration.md)
  --session ID         telemetry session id (default: dryrun-<UTC yyyymmddThhmmssZ>)
  --log-dir DIR        telemetry log root, created when missing; must be writable
                       (default: the config's base_path, ${DEFAULT_LOG_DIR})
  --no-telemetry       write no session file

Output:
  --json               print the ExecutionResult as JSON, nothing else on stdout
  --interactive        prompt for symbol, target, current and price until an empty answer
  -h, --help           show this help

Exit codes: 0 allowed or no-op, 1 blocked or failed, 2 usage or configuration error.
`;

const OPTIONS = {
  config: { type: "string" },
  symbol: { type: "string" },
  target: { type: "string" },
  current: { type: "string" },
  price: { type: "string" },
  mode: { type: "string" },
  tags: { type: "string" },
  session: { type: "string" },
  "no-telemetry": { type: "boolean" },
  json: { type: "boolean" },
  interactive: { type: "boolean" },
} as const;

/**
 * Run `dry-run` with `args` (without the command name) and return the exit
 * code: 0 allowed or no-op, 1 blocked or failed, 2 usage or configuration error.
 *
 * @example
 * ```ts
 * import { runDryRunCommand } from "./dry_run.ts";
 * import { memoryIo } from "./io.ts";
 * const io = memoryIo();
 * const code = await runDryRunCommand(
 *   ["--symbol", "BTC-USD", "--target", "0.5", "--current", "0.1", "--price", "100000", "--no-telemetry"],
 *   io,
 * );
 * console.log(code, io.stdout().includes("EXECUTION ALLOWED")); // 0 true
 * ```
 */
export async function runDryRunCommand(args: string[], io: CliIo): Promise<number> {
  const flags = readCommandArgs(
    io,
    { command: "dry-run", help: USAGE, options: OPTIONS, positionals: false },
    args,
    readFlags,
  );
  if (typeof flags === "number") return flags;

  let config: ExecutionConfig | number;
  try {
    config = await readConfigFlag(io, "dry-run", flags.config);
  } catch (err) {
    return usageFailure(io, "dry-run", err);
  }
  if (typeof config === "number") return config;

  const telemetryOn = config.execution.telemetry.enabled && !flags.noTelemetry;
  const sessionId = flags.session ?? defaultSessionId(new Date());
  if (!isValidSessionId(sessionId)) {
    return usageFailure(
      io,
      "dry-run",
      `--session: ${new InvalidSessionIdError(sessionId).message}`,
    );
  }
  const logDir = flags.logDir ?? config.execution.telemetry.base_path;
  if (telemetryOn) {
    // Fail before the first order: a session file that cannot be written is a setup error,
    // not something to discover after the run from a "0 events written" line.
    const problem = await checkWritableLogDir(logDir);
    if (problem !== null) {
      const source = flags.logDir !== undefined
        ? "--log-dir"
        : flags.config !== undefined
        ? `execution.telemetry.base_path in ${flags.config}`
        : "the default log directory";
      io.err(
        `peak-trade dry-run: telemetry log directory (${source}): ${problem}; ` +
          "pass a writable directory with --log-dir, or --no-telemetry\n",
      );
      return EXIT.USAGE;
    }
  }
  const logger = telemetryOn
    ? new JsonlExecutionLogger({
      // Rotation from [execution.telemetry.rotation]; --log-dir over base_path.
      ...telemetryLoggerOptions(config),
      baseDir: logDir,
      onError: (r) => io.err(`${r.message}\n`),
    })
    : undefined;
  const mode = flags.mode ?? config.execution.mode;

  let code: number;
  try {
    if (flags.order !== undefined) {
      const pipeline = buildExecutionPipeline(config, { emitter: logger, mode });
      const result = await pipeline.execute(flags.order.target, flags.order.current, {
        mode,
        symbol: flags.order.symbol,
        price: flags.order.price,
        ts: new Date(),
        tags: flags.tags,
        sessionId,
      });
      if (flags.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
      else io.out(formatDryRunReport(result, flags.order));
      code = exitCodeOf(result);
    } else if (flags.interactive) {
      const pipeline = buildExecutionPipeline(config, { emitter: logger, mode });
      code = await interactiveLoop(pipeline, io, {
        mode,
        tags: flags.tags,
        sessionId,
        json: flags.json,
      });
    } else {
      // The demo's blocks are part of the show: it succeeds when it ran.
      const demoConfig = flags.config === undefined ? demoDefaultConfig() : config;
      await runDemoOrders(demoConfig, logger, sessionId, io, flags.json ? "json" : "table");
      code = EXIT.OK;
    }
  } finally {
    if (logger !== undefined) await logger.close();
  }
  if (logger !== undefined) reportTelemetry(logger, sessionId, io, flags.json);
  return code;
}

interface OrderFlags {
  symbol: string;
  target: number;
  current: number;
  price: number;
}

interface DryRunFlags {
  config?: string;
  order?: OrderFlags;
  mode?: ExecutionMode;
  tags: string[];
  session?: string;
  logDir?: string;
  noTelemetry: boolean;
  json: boolean;
  interactive: boolean;
}

const ORDER_FLAGS = ["symbol", "target", "current", "price"] as const;

/** The dry-run's inputs from its parsed flags; throws {@linkcode UsageError}. */
function readFlags(parsed: ParsedArgs): DryRunFlags {
  const values = parsed.values;
  const flags: DryRunFlags = {
    config: stringOption(values.config),
    tags: parseTags(stringOption(values.tags)),
    session: stringOption(values.session),
    logDir: stringOption(values["log-dir"]),
    noTelemetry: values["no-telemetry"] === true,
    json: values.json === true,
    interactive: values.interactive === true,
  };
  const mode = stringOption(values.mode);
  if (mode !== undefined) flags.mode = parseMode(mode);
  const given = ORDER_FLAGS.filter((k) => values[k] !== undefined);
  if (given.length > 0) {
    const missing = ORDER_FLAGS.filter((k) => values[k] === undefined);
    if (missing.length > 0) {
      throw new UsageError(
        `an order needs ${
          missing.map((k) => `--${k}`).join(", ")
        } as well (or leave out all four for the demo)`,
      );
    }
    if (flags.interactive) {
      throw new UsageError("--interactive asks for the order itself: leave out the order flags");
    }
    const symbol = String(values.symbol);
    if (symbol.trim() === "") {
      throw new UsageError("--symbol: expected an instrument such as BTC-USD");
    }
    flags.order = {
      symbol,
      target: parseNumber("--target", String(values.target)),
      current: parseNumber("--current", String(values.current)),
      price: parseNumber("--price", String(values.price)),
    };
  }
  return flags;
}

/** Like Python's `float()`: decimal and exponent forms, `nan`, `inf`, `infinity`; nothing else. */
function parseNumber(flag: string, text: string): number {
  const trimmed = text.trim();
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(trimmed);
  if (special !== null) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
    throw new UsageError(`${flag}: expected a number, got ${JSON.stringify(text)}`);
  }
  return Number(trimmed);
}

function parseMode(text: string): ExecutionMode {
  const mode = EXECUTION_MODES.find((m) => m === text);
  if (mode === undefined) {
    throw new UsageError(
      `--mode: expected one of ${EXECUTION_MODES.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return mode;
}

function parseTags(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(",").map((t) => t.trim()).filter((t) => t !== "");
}

function exitCodeOf(result: ExecutionResult): number {
  return result.blocked ? EXIT.BLOCKED : EXIT.OK;
}

interface InteractiveOptions {
  mode: ExecutionMode;
  tags: string[];
  sessionId: string;
  json: boolean;
}

async function interactiveLoop(
  pipeline: ExecutionPipeline,
  io: CliIo,
  options: InteractiveOptions,
): Promise<number> {
  let code: number = EXIT.OK;
  // With --json, stdout carries only JSON: prompts go to stderr.
  const ask = options.json
    ? (prompt: string) => {
      io.err(prompt);
      return io.readLine("");
    }
    : (prompt: string) => io.readLine(prompt);
  // At end of input the prompt is still open: end its line so the shell prompt starts clean.
  const endOfInput = (): void => (options.json ? io.err("\n") : io.out("\n"));
  while (true) {
    const symbol = await ask("Symbol (empty to finish): ");
    if (symbol === null) endOfInput();
    if (symbol === null || symbol.trim() === "") break;
    const numbers: number[] = [];
    for (
      const [label, flag] of [["Target position", "--target"], ["Current position", "--current"], [
        "Price",
        "--price",
      ]]
    ) {
      let value: number | undefined;
      while (value === undefined) {
        const answer = await ask(`${label}: `);
        if (answer === null) endOfInput();
        if (answer === null || answer.trim() === "") return code;
        try {
          value = parseNumber(flag, answer);
        } catch (err) {
          io.err(`${err instanceof Error ? err.message : String(err)}; try again\n`);
        }
      }
      numbers.push(value);
    }
    const result = await pipeline.execute(numbers[0], numbers[1], {
      mode: options.mode,
      symbol: symbol.trim(),
      price: numbers[2],
      ts: new Date(),
      tags: options.tags,
      sessionId: options.sessionId,
    });
    if (options.json) io.out(`${JSON.stringify(result)}\n`);
    else io.out(formatDryRunReport(result, { target: numbers[0], current: numbers[1] }));
    if (result.blocked) code = EXIT.BLOCKED;
  }
  return code;
}
