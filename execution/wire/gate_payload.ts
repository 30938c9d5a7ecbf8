/**
 * Reading a gate decision's payload in either shape the wire has seen: this
 * product's `gate_name`/`passed` and the original's 16D fixtures'
 * `gate`/`decision`.
 *
 * @module
 */

function fieldsOf(payload: unknown): Record<string, unknown> {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? payload as Record<string, unknown>
    : {};
}

/** A non-string name shown as compact JSON (never throws). */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return String(value);
  }
}

/**
 * Whether a gate payload passed, in either shape: this product's
 * `passed: boolean` or the 16D fixtures' `decision: "ALLOW" | "BLOCK"`.
 * Anything else (a string `"false"`, a missing field) counts as a block.
 *
 * @example
 * ```ts
 * import { gatePassed } from "@peak-trade/execution";
 * console.log(gatePassed({ gate_name: "LotSize", passed: true })); // true
 * console.log(gatePassed({ gate: "LotSize", decision: "BLOCK" })); // false
 * ```
 */
export function gatePassed(payload: unknown): boolean {
  const fields = fieldsOf(payload);
  if (typeof fields.passed === "boolean") return fields.passed;
  if (typeof fields.decision === "string") {
    const decision = fields.decision.toUpperCase();
    return decision === "ALLOW" || decision === "PASS";
  }
  return false;
}

/**
 * The gate's name in either payload shape (`gate_name` or `gate`), or `""`.
 *
 * @example
 * ```ts
 * import { gateName } from "@peak-trade/execution";
 * console.log(gateName({ gate: "MinNotional", decision: "ALLOW" })); // "MinNotional"
 * ```
 */
export function gateName(payload: unknown): string {
  const fields = fieldsOf(payload);
  const name = fields.gate_name ?? fields.gate;
  return typeof name === "string" ? name : name == null ? "" : compactJson(name);
}
