/**
 * `peak-trade dry-run`: one order (or the built-in demo scenario) through the
 * gates and the simulated broker, with the original's report, `--json`, an
 * interactive loop, and the session written as JSONL telemetry.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { checkWritableLogDir, type CliIo, EXIT } from "./io.ts";
import {
  buildExecutionPipeline,
  ConfigError,
  type ExecutionConfig,
  loadExecutionConfig,
  parseExecutionConfig,
} from "../execution/config.ts";
import type { ExecutionPipeline } from "../execution/pipeline.ts";
import type { ExecutionEventEmitter } from "../execution/events.ts";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";
import { EXECUTION_MODES, type ExecutionMode, type ExecutionResult } from "../execution/types.ts";
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";

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
  --config FILE        execution config (TOML); a missing file is an error.
                       Default: built-in defaults (see docs/configuration.md)
  --session ID         telemetry session id (default: dryrun-<UTC yyyymmddThhmmssZ>)
  --log-dir DIR        telemetry log root, created when missing; must be writable
                       (default: the config's base_path, logs/execution)
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
  "log-dir": { type: "string" },
  "no-telemetry": { type: "boolean" },
  json: { type: "boolean" },
  interactive: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags whose value may be a negative number (`--current -0.5`). */
const NUMERIC_FLAGS = new Set(["--target", "--current", "--price"]);
const NEGATIVE_NUMBER = /^-(\d|\.\d|inf|nan)/i;
const BANNER = "=".repeat(70);

/** A usage problem: one line, exit 2. */
class UsageError extends Error {}

/**
 * Run `dry-run` with `args` (without the command name) and return the exit
 * code: 0 allowed or no-op, 1 blocked or failed, 2 usage or configuration error.
 *
 * @example
 * ```ts ignore
 * import { runDryRunCommand } from "./cli/dry_run.ts";
 * import { memoryIo } from "./cli/io.ts";
 * const io = memoryIo();
 * const code = await runDryRunCommand(
 *   ["--symbol", "BTC-USD", "--target", "0.5", "--current", "0.1", "--price", "100000", "--no-telemetry"],
 *   io,
 * );
 * console.log(code, io.stdout().includes("EXECUTION ALLOWED")); // 0 true
 * ```
 */
export async function runDryRunCommand(args: string[], io: CliIo): Promise<number> {
  let flags: DryRunFlags;
  try {
    flags = parseFlags(args);
  } catch (err) {
    return usageFailure(io, err);
  }
  if (flags.help) {
    io.out(USAGE);
    return EXIT.OK;
  }

  let config: ExecutionConfig;
  try {
    config = flags.config === undefined
      ? parseExecutionConfig("")
      : await loadExecutionConfig(flags.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) io.err(`peak-trade dry-run: ${problem}\n`);
      return EXIT.USAGE;
    }
    return usageFailure(io, err);
  }

  const telemetryOn = config.execution.telemetry.enabled && !flags.noTelemetry;
  const sessionId = flags.session ?? defaultSessionId(new Date());
  if (!isValidSessionId(sessionId)) {
    return usageFailure(
      io,
      new UsageError(`--session: ${new InvalidSessionIdError(sessionId).message}`),
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
    ? new JsonlExecutionLogger({ baseDir: logDir, onError: (r) => io.err(`${r.message}\n`) })
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
      await runScenario(demoConfig, logger, sessionId, io, flags.json ? "json" : "table");
      code = EXIT.OK;
    }
  } finally {
    if (logger !== undefined) await logger.close();
  }
  if (logger !== undefined) reportTelemetry(logger, sessionId, io, flags.json);
  return code;
}

/**
 * Options of {@linkcode runDemoScenario}.
 *
 * @example
 * ```ts ignore
 * import type { DemoScenarioOptions } from "./cli/dry_run.ts";
 * import { memoryIo } from "./cli/io.ts";
 * const options: DemoScenarioOptions = { logDir: "logs/execution", io: memoryIo(), quiet: true };
 * ```
 */
export interface DemoScenarioOptions {
  /** Log root the session file is written under. */
  logDir: string;
  /**
   * Session id of the demo.
   * @default {"dryrun-<UTC yyyymmddThhmmssZ>"}
   */
  sessionId?: string;
  /** Where the per-order table and the telemetry line are printed. */
  io: CliIo;
  /**
   * Print nothing.
   * @default {false}
   */
  quiet?: boolean;
  /**
   * Config of the pipelines (gates, broker).
   * @default {the built-in defaults with `fee_bps = 10` (the original's documented example)}
   */
  config?: ExecutionConfig;
}

