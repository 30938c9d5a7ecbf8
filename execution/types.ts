/**
 * Domain types of the execution layer: modes, sides, the context an order is
 * evaluated in, intents, orders, fills, gate decisions and the result of one
 * pipeline run.
 *
 * @module
 */

/**
 * Where an execution happens. Only `"paper"` and `"backtest"` reach the
 * simulated broker; `"live"` plans orders without executing them unless a
 * live adapter is configured.
 *
 * @example
 * ```ts
 * import type { ExecutionMode } from "@peak-trade/execution";
 * const mode: ExecutionMode = "paper";
 * ```
 */
export type ExecutionMode = "backtest" | "paper" | "live";

/**
 * Every {@linkcode ExecutionMode}, in the order the original lists them.
 *
 * @example
 * ```ts
 * import { EXECUTION_MODES } from "@peak-trade/execution";
 * console.log(EXECUTION_MODES.join(", ")); // "backtest, paper, live"
 * ```
 */
export const EXECUTION_MODES: readonly ExecutionMode[] = Object.freeze([
  "backtest",
  "paper",
  "live",
]);

/**
 * Direction of an order: `"buy"` increases the position, `"sell"` reduces it.
 *
 * @example
 * ```ts
 * import type { OrderSide } from "@peak-trade/execution";
 * const side: OrderSide = "buy";
 * ```
 */
export type OrderSide = "buy" | "sell";

/**
 * Order type. The pipeline only produces `"market"` orders.
 *
 * @example
 * ```ts
 * import type { OrderType } from "@peak-trade/execution";
 * const type: OrderType = "market";
 * ```
 */
export type OrderType = "market" | "limit";

/**
 * What an execution is evaluated against: the mode, the instrument, its
 * current price and the policy tags of the caller.
 *
 * @example
 * ```ts
 * import type { ExecutionContext } from "@peak-trade/execution";
 * const ctx: ExecutionContext = {
 *   mode: "paper",
 *   symbol: "BTC-USD",
 *   price: 100_000,
 *   tags: ["research_only"],
 *   sessionId: "paper-2026-11-25",
 * };
 * ```
 */
export interface ExecutionContext {
  /** Governs the ResearchOnly gate and whether the adapter is called. */
  mode: ExecutionMode;
  /** Instrument, e.g. `"BTC-USD"`. */
  symbol: string;
  /** Current mid/market price (quote per base unit); every price-dependent step uses it. */
  price: number;
  /**
   * Time of the decision; copied into the fill.
   * @default {new Date()} at the time `execute()` is called
   */
  ts?: Date;
  /** Policy tags; only the exact, case-sensitive `"research_only"` has meaning. */
  tags?: Iterable<string>;
  /**
   * Telemetry session the events of this execution are written to. One that
   * is not a valid session id (see `isValidSessionId`) blocks the execution
   * with `INPUT_INVALID`, since its decisions could not be recorded.
   * @default {"default"}
   */
  sessionId?: string;
  /** Strategy that asked for the order; written into the `intent` event. */
  strategyKey?: string;
}

/**
 * An order the pipeline would like to send, before the gates have looked at it.
 * Gates never mutate it; the pipeline applies a gate's `modifiedQty`.
 *
 * @example
 * ```ts
 * import type { OrderIntent } from "@peak-trade/execution";
 * const intent: OrderIntent = {
 *   symbol: "BTC-USD",
 *   side: "buy",
 *   quantity: 0.4,
 *   price: 100_000,
 *   orderType: "market",
 * };
 * ```
 */
export interface OrderIntent {
  /** Instrument. */
  symbol: string;
  /** Direction. */
  side: OrderSide;
  /** Quantity in base units (≥ 0 when built by the pipeline). */
  quantity: number;
  /** Price copied from the context. */
  price: number;
  /** Order type. */
  orderType: OrderType;
}

/**
 * An order that passed every gate.
 *
 * @example
 * ```ts
 * import type { Order } from "@peak-trade/execution";
 * const order: Order = {
 *   clientId: "exec_BTC-USD_1_a1b2c3",
 *   symbol: "BTC-USD",
 *   side: "buy",
 *   quantity: 0.4,
 *   price: 100_000,
 *   orderType: "market",
 *   notional: 40_000,
 * };
 * ```
 */
export interface Order {
  /** Client order id, `exec_<symbol with "/" as "_">_<counter>_<6 hex>`. */
  clientId: string;
  /** Instrument. */
  symbol: string;
  /** Direction. */
  side: OrderSide;
  /** Quantity in base units, after the gates. */
  quantity: number;
  /** Reference price (the context price). */
  price: number;
  /** Order type. */
  orderType: OrderType;
  /** `|quantity × price|` in quote currency. */
  notional: number;
}

/**
 * The execution of an order: always complete in the simulated broker.
 *
 * @example
 * ```ts
 * import type { Fill } from "@peak-trade/execution";
 * const fill: Fill = {
 *   clientId: "exec_BTC-USD_1_a1b2c3",
 *   symbol: "BTC-USD",
 *   side: "buy",
 *   quantity: 0.4,
 *   price: 100_020,
 *   notional: 40_008,
 *   fee: 0,
 *   ts: new Date(),
 * };
 * ```
 */
export interface Fill {
  /** The client id of the order this fill executes. */
  clientId: string;
  /** Instrument. */
  symbol: string;
  /** Direction. */
  side: OrderSide;
  /** Filled quantity in base units. */
  quantity: number;
  /** Fill price after slippage. */
  price: number;
  /** `|quantity × price|` in quote currency. */
  notional: number;
  /** Fee in quote currency (negative for a rebate). */
  fee: number;
  /** Time of the fill (the context time). */
  ts: Date;
}

