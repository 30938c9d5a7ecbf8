/**
 * The LotSize gate: rounds the quantity down to whole lots and blocks
 * quantities that round to zero or fall below the minimum.
 *
 * @module
 */
import type { ExecutionContext, Gate, GateDecision, OrderIntent } from "../types.ts";
import { formatPythonFixed, formatPythonRepr, roundPythonHalfEven } from "../python_format.ts";

/**
 * Options of {@linkcode LotSizeGate}.
 *
 * @example
 * ```ts
 * import { LotSizeGate, type LotSizeGateOptions } from "@peak-trade/execution";
 * const options: LotSizeGateOptions = { lotSize: 0.001, minQty: 0.01 };
 * const gate = new LotSizeGate(options);
 * ```
 */
export interface LotSizeGateOptions {
  /**
   * Lot size in base units; quantities are floored to a multiple of it.
   * Zero or negative disables rounding.
   * @default {0.0001}
   */
  lotSize?: number;
  /**
   * Smallest non-zero quantity allowed after rounding (equality passes).
   * Zero or negative disables the check.
   * @default {0.0001}
   */
  minQty?: number;
}

/**
 * Tolerance in lots added before flooring, so that a quantity within 1e-9 lots
 * below a lot boundary (such as 0.6 / 0.1 = 5.999999999999999) counts as on it.
 */
const LOT_EPSILON = 1e-9;
/** The original rounds the floored quantity to 8 decimals (Python `round(x, 8)`). */
const QUANTITY_DECIMALS = 8;

/**
 * Floors `quantity` to whole lots (`floor(q / lot + 1e-9) × lot`, rounded
 * half-even to 8 decimals), then blocks with `QTY_BELOW_MIN` when the result
 * is positive but below `minQty`, or `QTY_ROUNDS_TO_ZERO` when a positive
 * quantity rounds to 0; passes with `LOT_SIZE_OK` and `modifiedQty` set when
 * the quantity changed. A non-finite quantity blocks with `INPUT_INVALID`.
 *
 * @example
 * ```ts
 * import { LotSizeGate } from "@peak-trade/execution";
 * const gate = new LotSizeGate({ lotSize: 0.1, minQty: 0.1 });
 * const intent = { symbol: "BTC-USD", side: "buy" as const, quantity: 0.2999999, price: 100, orderType: "market" as const };
 * const decision = gate.check(intent, { mode: "paper", symbol: "BTC-USD", price: 100 });
 * console.log(decision.reason, decision.modifiedQty); // "Rounded 0.300000 → 0.200000" 0.2
 * ```
 */
export class LotSizeGate implements Gate {
  /** Gate name used in decisions and block reasons. */
  readonly name = "LotSize";
  readonly #lotSize: number;
  readonly #minQty: number;
  readonly #lotSizeRepr: string;
  readonly #minQtyRepr: string;

  /**
   * Create the gate; see {@linkcode LotSizeGateOptions}.
   * @throws {RangeError} when `lotSize` or `minQty` is not a finite number.
   */
  constructor(options: LotSizeGateOptions = {}) {
    this.#lotSize = requireFinite(options.lotSize ?? 0.0001, "lotSize");
    this.#minQty = requireFinite(options.minQty ?? 0.0001, "minQty");
    this.#lotSizeRepr = formatPythonRepr(this.#lotSize);
    this.#minQtyRepr = formatPythonRepr(this.#minQty);
  }

  /** The lot size in base units. */
  get lotSize(): number {
    return this.#lotSize;
  }

  /** The minimum quantity after rounding. */
  get minQty(): number {
    return this.#minQty;
  }

  /** Round `intent.quantity` to lots and decide; never throws. */
  check(intent: OrderIntent, _ctx: ExecutionContext): GateDecision {
    const q = intent.quantity;
    if (typeof q !== "number" || !Number.isFinite(q)) {
      return this.#block(
        "INPUT_INVALID",
        `Invalid quantity: ${typeof q === "number" ? formatPythonRepr(q) : "None"}`,
        null,
      );
    }
    const lot = this.#lotSize;
    const r = lot > 0
      ? roundPythonHalfEven(Math.floor(q / lot + LOT_EPSILON) * lot, QUANTITY_DECIMALS)
      : q;
    if (!Number.isFinite(r)) {
      // q / lot overflowed: the original raised here (OverflowError).
      return this.#block(
        "INPUT_INVALID",
        `Quantity ${formatPythonFixed(q, 6)} cannot be rounded to lot_size ${this.#lotSizeRepr}`,
        null,
      );
    }
    if (r > 0 && r < this.#minQty) {
      return this.#block(
        "QTY_BELOW_MIN",
        `Quantity ${formatPythonFixed(r, 6)} below min_qty ${this.#minQtyRepr}`,
        r,
      );
    }
    if (r === 0 && q > 0) {
      return this.#block(
        "QTY_ROUNDS_TO_ZERO",
        `Quantity ${formatPythonFixed(q, 6)} rounds to 0 with lot_size ${this.#lotSizeRepr}`,
        0,
      );
    }
    // A quantity already on the lot grid (the usual case) is formatted once (not a zero: -0
    // and 0 are equal but written differently).
    const before = formatPythonFixed(q, 6);
    return {
      gate: this.name,
      passed: true,
      code: "LOT_SIZE_OK",
      reason: `Rounded ${before} → ${r === q && r !== 0 ? before : formatPythonFixed(r, 6)}`,
      modifiedQty: r !== q ? r : null,
    };
  }

  #block(code: string, reason: string, modifiedQty: number | null): GateDecision {
    return { gate: this.name, passed: false, code, reason, modifiedQty };
  }
}

function requireFinite(value: number, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}
