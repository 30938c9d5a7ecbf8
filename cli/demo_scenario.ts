/**
 * The built-in demo scenario: 14 orders over 3 symbols (fills, a live plan, a
 * no-op, and a block by every gate) through the pipeline into one telemetry
 * session. `dry-run` without order flags runs it; `start` writes it before
 * serving the dashboard.
 *
 * @module
 */
import type { CliIo } from "./io.ts";
import { defaultSessionId, reportTelemetry } from "./dry_run_session.ts";
import {
  buildExecutionPipeline,
  type ExecutionConfig,
  parseExecutionConfig,
  telemetryLoggerOptions,
} from "../execution/config.ts";
import type { ExecutionPipeline } from "../execution/pipeline.ts";
import type { ExecutionEventEmitter } from "../execution/events.ts";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionMode, ExecutionResult } from "../execution/types.ts";
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";

/**
 * Options of {@linkcode runDemoScenario}.
 *
 * @example
 * ```ts
 * import type { DemoScenarioOptions } from "./demo_scenario.ts";
 * import { memoryIo } from "./io.ts";
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
  /**
   * The config whose `[execution.telemetry.rotation]` the session's writer
   * follows (`logDir` stays the log root).
   * @default {`config`}
   */
  telemetryConfig?: ExecutionConfig;
}

/**
 * What {@linkcode runDemoScenario} did.
 *
 * @example
 * ```ts
 * import { type DemoScenarioOutcome, runDemoScenario } from "./demo_scenario.ts";
 * import { memoryIo } from "./io.ts";
 * const logDir = await Deno.makeTempDir();
 * const outcome: DemoScenarioOutcome = await runDemoScenario({ logDir, io: memoryIo() });
 * console.log(outcome.path);
 * await Deno.remove(logDir, { recursive: true });
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
 * ```ts
 * import { runDemoScenario } from "./demo_scenario.ts";
 * import { memoryIo } from "./io.ts";
 * const logDir = await Deno.makeTempDir();
 * const { path, results } = await runDemoScenario({ logDir, io: memoryIo(), quiet: true });
 * console.log(path, results.length); // …/dryrun-….jsonl 14
 * await Deno.remove(logDir, { recursive: true });
 * ```
 */
export async function runDemoScenario(options: DemoScenarioOptions): Promise<DemoScenarioOutcome> {
  const sessionId = options.sessionId ?? defaultSessionId(new Date());
  const io = options.io;
  const config = options.config ?? demoDefaultConfig();
  const logger = new JsonlExecutionLogger({
    ...telemetryLoggerOptions(options.telemetryConfig ?? config),
    baseDir: options.logDir,
    onError: (r) => io.err(`${r.message}\n`),
  });
  let results: ExecutionResult[];
  let path: string;
  try {
    path = logger.pathFor(sessionId);
    results = await runDemoOrders(
      config,
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
export function demoDefaultConfig(): ExecutionConfig {
  return parseExecutionConfig("[execution]\nfee_bps = 10.0\n", "built-in demo config");
}

/**
 * Run the demo's orders into `emitter` (when given) under `sessionId` and
 * print them as `output` says: a table, the results as JSON, or nothing.
 */
export async function runDemoOrders(
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