/**
 * What {@linkcode runDemoScenario} did.
 *
 * @example
 * ```ts ignore
 * import { type DemoScenarioOutcome, runDemoScenario } from "./cli/dry_run.ts";
 * import { memoryIo } from "./cli/io.ts";
 * const outcome: DemoScenarioOutcome = await runDemoScenario({ logDir: "logs/execution", io: memoryIo() });
 * console.log(outcome.path);
 * ```
 */
export interface DemoScenarioOutcome {
  /** The session the events were written to. */
  sessionId: string;
  /** The session file. */
  path: string;
  /** One result per demo order, in order. */
  results: ExecutionResult[];
}

/**
 * Run the built-in demo scenario (14 orders over 3 symbols: fills, a live
 * plan, a no-op, and a block by every gate) into one telemetry session.
 *
 * @throws {Error} when `sessionId` is not a valid session id.
 *
 * @example
 * ```ts ignore
 * import { runDemoScenario } from "./cli/dry_run.ts";
 * import { memoryIo } from "./cli/io.ts";
 * const { path, results } = await runDemoScenario({ logDir: "logs/execution", io: memoryIo(), quiet: true });
 * console.log(path, results.length);
 * ```
 */
export async function runDemoScenario(options: DemoScenarioOptions): Promise<DemoScenarioOutcome> {
  const sessionId = options.sessionId ?? defaultSessionId(new Date());
  const io = options.io;
  const logger = new JsonlExecutionLogger({
    baseDir: options.logDir,
    onError: (r) => io.err(`${r.message}\n`),
  });
  let results: ExecutionResult[];
  let path: string;
  try {
    path = logger.pathFor(sessionId);
    results = await runScenario(
      options.config ?? demoDefaultConfig(),
      logger,
      sessionId,
      io,
      options.quiet ? "none" : "table",
    );
  } finally {
    await logger.close();
  }
  if (!options.quiet) reportTelemetry(logger, sessionId, io, false);
  return { sessionId, path, results };
}

/**
 * The default session id of a dry-run started at `now`:
 * `dryrun-<UTC yyyymmddThhmmssZ>`.
 *
 * @example
 * ```ts ignore
 * import { defaultSessionId } from "./cli/dry_run.ts";
 * console.log(defaultSessionId(new Date(Date.UTC(2026, 10, 25, 10, 15)))); // "dryrun-20261125T101500Z"
 * ```
 */
export function defaultSessionId(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `dryrun-${stamp}`;
}

/**
 * The human report of one dry-run, with the original's sections and lines
 * (reference §11); a no-op, a planned (live) order and a failure get a line
 * of their own where the original printed nothing useful.
 *
 * @example
 * ```ts ignore
 * import { formatDryRunReport } from "./cli/dry_run.ts";
 * import { buildExecutionPipeline } from "./execution/config.ts";
 * const result = await buildExecutionPipeline().execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100000 });
 * console.log(formatDryRunReport(result));
 * ```
 */
export function formatDryRunReport(
  result: ExecutionResult,
  positions?: { target: number; current: number },
): string {
  const ctx = result.context;
  const lines: string[] = [
    BANNER,
    "🚀 SIMPLIFIED EXECUTION PIPELINE DRY-RUN",
    BANNER,
    "",
    "📊 INPUT:",
    `  Symbol:           ${ctx.symbol}`,
    `  Mode:             ${ctx.mode}`,
    `  Price:            $${formatPythonFixedGrouped(ctx.price, 2)}`,
  ];
  if (positions !== undefined) {
    lines.push(`  Target Position:  ${formatPythonFixed(positions.target, 6)}`);
    lines.push(`  Current Position: ${formatPythonFixed(positions.current, 6)}`);
  }
  lines.push(`  Desired Delta:    ${formatPythonFixed(result.desiredDelta, 6)}`);
  const tags = ctx.tags === undefined ? [] : [...ctx.tags].sort();
  if (tags.length > 0) lines.push(`  Tags:             ${tags.join(", ")}`);
  lines.push("", "⚙️  EXECUTION:", "", "🔒 GATE DECISIONS:");
  for (const d of result.gateDecisions) {
    lines.push(
      `  ${d.gate.padEnd(20)} ${(d.passed ? "✅ PASS" : "❌ BLOCK").padEnd(10)} ${d.reason}`,
    );
    if (d.modifiedQty !== null && d.modifiedQty !== undefined) {
      lines.push(`    └─ Modified qty: ${formatPythonFixed(d.modifiedQty, 6)}`);
    }
  }
  if (result.status === "noop") lines.push("  (none: the target equals the current position)");
  lines.push("");
  if (result.blocked) {
    lines.push("❌ EXECUTION BLOCKED", `   Reason: ${result.blockReason}`);
    if (result.code !== null) lines.push(`   Code:   ${result.code}`);
    return `${lines.join("\n")}\n`;
  }
  lines.push("✅ EXECUTION ALLOWED", "", "📝 PLANNED ORDERS:");
  result.orders.forEach((o, i) => {
    lines.push(
      `  Order ${i + 1}:`,
      `    Side:     ${o.side.toUpperCase()}`,
      `    Quantity: ${formatPythonFixed(o.quantity, 6)}`,
      `    Price:    $${formatPythonFixedGrouped(o.price, 2)}`,
      `    Notional: $${formatPythonFixedGrouped(o.notional, 2)}`,
      `    Type:     ${o.orderType}`,
    );
  });
  if (result.orders.length === 0) lines.push("  (none)");
  lines.push("", "💰 SIMULATED FILLS:");
  result.fills.forEach((f, i) => {
    lines.push(
      `  Fill ${i + 1}:`,
      `    Side:     ${f.side.toUpperCase()}`,
      `    Quantity: ${formatPythonFixed(f.quantity, 6)}`,
      `    Price:    $${formatPythonFixedGrouped(f.price, 2)} (incl. slippage)`,
      `    Notional: $${formatPythonFixedGrouped(f.notional, 2)}`,
      `    Fee:      $${formatPythonFixed(f.fee, 4)}`,
    );
  });
  if (result.status === "planned") {
    lines.push(`  (none: ${ctx.mode} mode plans the order without sending it)`);
  } else if (result.fills.length === 0) {
    lines.push("  (none)");
  }
  lines.push(
    "",
    "📊 SUMMARY:",
    `  Total Filled:  ${formatPythonFixed(result.totalFilledQty, 6)}`,
    `  Total Notional: $${formatPythonFixedGrouped(result.totalNotional, 2)}`,
    `  Total Fees:     $${formatPythonFixed(result.totalFees, 4)}`,
    "",
    BANNER,
    "✅ DRY-RUN COMPLETE",
    BANNER,
  );
  return `${lines.join("\n")}\n`;
}

