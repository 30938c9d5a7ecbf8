/**
 * The MinNotional gate: blocks orders too small to be worth sending.
 *
 * @module
 */
import type { ExecutionContext, Gate, GateDecision, OrderIntent } from "../types.ts";
import { formatPythonFixed } from "../python_format.ts";

/**
 * Options of {@linkcode MinNotionalGate}.
 *
 * @example
 * ```ts
 * import { MinNotionalGate, type MinNotionalGateOptions } from "@peak-trade/execution";
 * const options: MinNotionalGateOptions = { minNotional: 25 };
 * const gate = new MinNotionalGate(options);
 * ```
 */
export interface MinNotionalGateOptions {
  /**
   * Smallest notional (`|quantity × price|`, quote currency) allowed; equality passes.
   * @default {10}
   */
  minNotional?: number;
}

/**
 * Blocks (`NOTIONAL_BELOW_MIN`) when `|intent.quantity × ctx.price|` is below
 * `minNotional`, using the quantity after LotSize; passes with `NOTIONAL_OK`
 * otherwise. A non-finite notional blocks with `INPUT_INVALID` (the original
 * let NaN through).
 *
 * @example
 * ```ts
 * import { MinNotionalGate } from "@peak-trade/execution";
 * const gate = new MinNotionalGate({ minNotional: 10 });
 * const intent = { symbol: "BTC-USD", side: "buy" as const, quantity: 0.05, price: 100, orderType: "market" as const };
 * console.log(gate.check(intent, { mode: "paper", symbol: "BTC-USD", price: 100 }).reason);
 * // "Notional $5.00 below min $10.00"
 * ```
 */
export class MinNotionalGate implements Gate {
  /** Gate name used in decisions and block reasons. */
  readonly name = "MinNotional";
  readonly #minNotional: number;
  readonly #minText: string;
  /** `" >= min $<minimum>"`: the pass reason after the notional (one join fewer per check). */
  readonly #passTail: string;

  /**
   * Create the gate; see {@linkcode MinNotionalGateOptions}.
   * @throws {RangeError} when `minNotional` is not a finite number.
   */
  constructor(options: MinNotionalGateOptions = {}) {
    const minNotional = options.minNotional ?? 10;
    if (typeof minNotional !== "number" || !Number.isFinite(minNotional)) {
      throw new RangeError(`minNotional must be a finite number, got ${String(minNotional)}`);
    }
    this.#minNotional = minNotional;
    this.#minText = formatPythonFixed(minNotional, 2);
    this.#passTail = ` >= min $${this.#minText}`;
  }

  /** The minimum notional in quote currency. */
  get minNotional(): number {
    return this.#minNotional;
  }

  /** Compare the intent's notional at the context price with the minimum; never throws. */
  check(intent: OrderIntent, ctx: ExecutionContext): GateDecision {
    const notional = Math.abs(intent.quantity * ctx.price);
    if (!Number.isFinite(notional)) {
      return {
        gate: this.name,
        passed: false,
        code: "INPUT_INVALID",
        reason: `Notional $${formatPythonFixed(notional, 2)} is not a finite number`,
        modifiedQty: null,
      };
    }
    if (notional < this.#minNotional) {
      return {
        gate: this.name,
        passed: false,
        code: "NOTIONAL_BELOW_MIN",
        reason: `Notional $${formatPythonFixed(notional, 2)} below min $${this.#minText}`,
        modifiedQty: null,
      };
    }
    return {
      gate: this.name,
      passed: true,
      code: "NOTIONAL_OK",
      reason: `Notional $${formatPythonFixed(notional, 2)}${this.#passTail}`,
      modifiedQty: null,
    };
  }
}
