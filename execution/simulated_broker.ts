/**
 * The simulated broker: fills every order completely and at once, at the
 * context price moved by a fixed slippage, with a proportional fee.
 *
 * @module
 */
import type { BrokerAdapter, ExecutionContext, Fill, Order } from "./types.ts";

/**
 * Options of {@linkcode SimulatedBrokerAdapter}.
 *
 * @example
 * ```ts
 * import { SimulatedBrokerAdapter, type SimulatedBrokerAdapterOptions } from "@peak-trade/execution";
 * const options: SimulatedBrokerAdapterOptions = { slippageBps: 5, feeBps: 10 };
 * const broker = new SimulatedBrokerAdapter(options);
 * ```
 */
export interface SimulatedBrokerAdapterOptions {
  /**
   * Slippage in basis points (1/10 000) against the trader: buys fill above
   * the context price, sells below. Negative values are a price improvement.
   * @default {2}
   */
  slippageBps?: number;
  /**
   * Fee in basis points of the slippage-adjusted notional; negative is a rebate.
   * @default {0}
   */
  feeBps?: number;
}

/** One basis point is 1/10 000. */
const BPS_PER_UNIT = 10000.0;

/**
 * A broker adapter that fills every order in full at
 * `ctx.price × (1 ± slippageBps / 10000)`, with
 * `fee = notional × (feeBps / 10000)`, evaluated in the original's order so
 * that fills match it bit for bit. Nothing is rounded.
 *
 * @example
 * ```ts
 * import { SimulatedBrokerAdapter } from "@peak-trade/execution";
 * const broker = new SimulatedBrokerAdapter({ slippageBps: 2, feeBps: 10 });
 * const fill = broker.executeOrder(
 *   { clientId: "exec_BTC-USD_1_a1b2c3", symbol: "BTC-USD", side: "buy", quantity: 0.4, price: 100_000, orderType: "market", notional: 40_000 },
 *   { mode: "paper", symbol: "BTC-USD", price: 100_000 },
 * );
 * console.log(fill.price, fill.notional, fill.fee); // 100020 40008 40.008
 * ```
 */
export class SimulatedBrokerAdapter implements BrokerAdapter {
  /** Adapter name. */
  readonly name = "SimulatedBroker";
  readonly #slippageBps: number;
  readonly #feeBps: number;

  /**
   * Create the adapter; see {@linkcode SimulatedBrokerAdapterOptions}.
   * @throws {RangeError} when an option is not a finite number.
   */
  constructor(options: SimulatedBrokerAdapterOptions = {}) {
    this.#slippageBps = requireFinite(options.slippageBps ?? 2.0, "slippageBps");
    this.#feeBps = requireFinite(options.feeBps ?? 0.0, "feeBps");
  }

  /** Slippage in basis points. */
  get slippageBps(): number {
    return this.#slippageBps;
  }

  /** Fee in basis points. */
  get feeBps(): number {
    return this.#feeBps;
  }

  /** Fill `order` completely at the slipped context price. */
  executeOrder(order: Order, ctx: ExecutionContext): Fill {
    // Keep this evaluation order: it reproduces the original's doubles exactly.
    const m = this.#slippageBps / BPS_PER_UNIT;
    const fillPrice = order.side === "buy" ? ctx.price * (1.0 + m) : ctx.price * (1.0 - m);
    const notional = Math.abs(order.quantity * fillPrice);
    const fee = notional * (this.#feeBps / BPS_PER_UNIT);
    return {
      clientId: order.clientId,
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
      price: fillPrice,
      notional,
      fee,
      ts: ctx.ts ?? new Date(),
    };
  }
}

function requireFinite(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}
