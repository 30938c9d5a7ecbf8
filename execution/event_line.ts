/**
 * The JSONL line encoder of execution events: the wire's key order
 * (`ts, session_id, symbol, mode, kind, payload, seq`), no spaces, `\n`
 * terminated, and never `NaN` or `Infinity` (a non-finite number is written
 * as `null`).
 *
 * @module
 */
import { type ExecutionEvent, formatWireTimestamp, nowEpochMicros } from "./events.ts";

/**
 * Encode an event as one wire line up to, but not including, its `seq` value:
 * `{"ts":…,"session_id":…,…,"payload":{…},"seq":`. The logger appends the
 * sequence number and `}\n` when it writes the line, so `seq` can be assigned
 * in file order.
 *
 * HOT PATH: called once per `emit()`: a single `JSON.stringify` (which
 * already writes non-finite numbers as `null`) of an object built in the
 * fixed key order.
 * A payload that cannot be serialised (a `bigint`, a cycle) throws.
 *
 * @example
 * ```ts
 * import { encodeEventLinePrefix } from "@peak-trade/execution";
 * const prefix = encodeEventLinePrefix({
 *   ts: "2026-11-25T09:30:45.123456+00:00", session_id: "s1", symbol: "BTC-USD",
 *   mode: "paper", kind: "error",
 *   payload: { error: "venue down", code: "ADAPTER_FAILED", stacktrace: null },
 * });
 * console.log(prefix + 7 + "}"); // a complete event with seq 7
 * ```
 */
export function encodeEventLinePrefix(event: ExecutionEvent): string {
  const { ts, symbol, mode, kind, payload } = event;
  // One JSON.stringify of a fresh object literal with the keys in wire order; the
  // closing brace is cut off so the writer can append the seq. The typeof guards
  // keep a caller that bypasses the types from dropping a key (undefined) or
  // changing its type.
  const json = JSON.stringify({
    ts: typeof ts === "string" ? ts : formatWireTimestamp(nowEpochMicros()),
    session_id: event.session_id,
    symbol: typeof symbol === "string" ? symbol : String(symbol ?? ""),
    mode: typeof mode === "string" ? mode : String(mode ?? ""),
    kind: typeof kind === "string" ? kind : String(kind ?? ""),
    payload: payload !== null && typeof payload === "object" ? payload : {},
  });
  return json.slice(0, -1) + ',"seq":';
}

/**
 * Encode an event as one complete wire line with the given `seq`, ending in
 * `\n`.
 *
 * @example
 * ```ts
 * import { encodeEventLine } from "@peak-trade/execution";
 * const line = encodeEventLine({
 *   ts: "2026-11-25T09:30:45.123456+00:00", session_id: "s1", symbol: "BTC-USD",
 *   mode: "paper", kind: "gate",
 *   payload: { gate_name: "PriceSanity", passed: true, code: "PRICE_OK", reason: "ok", modified_qty: null },
 * }, 1);
 * console.log(line.endsWith('"seq":1}\n')); // true
 * ```
 */
export function encodeEventLine(event: ExecutionEvent, seq: number): string {
  return encodeEventLinePrefix(event) + seq + "}\n";
}