interface OrderFlags {
  symbol: string;
  target: number;
  current: number;
  price: number;
}

interface DryRunFlags {
  help: boolean;
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

function parseFlags(args: string[]): DryRunFlags {
  // node:util's parseArgs reads "--current -0.5" as a missing value; join such pairs.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (NUMERIC_FLAGS.has(args[i]) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  let values;
  try {
    values = parseArgs({ args: joined, options: OPTIONS, strict: true, allowPositionals: false })
      .values;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new UsageError(text.replace(/\s*\n\s*/g, " "));
  }
  const flags: DryRunFlags = {
    help: values.help ?? false,
    config: values.config,
    tags: parseTags(values.tags),
    session: values.session,
    logDir: values["log-dir"],
    noTelemetry: values["no-telemetry"] ?? false,
    json: values.json ?? false,
    interactive: values.interactive ?? false,
  };
  if (values.mode !== undefined) flags.mode = parseMode(values.mode);
  if (values["log-dir"] === "") {
    throw new UsageError("--log-dir: expected a directory, got an empty value");
  }
  const given = (["symbol", "target", "current", "price"] as const).filter((k) =>
    values[k] !== undefined
  );
  if (given.length > 0) {
    const missing = (["symbol", "target", "current", "price"] as const).filter((k) =>
      values[k] === undefined
    );
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
    if (values.symbol!.trim() === "") {
      throw new UsageError("--symbol: expected an instrument such as BTC-USD");
    }
    flags.order = {
      symbol: values.symbol!,
      target: parseNumber("--target", values.target!),
      current: parseNumber("--current", values.current!),
      price: parseNumber("--price", values.price!),
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

function usageFailure(io: CliIo, err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  io.err(`peak-trade dry-run: ${message} (see peak-trade dry-run --help)\n`);
  return EXIT.USAGE;
}

function exitCodeOf(result: ExecutionResult): number {
  return result.blocked ? EXIT.BLOCKED : EXIT.OK;
}

function reportTelemetry(
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

/** One order of the demo scenario. */
interface DemoOrder {
  symbol: string;
  mode: ExecutionMode;
  target: number;
  current: number;
  price: number;
  tags?: string[];
  note: string;
}

/** The demo: every gate blocks at least once, some orders fill, one is planned in live mode. */
const DEMO_ORDERS: readonly DemoOrder[] = [
  {
    symbol: "BTC-USD",
    mode: "paper",
    target: 0.5,
    current: 0.1,
    price: 100_000,
    note: "buy fills",
  },
  { symbol: "ETH-USD", mode: "paper", target: 2, current: 0.5, price: 3_500, note: "buy fills" },
  { symbol: "SOL-USD", mode: "paper", target: 10, current: 25, price: 150, note: "sell fills" },
  {
    symbol: "ETH-USD",
    mode: "paper",
    target: 1.23456789,
    current: 0,
    price: 3_510,
    note: "rounded to lots",
  },
  { symbol: "BTC-USD", mode: "paper", target: 0.6, current: 0.5, price: 0, note: "no price" },
  { symbol: "SOL-USD", mode: "paper", target: 5, current: 0, price: -150, note: "negative price" },
  {
    symbol: "SOL-USD",
    mode: "live",
    target: 3,
    current: 0,
    price: 151,
    tags: ["research_only"],
    note: "research code in live",
  },
  {
    symbol: "BTC-USD",
    mode: "paper",
    target: 0.00005,
    current: 0,
    price: 100_000,
    note: "below one lot",
  },
  { symbol: "SOL-USD", mode: "paper", target: 0.05, current: 0, price: 150, note: "too small" },
  {
    symbol: "ETH-USD",
    mode: "live",
    target: 1.5,
    current: 1.2,
    price: 3_520,
    note: "live: planned",
  },
  {
    symbol: "BTC-USD",
    mode: "paper",
    target: 0.5,
    current: 0.5,
    price: 100_050,
    note: "already there",
  },
  {
    symbol: "ETH-USD",
    mode: "backtest",
    target: 0.9,
    current: 1.2,
    price: 3_505,
    note: "sell fills",
  },
  {
    symbol: "SOL-USD",
    mode: "paper",
    target: 12,
    current: 10,
    price: 149.5,
    tags: ["research_only"],
    note: "research allowed on paper",
  },
  {
    symbol: "BTC-USD",
    mode: "paper",
    target: NaN,
    current: 0.5,
    price: 100_100,
    note: "target missing",
  },
];

/**
 * The demo's config when none is given: the defaults plus the 10 bps fee of the original's
 * documented example config, so the demo's fills show fees.
 */
function demoDefaultConfig(): ExecutionConfig {
  return parseExecutionConfig("[execution]\nfee_bps = 10.0\n", "built-in demo config");
}

async function runScenario(
  config: ExecutionConfig,
  emitter: ExecutionEventEmitter | undefined,
  sessionId: string,
  io: CliIo,
  output: "table" | "json" | "none",
): Promise<ExecutionResult[]> {
  const pipelines = new Map<ExecutionMode, ExecutionPipeline>();
  const results: ExecutionResult[] = [];
  const rows: string[][] = [];
  for (const order of DEMO_ORDERS) {
    let pipeline = pipelines.get(order.mode);
    if (pipeline === undefined) {
      pipeline = buildExecutionPipeline(config, { emitter, mode: order.mode });
      pipelines.set(order.mode, pipeline);
    }
    const result = await pipeline.execute(order.target, order.current, {
      mode: order.mode,
      symbol: order.symbol,
      price: order.price,
      ts: new Date(),
      tags: order.tags ?? [],
      sessionId,
      strategyKey: "demo",
    });
    results.push(result);
    rows.push(demoRow(results.length, order, result));
  }
  if (output === "json") io.out(`${JSON.stringify(results, null, 2)}\n`);
  if (output === "table") io.out(formatDemoTable(rows, results, sessionId));
  return results;
}

function demoRow(index: number, order: DemoOrder, result: ExecutionResult): string[] {
  const qty = result.orders[0]?.quantity ?? Math.abs(result.desiredDelta);
  let detail: string;
  switch (result.status) {
    case "filled":
      detail = `fill $${formatPythonFixedGrouped(result.fills[0].price, 2)}, ` +
        `notional $${formatPythonFixedGrouped(result.totalNotional, 2)}, ` +
        `fee $${formatPythonFixed(result.totalFees, 4)}`;
      break;
    case "planned":
      detail = "order planned, not sent";
      break;
    case "noop":
      detail = "target equals current";
      break;
    default:
      detail = `${result.code}: ${result.blockReason}`;
  }
  return [
    String(index),
    order.symbol,
    order.mode,
    result.status === "noop" || !Number.isFinite(result.desiredDelta)
      ? "-"
      : result.desiredDelta > 0
      ? "buy"
      : "sell",
    formatPythonFixed(qty, 6),
    `$${formatPythonFixedGrouped(order.price, 2)}`,
    result.status,
    detail,
  ];
}

function formatDemoTable(rows: string[][], results: ExecutionResult[], sessionId: string): string {
  const header = ["#", "symbol", "mode", "side", "quantity", "price", "status", "detail"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const rightAligned = new Set([0, 4, 5]);
  const format = (cells: string[]): string =>
    cells.map((c, i) =>
      i === cells.length - 1 ? c : rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])
    ).join("  ").trimEnd();
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const symbols = new Set(rows.map((r) => r[1]));
  return [
    `DEMO SCENARIO: ${rows.length} orders over ${symbols.size} symbols (session ${sessionId})`,
    "",
    format(header),
    ...rows.map(format),
    "",
    `Outcome: ${[...counts].map(([status, n]) => `${n} ${status}`).join(", ")}`,
    "",
  ].join("\n");
}
