/**
 * The JSONL line encoder of execution events: the wire's key order
 * (`ts, session_id, symbol, mode, kind, payload, seq`), no spaces, `\n`
 * terminated, and never `NaN` or `Infinity` (a non-finite number is written
 * as `null`).
 *
 * @module
 */
import type { ExecutionEvent } from "../events.ts";
import { EVENT_KINDS } from "../event_kinds.ts";
import { formatWireTimestamp, nowEpochMicros } from "../wire_time.ts";

/**
 * Encode an event as one wire line up to, but not including, its `seq` value:
 * `{"ts":…,"session_id":…,…,"payload":{…},"seq":`. The logger appends the
 * sequence number and `}\n` when it writes the line, so `seq` can be assigned
 * in file order.
 *
 * The bytes are exactly those of `JSON.stringify` of the event with its keys
 * in wire order (non-finite numbers become `null`, extra payload keys are kept
 * in their order). A payload that cannot be serialised (a `bigint`, a cycle)
 * throws.
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
  return encodeLinePrefix(event).line;
}

/**
 * A line prefix from {@linkcode encodeLinePrefix}, and whether it is pure
 * ASCII (then one byte per character in UTF-8; the logger batches such lines
 * into one string before encoding them).
 *
 * @example
 * ```ts ignore
 * const encoded: EncodedLinePrefix = { line: '{"ts":…,"seq":', ascii: true };
 * ```
 */
export interface EncodedLinePrefix {
  /** What {@linkcode encodeEventLinePrefix} returns. */
  line: string;
  /** No character above U+007F. */
  ascii: boolean;
}

/**
 * {@linkcode encodeEventLinePrefix}, also telling whether the line is pure
 * ASCII. Internal: used by the logger, not part of the public API.
 *
 * @example
 * ```ts ignore
 * const { line, ascii } = encodeLinePrefix(event);
 * ```
 */
export function encodeLinePrefix(event: ExecutionEvent): EncodedLinePrefix {
  // HOT PATH (once per emit()): string concatenation in wire order instead of
  // JSON.stringify of a fresh object, which was most of the logger's cost. The
  // typeof guards keep a caller that bypasses the types from dropping a key
  // (undefined) or changing its type.
  lineIsAscii = true;
  const { ts, session_id: sessionId, symbol, mode, kind, payload } = event;
  const sessionText = typeof sessionId === "string" ? sessionId : String(sessionId ?? "");
  const symbolText = typeof symbol === "string" ? symbol : String(symbol ?? "");
  const modeText = typeof mode === "string" ? mode : String(mode ?? "");
  const kindText = typeof kind === "string" ? kind : String(kind ?? "");
  // Events of one session, symbol and mode arrive in runs: reuse the encoded middle.
  if (
    sessionText !== envelopeKey[0] || symbolText !== envelopeKey[1] || modeText !== envelopeKey[2]
  ) {
    envelopeKey = [sessionText, symbolText, modeText];
    envelopeMiddle = `,"session_id":${encodeJsonString(sessionText)},"symbol":${
      encodeJsonString(symbolText)
    },"mode":${encodeJsonString(modeText)},"kind":`;
    envelopeAscii = lineIsAscii;
  }
  const line = '{"ts":' +
    encodeJsonString(typeof ts === "string" ? ts : formatWireTimestamp(nowEpochMicros())) +
    envelopeMiddle + (KIND_FRAGMENTS.get(kindText) ?? encodeJsonString(kindText) + ',"payload":') +
    encodePayload(payload, kindText) + ',"seq":';
  return { line, ascii: lineIsAscii && envelopeAscii };
}

/** The `session_id`, `symbol` and `mode` that `envelopeMiddle` encodes. */
let envelopeKey: [string, string, string] = ["", "", ""];
let envelopeMiddle = ',"session_id":"","symbol":"","mode":"","kind":';
let envelopeAscii = true;
/** Cleared by every encoding step that writes a character above U+007F. */
let lineIsAscii = true;

/** `"<kind>","payload":` of every known kind, encoded once. */
const KIND_FRAGMENTS: ReadonlyMap<string, string> = new Map(
  EVENT_KINDS.map((kind) => [kind, `"${kind}","payload":`]),
);

/**
 * Printable ASCII without `"` and `\`: the characters `JSON.stringify` copies
 * unchanged, so such a string only needs its quotes.
 */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Any character above U+007F. */
const NON_ASCII = /[\u0080-\uffff]/;

function encodeJsonString(text: string): string {
  return PLAIN_JSON_STRING.test(text) ? '"' + text + '"' : stringify(text);
}

/** `JSON.stringify`, noting a non-ASCII result (off the hot path: only for unusual values). */
function stringify(value: unknown): string {
  const json = JSON.stringify(value);
  if (lineIsAscii && NON_ASCII.test(json)) lineIsAscii = false;
  return json;
}

/** The payload keys the pipeline writes for each kind, in its order (PRODUCT.md). */
const PAYLOAD_KEYS: Readonly<Record<string, readonly string[]>> = {
  intent: ["side", "quantity", "current_price", "strategy_key"],
  gate: ["gate_name", "passed", "code", "reason", "modified_qty"],
  order: ["client_id", "side", "quantity", "order_type", "price", "notional"],
  fill: ["client_id", "side", "filled_quantity", "fill_price", "fill_notional", "fill_fee"],
  error: ["error", "code", "stacktrace"],
};

/** For each kind, `{"key":` / `,"key":` of its i-th expected key, encoded once. */
const KEY_FRAGMENTS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(PAYLOAD_KEYS).map((
    [kind, keys],
  ) => [kind, keys.map((key, i) => `${i === 0 ? "{" : ","}"${key}":`)]),
);
const NO_FRAGMENTS: readonly string[] = [];

/** JSON of a payload, byte for byte what `JSON.stringify` writes for it. */
function encodePayload(payload: unknown, kind: string): string {
  if (payload === null || typeof payload !== "object") return "{}";
  // Only plain objects without toJSON take the fast path; for-in then visits
  // exactly the own enumerable keys, in JSON.stringify's order.
  if (
    Object.getPrototypeOf(payload) !== Object.prototype ||
    typeof (payload as { toJSON?: unknown }).toJSON === "function"
  ) {
    return stringify(payload);
  }
  const record = payload as Record<string, unknown>;
  // A key at its expected position reuses its encoded fragment; any other key
  // (an extra, or a payload in another order) is encoded as it comes.
  const fragments = KEY_FRAGMENTS.get(kind) ?? NO_FRAGMENTS;
  let out = "";
  let position = 0;
  for (const key in record) {
    const value = record[key];
    let json: string;
    switch (typeof value) {
      case "string":
        json = encodeJsonString(value);
        break;
      case "number":
        json = Number.isFinite(value) ? "" + value : "null";
        break;
      case "boolean":
        json = value ? "true" : "false";
        break;
      case "object":
        // Nested values are rare in payloads: JSON.stringify handles toJSON, cycles, arrays.
        json = value === null ? "null" : stringify(value);
        break;
      case "bigint":
        // Throws like JSON.stringify does: the logger counts and drops the event.
        json = stringify(value);
        break;
      default:
        // undefined, functions and symbols: JSON.stringify leaves the key out.
        continue;
    }
    const fragment = fragments[position];
    out += fragment !== undefined && key === PAYLOAD_KEYS[kind][position]
      ? fragment + json
      : (position === 0 ? "{" : ",") + encodeJsonString(key) + ":" + json;
    position++;
  }
  return position === 0 ? "{}" : out + "}";
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
