/**
 * One-line human descriptions of events, with the original's templates and
 * Python's number formatting.
 *
 * @module
 */
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";
import { gateName, gatePassed } from "../execution/wire/gate_payload.ts";

type Fields = Record<string, unknown>;

function fieldsOf(payload: unknown): Fields {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? payload as Fields
    : {};
}

/**
 * A number field as Python would format it (booleans count as 1/0, as in the
 * original). What is not a number is shown as it is, never as an invented 0:
 * `nan` for null (JSON has no NaN, so writers put null where a number was not
 * finite), `?` when the field is absent, and any other value as compact JSON.
 */
function numberText(value: unknown, format: (x: number) => string): string {
  if (value === undefined) return "?";
  if (value === null) return "nan";
  if (typeof value === "boolean") return format(value ? 1 : 0);
  if (typeof value === "number") return format(value);
  return compactJson(value);
}

const fixed6 = (x: number): string => formatPythonFixed(x, 6);
const fixed4 = (x: number): string => formatPythonFixed(x, 4);
const money = (x: number): string => formatPythonFixedGrouped(x, 2);

/** Whether a quantity is NaN, as written by Python or as the null our writer puts in its place. */
function isNaNQuantity(quantity: unknown): boolean {
  return quantity === null || (typeof quantity === "number" && Number.isNaN(quantity));
}

/**
 * The side of an intent or order, upper-cased as the original did; `-` when
 * the payload has none, or when its quantity is NaN: a NaN delta has no
 * direction, so a side next to it was made up by whoever wrote it.
 */
function sideText(side: unknown, quantity: unknown): string {
  if (isNaNQuantity(quantity) || side === undefined || side === null || side === "") return "-";
  return typeof side === "string" ? side.toUpperCase() : compactJson(side);
}

function plainText(value: unknown, absent: string): string {
  if (value === undefined) return absent;
  if (value === null) return "None";
  return typeof value === "string" ? value : compactJson(value);
}

function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return String(value);
  }
}

/**
 * Describe an event in one line, with the original's templates:
 * `Intent: BUY 1.000000 @ $100,000.00`, `Order: BUY 1.000000 (market)`,
 * `Fill: 1.000000 @ $100,010.00 (fee: $0.0000)`, `Gate [LotSize]: ✅ PASS` or
 * `❌ BLOCK`, `Error: …`; any other kind as `KIND: <compact JSON payload>`.
 * It describes what the payload holds and invents nothing: a quantity that is
 * null (a NaN on the wire) reads `nan`, an absent field `?`, a field that is
 * not a number its JSON, and the side of a NaN quantity `-`
 * (`Intent: - nan @ $100,100.00`).
 *
 * @example
 * ```ts
 * import { describeEvent } from "@peak-trade/execution";
 * console.log(describeEvent("intent", { side: "buy", quantity: 1, current_price: 100000 }));
 * // "Intent: BUY 1.000000 @ $100,000.00"
 * console.log(describeEvent("intent", { side: "sell", quantity: null, current_price: 100100 }));
 * // "Intent: - nan @ $100,100.00"
 * console.log(describeEvent("heartbeat", { a: 1 })); // "HEARTBEAT: {"a":1}"
 * ```
 */
export function describeEvent(kind: string, payload: unknown): string {
  const p = fieldsOf(payload);
  switch (kind) {
    case "intent":
      return `Intent: ${sideText(p.side, p.quantity)} ${numberText(p.quantity, fixed6)} @ $${
        numberText(p.current_price, money)
      }`;
    case "order":
      return `Order: ${sideText(p.side, p.quantity)} ${numberText(p.quantity, fixed6)} (${
        plainText(p.order_type, "market")
      })`;
    case "fill":
      return `Fill: ${numberText(p.filled_quantity, fixed6)} @ $${
        numberText(p.fill_price, money)
      } (fee: $${numberText(p.fill_fee, fixed4)})`;
    case "gate":
      return `Gate [${gateName(payload)}]: ${gatePassed(payload) ? "✅ PASS" : "❌ BLOCK"}`;
    case "error":
      return `Error: ${plainText(p.error, "Unknown error")}`;
    default:
      return `${kind.toUpperCase()}: ${compactJson(payload === undefined ? {} : payload)}`;
  }
}

/**
 * Why a gate decision blocked, as the dashboard and the CLI show it beside
 * the description: `CODE: reason` (or whichever of the two the payload has),
 * or `null` for anything that is not a blocking gate decision.
 *
 * @example
 * ```ts
 * import { describeBlock } from "@peak-trade/execution";
 * console.log(describeBlock("gate", { gate_name: "LotSize", passed: false, code: "QTY_ROUNDS_TO_ZERO", reason: "quantity rounds to zero" }));
 * // "QTY_ROUNDS_TO_ZERO: quantity rounds to zero"
 * console.log(describeBlock("fill", {})); // null
 * ```
 */
export function describeBlock(kind: string, payload: unknown): string | null {
  if (kind !== "gate" || typeof payload !== "object" || payload === null) return null;
  if (gatePassed(payload)) return null;
  const { code, reason } = payload as Record<string, unknown>;
  const text = typeof reason === "string" ? reason.trim() : "";
  const codeText = typeof code === "string" ? code : "";
  if (text === "" && codeText === "") return null;
  return codeText === "" ? text : text === "" ? codeText : `${codeText}: ${text}`;
}