/**
 * Stable machine codes of gate decisions and pipeline outcomes.
 *
 * Passing decisions carry a `*_OK` (or `*_ROUNDED`) code; blocks carry the
 * reason they blocked for.
 *
 * @example
 * ```ts
 * import type { DecisionCode } from "@peak-trade/execution";
 * const code: DecisionCode = "NOTIONAL_BELOW_MIN";
 * ```
 */
export type DecisionCode =
  | "PRICE_OK"
  | "PRICE_INVALID"
  | "RESEARCH_ALLOWED"
  | "RESEARCH_BLOCKED_LIVE"
  | "LOT_SIZE_OK"
  | "QTY_ROUNDS_TO_ZERO"
  | "QTY_BELOW_MIN"
  | "NOTIONAL_OK"
  | "NOTIONAL_BELOW_MIN"
  | "INPUT_INVALID"
  | (string & Record<never, never>);

/**
 * What one gate decided about one intent.
 *
 * @example
 * ```ts
 * import type { GateDecision } from "@peak-trade/execution";
 * const decision: GateDecision = {
 *   gate: "MinNotional",
 *   passed: false,
 *   code: "NOTIONAL_BELOW_MIN",
 *   reason: "Notional $5.00 below min $10.00",
 * };
 * ```
 */
export interface GateDecision {
  /** Name of the gate, e.g. `"LotSize"`. */
  gate: string;
  /** Whether the intent may go on to the next gate. */
  passed: boolean;
  /** Stable machine code. */
  code: DecisionCode;
  /** The original's human reason text. */
  reason: string;
  /** Quantity the next gates and the order use instead (LotSize only). */
  modifiedQty?: number | null;
}

/**
 * How one `execute()` call ended.
 * - `noop`: target equals current, nothing to do;
 * - `planned`: passed the gates, but no adapter executed it (live mode);
 * - `filled`: passed the gates and the adapter filled it;
 * - `blocked`: a gate (or invalid input) stopped it;
 * - `failed`: the adapter threw or rejected.
 *
 * @example
 * ```ts
 * import type { ExecutionStatus } from "@peak-trade/execution";
 * const status: ExecutionStatus = "planned";
 * ```
 */
export type ExecutionStatus = "noop" | "planned" | "filled" | "blocked" | "failed";

/**
 * The outcome of one pipeline run, with the original's fields and totals.
 *
 * @example
 * ```ts
 * import { buildExecutionPipeline, parseExecutionConfig } from "@peak-trade/execution";
 * const pipeline = buildExecutionPipeline(parseExecutionConfig(""));
 * const result = await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000 });
 * console.log(result.status, result.totalNotional); // "filled" 40008
 * ```
 */
export interface ExecutionResult {
  /** The context the run was evaluated in (with `ts` filled in). */
  context: ExecutionContext;
  /** `target − current`, unrounded. */
  desiredDelta: number;
  /** Decisions in evaluation order, passes included. */
  gateDecisions: GateDecision[];
  /** Zero or one order. */
  orders: Order[];
  /** Zero or one fill. */
  fills: Fill[];
  /** True when a gate blocked, the input was invalid or the adapter failed. */
  blocked: boolean;
  /** `"<gate>: <reason>"`, `"Execution failed: <message>"`, or `""`. */
  blockReason: string;
  /** How the run ended. */
  status: ExecutionStatus;
  /** Machine code of the block or failure (`null` when not blocked). */
  code: DecisionCode | null;
  /** The adapter's error message when `status` is `"failed"`. */
  error: string | null;
  /** `!blocked`. */
  success: boolean;
  /** Σ fill quantity. */
  totalFilledQty: number;
  /** Σ fill notional. */
  totalNotional: number;
  /** Σ fill fee. */
  totalFees: number;
}

/**
 * A pre-trade check. Gates are stateless and never mutate the intent.
 *
 * @example
 * ```ts
 * import type { ExecutionContext, Gate, GateDecision, OrderIntent } from "@peak-trade/execution";
 * class MaxQuantityGate implements Gate {
 *   readonly name = "MaxQuantity";
 *   check(intent: OrderIntent, _ctx: ExecutionContext): GateDecision {
 *     const passed = intent.quantity <= 10;
 *     return { gate: this.name, passed, code: passed ? "MAX_QTY_OK" : "MAX_QTY_EXCEEDED", reason: "" };
 *   }
 * }
 * ```
 */
export interface Gate {
  /** Name used in decisions and block reasons. */
  readonly name: string;
  /** Decide about one intent. Must not throw for any numeric input. */
  check(intent: OrderIntent, ctx: ExecutionContext): GateDecision;
}

/**
 * Sends an order to a venue (or simulates it) and reports the fill.
 *
 * @example
 * ```ts
 * import type { BrokerAdapter, ExecutionContext, Fill, Order } from "@peak-trade/execution";
 * class MidPriceBroker implements BrokerAdapter {
 *   readonly name = "MidPrice";
 *   executeOrder(order: Order, ctx: ExecutionContext): Fill {
 *     const notional = Math.abs(order.quantity * ctx.price);
 *     return { ...order, price: ctx.price, notional, fee: 0, ts: ctx.ts ?? new Date() };
 *   }
 * }
 * ```
 */
export interface BrokerAdapter {
  /** Adapter name, e.g. `"SimulatedBroker"`. */
  readonly name: string;
  /** Execute one order; may throw or reject, which the pipeline records as `failed`. */
  executeOrder(order: Order, ctx: ExecutionContext): Fill | Promise<Fill>;
}
