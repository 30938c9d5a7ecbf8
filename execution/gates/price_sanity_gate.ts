/**
 * The PriceSanity gate: blocks when the context price is not a positive,
 * finite number.
 *
 * @module
 */
import type { ExecutionContext, Gate, GateDecision, OrderIntent } from "../types.ts";
import { formatPythonRepr } from "../python_format.ts";

/**
 * Blocks an intent when `ctx.price` is zero, negative, NaN or infinite
 * (`PRICE_INVALID`, reason `Invalid price: <repr>`); otherwise passes with
 * `PRICE_OK` and `Price valid`. There is no upper bound.
 *
 * @example
 * ```ts
 * import { PriceSanityGate } from "@peak-trade/execution";
 * const gate = new PriceSanityGate();
 * const intent = { symbol: "BTC-USD", side: "buy" as const, quantity: 1, price: 0, orderType: "market" as const };
 * console.log(gate.check(intent, { mode: "paper", symbol: "BTC-USD", price: 0 }).reason);
 * // "Invalid price: 0.0"
 * ```
 */
export class PriceSanityGate implements Gate {
  /** Gate name used in decisions and block reasons. */
  readonly name = "PriceSanity";

  /** Check `ctx.price` (the intent's price is not looked at, as in the original). */
  check(_intent: OrderIntent, ctx: ExecutionContext): GateDecision {
    const price = ctx.price;
    if (typeof price === "number" && price > 0 && price !== Infinity) {
      return {
        gate: this.name,
        passed: true,
        code: "PRICE_OK",
        reason: "Price valid",
        modifiedQty: null,
      };
    }
    return {
      gate: this.name,
      passed: false,
      code: "PRICE_INVALID",
      reason: `Invalid price: ${describePrice(price)}`,
      modifiedQty: null,
    };
  }
}

/** Python's repr for numbers; `None` for a missing price (what the original would print). */
function describePrice(price: unknown): string {
  if (typeof price === "number") return formatPythonRepr(price);
  if (price === undefined || price === null) return "None";
  return JSON.stringify(String(price));
}
