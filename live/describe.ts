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

/** A number field as Python would format it; booleans count as 1/0, absent or null as 0. */
function numberText(value: unknown, format: (x: number) => string): string {
  if (value === undefined || value === null) return format(0);
  if (typeof value === "boolean") return format(value ? 1 : 0);
  if (typeof value === "number") return format(value);
  // Not a number (e.g. the string "1.0"): show it as written rather than inventing a value.
  return compactJson(value);
}

const fixed6 = (x: number): string => formatPythonFixed(x, 6);
const fixed4 = (x: number): string => formatPythonFixed(x, 4);
const money = (x: number): string => formatPythonFixedGrouped(x, 2);

function sideText(value: unknown): string {
  return typeof value === "string" ? value.toUpperCase() : value == null ? "" : String(value);
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
 *
 * @example
 * ```ts
 * import { describeEvent } from "@peak-trade/execution";
 * console.log(describeEvent("intent", { side: "buy", quantity: 1, current_price: 100000 }));
 * // "Intent: BUY 1.000000 @ $100,000.00"
 * console.log(describeEvent("heartbeat", { a: 1 })); // "HEARTBEAT: {"a":1}"
 * ```
 */
export function describeEvent(kind: string, payload: unknown): string {
  const p = fieldsOf(payload);
  switch (kind) {
    case "intent":
      return `Intent: ${sideText(p.side)} ${numberText(p.quantity, fixed6)} @ $${
        numberText(p.current_price, money)
      }`;
    case "order":
      return `Order: ${sideText(p.side)} ${numberText(p.quantity, fixed6)} (${
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
