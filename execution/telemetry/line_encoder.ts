/**
 * The JSONL line encoder of execution events: the wire's key order
 * (`ts, session_id, symbol, mode, kind, payload, seq`), no spaces, `\n`
 * terminated, and never `NaN` or `Infinity` (a non-finite number is written
 * as `null`). Lines are written as UTF-8 bytes straight into a session's
 * {@linkcode LineBuffer}; the string functions exported from `mod.ts` are
 * built on the same code.
 *
 * @module
 */
import type { ExecutionEvent } from "../events.ts";
import { formatWireTimestamp, nowEpochMicros } from "../wire_time.ts";
import {
  JSON_NUMBER_BOUND,
  JSON_STRING_BYTES_PER_UNIT,
  writeJsonNumber,
  writeJsonString,
  writeUnsigned,
} from "./json_bytes.ts";
import { LineBuffer } from "./line_buffer.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function bytesOf(text: string): Uint8Array {
  return textEncoder.encode(text);
}

const TS_KEY = bytesOf('{"ts":');
const SEQ_KEY = bytesOf(',"seq":');
const CLOSE_AND_SEQ_KEY = bytesOf('},"seq":');
const EMPTY_OBJECT = bytesOf("{}");
const EMPTY_PAYLOAD_AND_SEQ_KEY = bytesOf('{},"seq":');
const TRUE = bytesOf("true");
const FALSE = bytesOf("false");
const NULL = bytesOf("null");
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
/** Fragments up to this many bytes are copied by a loop. */
const SHORT_FRAGMENT = 16;
/** Room for `,"seq":`, 16 digits and `}\n`. */
const SEQ_BOUND = 32;

/** The payload keys the pipeline writes for each kind, in its order (PRODUCT.md). */
const PAYLOAD_KEYS: Readonly<Record<string, readonly string[]>> = {
  intent: ["side", "quantity", "current_price", "strategy_key"],
  gate: ["gate_name", "passed", "code", "reason", "modified_qty"],
  order: ["client_id", "side", "quantity", "order_type", "price", "notional"],
  fill: ["client_id", "side", "filled_quantity", "fill_price", "fill_notional", "fill_fee"],
  error: ["error", "code", "stacktrace"],
};

/**
 * How a kind is written: `"<kind>","payload":`, that followed by `{"<first key>":`
 * (one copy for the usual payload), and `,"key":` of its i-th expected key.
 */
interface KindLayout {
  /** Index of a known kind's layout (its envelope joins are cached by it); -1 for others. */
  readonly id: number;
  readonly kind: Uint8Array;
  readonly kindAndFirstKey: Uint8Array;
  readonly keys: readonly string[];
  readonly keyBytes: readonly Uint8Array[];
  /** Writes a payload with exactly `keys`, in order, by named loads (see `KNOWN_PAYLOAD_WRITERS`). */
  readonly write: KnownPayloadWriter | null;
  /** Room for every key but the first, and each value that is not a string (numbers, `null`, booleans). */
  readonly fixedBytes: number;
}

/**
 * Writes the usual payload of a kind: `first` (the layout's `kindAndFirstKey`,
 * or the envelope joined to it), then the payload to its last value; returns
 * -1 when a value is not a string, number, boolean or null (the general path
 * then writes the payload).
 */
type KnownPayloadWriter = (
  buffer: LineBuffer,
  at: number,
  payload: Record<string, unknown>,
  layout: KindLayout,
  first: Uint8Array,
) => number;

function kindLayout(
  kind: string,
  keys: readonly string[],
  write: KnownPayloadWriter | null,
  id = -1,
): KindLayout {
  const kindBytes = `${JSON.stringify(kind)},"payload":`;
  const kindAndFirstKey = bytesOf(`${kindBytes}{${JSON.stringify(keys[0] ?? "")}:`);
  const keyBytes = keys.map((key) => bytesOf(`,${JSON.stringify(key)}:`));
  return {
    id,
    kind: bytesOf(kindBytes),
    kindAndFirstKey,
    keys,
    keyBytes,
    write,
    fixedBytes: keyBytes.slice(1).reduce((sum, key) => sum + key.length, 0) +
      keys.length * JSON_NUMBER_BOUND,
  };
}

/**
 * One writer per kind, reading each value by name: with the payload objects
 * of one shape (the pipeline's), V8 loads the fields directly, numbers
 * without boxing them, where a keyed loop would not. Each checks the value
 * types it expects first, makes room for the whole payload once, then
 * writes without further checks.
 */
const KNOWN_PAYLOAD_WRITERS: Readonly<Record<string, KnownPayloadWriter>> = {
  intent: (buffer, at, p, l, first) => {
    const { side, quantity, current_price: price, strategy_key: strategy } = p;
    if (
      typeof side !== "string" || !isNumberOrNull(quantity) || !isNumberOrNull(price) ||
      !isStringOrNull(strategy)
    ) {
      return -1;
    }
    at = buffer.room(
      at,
      first.length + l.fixedBytes + stringBound(side) + stringOrNullBound(strategy),
    );
    const b = buffer.bytes;
    at = writeJsonString(b, copy(b, at, first), side);
    at = writeNumberOrNull(b, copy(b, at, l.keyBytes[1]), quantity);
    at = writeNumberOrNull(b, copy(b, at, l.keyBytes[2]), price);
    return writeStringOrNull(b, copy(b, at, l.keyBytes[3]), strategy);
  },
  gate: (buffer, at, p, l, first) => {
    const { gate_name: gate, passed, code, reason, modified_qty: modified } = p;
    if (
      typeof gate !== "string" || typeof passed !== "boolean" || typeof code !== "string" ||
      typeof reason !== "string" || !isNumberOrNull(modified)
    ) {
      return -1;
    }
    at = buffer.room(
      at,
      first.length + l.fixedBytes + stringBound(gate) + stringBound(code) + stringBound(reason),
    );
    const b = buffer.bytes;
    at = writeJsonString(b, copy(b, at, first), gate);
    at = copy(b, copy(b, at, l.keyBytes[1]), passed ? TRUE : FALSE);
    at = writeJsonString(b, copy(b, at, l.keyBytes[2]), code);
    at = writeJsonString(b, copy(b, at, l.keyBytes[3]), reason);
    return writeNumberOrNull(b, copy(b, at, l.keyBytes[4]), modified);
  },
  order: (buffer, at, p, l, first) => {
    const { client_id: clientId, side, quantity, order_type: type, price, notional } = p;
    if (
      typeof clientId !== "string" || typeof side !== "string" || typeof quantity !== "number" ||
      typeof type !== "string" || typeof price !== "number" || typeof notional !== "number"
    ) {
      return -1;
    }
    at = buffer.room(
      at,
      first.length + l.fixedBytes + stringBound(clientId) + stringBound(side) + stringBound(type),
    );
    const b = buffer.bytes;
    at = writeJsonString(b, copy(b, at, first), clientId);
    at = writeJsonString(b, copy(b, at, l.keyBytes[1]), side);
    at = writeJsonNumber(b, copy(b, at, l.keyBytes[2]), quantity);
    at = writeJsonString(b, copy(b, at, l.keyBytes[3]), type);
    at = writeJsonNumber(b, copy(b, at, l.keyBytes[4]), price);
    return writeJsonNumber(b, copy(b, at, l.keyBytes[5]), notional);
  },
  fill: (buffer, at, p, l, first) => {
    const {
      client_id: clientId,
      side,
      filled_quantity: quantity,
      fill_price: price,
      fill_notional: notional,
      fill_fee: fee,
    } = p;
    if (
      typeof clientId !== "string" || typeof side !== "string" || typeof quantity !== "number" ||
      typeof price !== "number" || typeof notional !== "number" || typeof fee !== "number"
    ) {
      return -1;
    }
    at = buffer.room(at, first.length + l.fixedBytes + stringBound(clientId) + stringBound(side));
    const b = buffer.bytes;
    at = writeJsonString(b, copy(b, at, first), clientId);
    at = writeJsonString(b, copy(b, at, l.keyBytes[1]), side);
    at = writeJsonNumber(b, copy(b, at, l.keyBytes[2]), quantity);
    at = writeJsonNumber(b, copy(b, at, l.keyBytes[3]), price);
    at = writeJsonNumber(b, copy(b, at, l.keyBytes[4]), notional);
    return writeJsonNumber(b, copy(b, at, l.keyBytes[5]), fee);
  },
  error: (buffer, at, p, l, first) => {
    const { error, code, stacktrace } = p;
    if (typeof error !== "string" || typeof code !== "string" || !isStringOrNull(stacktrace)) {
      return -1;
    }
    at = buffer.room(
      at,
      first.length + l.fixedBytes + stringBound(error) + stringBound(code) +
        stringOrNullBound(stacktrace),
    );
    const b = buffer.bytes;
    at = writeJsonString(b, copy(b, at, first), error);
    at = writeJsonString(b, copy(b, at, l.keyBytes[1]), code);
    return writeStringOrNull(b, copy(b, at, l.keyBytes[2]), stacktrace);
  },
};

function isNumberOrNull(value: unknown): value is number | null {
  return typeof value === "number" || value === null;
}

function isStringOrNull(value: unknown): value is string | null {
  return typeof value === "string" || value === null;
}

function stringBound(value: string): number {
  return value.length * JSON_STRING_BYTES_PER_UNIT + 2;
}

function stringOrNullBound(value: string | null): number {
  return value === null ? 4 : stringBound(value);
}

function writeNumberOrNull(bytes: Uint8Array, at: number, value: number | null): number {
  return value === null ? copy(bytes, at, NULL) : writeJsonNumber(bytes, at, value);
}

function writeStringOrNull(bytes: Uint8Array, at: number, value: string | null): number {
  return value === null ? copy(bytes, at, NULL) : writeJsonString(bytes, at, value);
}

/** Copy `fragment` to `at` (room made by the caller); returns the end. */
function copy(bytes: Uint8Array, at: number, fragment: Uint8Array): number {
  const length = fragment.length;
  if (length > SHORT_FRAGMENT) {
    bytes.set(fragment, at);
  } else {
    // A loop beats TypedArray#set's call overhead for the short keys.
    for (let i = 0; i < length; i++) bytes[at + i] = fragment[i];
  }
  return at + length;
}

const KIND_LAYOUTS: ReadonlyMap<string, KindLayout> = new Map(
  Object.entries(PAYLOAD_KEYS).map((
    [kind, keys],
    id,
  ) => [kind, kindLayout(kind, keys, KNOWN_PAYLOAD_WRITERS[kind], id)]),
);

/** Whether the payload's own enumerable keys are exactly `keys`, in this order. */
function hasKeys(record: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in record) {
    if (key !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

/** Symbols remembered per cache before it starts over (bounds memory under odd input). */
const MAX_ENVELOPES = 256;

/**
 * The encoded middle of a session's lines for one symbol and mode,
 * `,"session_id":…,"symbol":…,"mode":…,"kind":`, and that joined to each
 * known kind's `"<kind>","payload":{"<first key>":` as it is first needed
 * (one copy instead of two for the usual payload).
 */
export interface Envelope {
  readonly bytes: Uint8Array;
  /** By kind layout id: the envelope joined to that layout's `kindAndFirstKey`. */
  readonly joined: Uint8Array[];
}

/** The envelope joined to `layout`'s kind and first key (made once per envelope and kind). */
function joinedFirst(envelope: Envelope, layout: KindLayout): Uint8Array {
  const known = envelope.joined[layout.id];
  if (known !== undefined) return known;
  const joined = new Uint8Array(envelope.bytes.length + layout.kindAndFirstKey.length);
  joined.set(envelope.bytes);
  joined.set(layout.kindAndFirstKey, envelope.bytes.length);
  envelope.joined[layout.id] = joined;
  return joined;
}

/**
 * The envelopes of a session's lines, remembered per symbol and mode: a
 * session's events repeat a handful of them. Each session queue has its own.
 */
export class EnvelopeCache {
  #session = "";
  #symbol = "";
  #mode = "";
  #last: Envelope | null = null;
  readonly #bySymbol = new Map<string, { mode: string; envelope: Envelope }>();

  /** The envelope for this session, symbol and mode. */
  get(session: string, symbol: string, mode: string): Envelope {
    if (
      this.#last !== null && symbol === this.#symbol && mode === this.#mode &&
      session === this.#session
    ) {
      return this.#last;
    }
    if (session !== this.#session) {
      this.#bySymbol.clear();
      this.#session = session;
    }
    let entry = this.#bySymbol.get(symbol);
    if (entry === undefined || entry.mode !== mode) {
      if (this.#bySymbol.size >= MAX_ENVELOPES) this.#bySymbol.clear();
      entry = {
        mode,
        envelope: {
          bytes: bytesOf(
            `,"session_id":${JSON.stringify(session)},"symbol":${JSON.stringify(symbol)},"mode":${
              JSON.stringify(mode)
            },"kind":`,
          ),
          joined: [],
        },
      };
      this.#bySymbol.set(symbol, entry);
    }
    this.#symbol = symbol;
    this.#mode = mode;
    this.#last = entry.envelope;
    return entry.envelope;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value : String(value ?? "");
}

/** Copy `fragment` to `at`, making room; returns the end. */
function put(buffer: LineBuffer, at: number, fragment: Uint8Array): number {
  at = buffer.room(at, fragment.length);
  return copy(buffer.bytes, at, fragment);
}

function putString(buffer: LineBuffer, at: number, value: string): number {
  at = buffer.room(at, value.length * JSON_STRING_BYTES_PER_UNIT + 2);
  return writeJsonString(buffer.bytes, at, value);
}

/** Text that is JSON already (from `JSON.stringify`), as UTF-8. */
function putRaw(buffer: LineBuffer, at: number, json: string): number {
  at = buffer.room(at, json.length * 3);
  return at + textEncoder.encodeInto(json, buffer.bytes.subarray(at)).written;
}

/**
 * Write an event's line up to and including `,"seq":` at `buffer.end`,
 * without committing it; returns where it ends.
 *
 * The bytes are exactly those of `JSON.stringify` of the event with its keys
 * in wire order (non-finite numbers become `null`, extra payload keys are
 * kept in their order, a payload that is not an object is written `{}`). A
 * payload that cannot be serialised (a `bigint`, a cycle) throws. A `ts` that
 * is not a string is written as the wire timestamp of `micros` (epoch
 * microseconds), or of now when `micros` is NaN.
 *
 * HOT PATH (once per emit()): known keys and the envelope are copied as
 * prepared bytes, strings and numbers written by `json_bytes.ts`; only
 * nested values and unusual payloads go through `JSON.stringify`.
 */
function writeLinePrefix(
  buffer: LineBuffer,
  ts: unknown,
  micros: number,
  session: unknown,
  symbol: unknown,
  mode: unknown,
  kind: unknown,
  payload: unknown,
  envelopes: EnvelopeCache,
): number {
  const envelope = envelopes.get(text(session), text(symbol), text(mode));
  let at: number;
  if (typeof ts === "string") {
    at = buffer.room(buffer.end, TS_KEY.length + stringBound(ts));
    const bytes = buffer.bytes;
    at = writeJsonString(bytes, copy(bytes, at, TS_KEY), ts);
  } else {
    at = buffer.room(buffer.end, TS_KEY.length + WIRE_TIMESTAMP_BYTES);
    const bytes = buffer.bytes;
    at = writeWireTimestamp(
      bytes,
      copy(bytes, at, TS_KEY),
      micros === micros ? micros : nowEpochMicros(),
    );
  }
  return writePayload(buffer, at, payload, layoutOf(kind), envelope);
}

/** The kind of the last line written, and its layout: a session's lines repeat a few kinds. */
let lastKind: unknown = undefined;
let lastLayout: KindLayout | null = null;

function layoutOf(kind: unknown): KindLayout {
  if (kind === lastKind && lastLayout !== null) return lastLayout;
  const kindText = text(kind);
  const layout = KIND_LAYOUTS.get(kindText) ?? kindLayout(kindText, [], null);
  if (typeof kind === "string") {
    lastKind = kind;
    lastLayout = layout;
  }
  return layout;
}

/** Bytes of a quoted wire timestamp. */
const WIRE_TIMESTAMP_BYTES = 34;
const TIMESTAMP_END = bytesOf('+00:00"');
/** The quoted date and time up to the `.` of the second last written (one second's events share it). */
let timestampSecond = Number.NaN;
let timestampPrefix: Uint8Array = new Uint8Array(0);

/**
 * `"<wire timestamp>"` of epoch microseconds, as `formatWireTimestamp`
 * writes it: the date and time are formatted once per second, the six
 * fractional digits written as bytes.
 */
function writeWireTimestamp(bytes: Uint8Array, at: number, micros: number): number {
  const whole = Math.floor(micros);
  const second = Math.floor(whole / 1_000_000);
  if (second !== timestampSecond) {
    const formatted = formatWireTimestamp(second * 1_000_000);
    timestampSecond = second;
    timestampPrefix = bytesOf(`"${formatted.slice(0, formatted.length - 12)}`);
  }
  at = copy(bytes, at, timestampPrefix);
  const fraction = whole - second * 1_000_000;
  // Six digits, zero-padded, written right to left in integer arithmetic.
  let rest = fraction | 0;
  for (let i = 5; i >= 0; i--) {
    const next = (rest / 10) | 0;
    bytes[at + i] = 0x30 + rest - next * 10;
    rest = next;
  }
  return copy(bytes, at + 6, TIMESTAMP_END);
}

/**
 * The envelope (`,"session_id":…,"kind":`), then `"<kind>","payload":` and
 * the payload's JSON, byte for byte what `JSON.stringify` writes for it, then
 * `,"seq":`.
 */
function writePayload(
  buffer: LineBuffer,
  at: number,
  payload: unknown,
  layout: KindLayout,
  envelope: Envelope,
): number {
  if (payload === null || typeof payload !== "object") {
    at = put(buffer, at, envelope.bytes);
    at = put(buffer, at, layout.kind);
    return put(buffer, at, EMPTY_PAYLOAD_AND_SEQ_KEY);
  }
  // Only plain objects without toJSON take the fast path; for-in then visits
  // exactly the own enumerable keys, in JSON.stringify's order.
  if (
    Object.getPrototypeOf(payload) !== Object.prototype ||
    typeof (payload as { toJSON?: unknown }).toJSON === "function"
  ) {
    const json = JSON.stringify(payload);
    at = put(buffer, at, envelope.bytes);
    at = put(buffer, at, layout.kind);
    at = json === undefined ? put(buffer, at, EMPTY_OBJECT) : putRaw(buffer, at, json);
    return put(buffer, at, SEQ_KEY);
  }
  const record = payload as Record<string, unknown>;
  if (layout.write !== null && hasKeys(record, layout.keys)) {
    // The envelope, the kind and the first key in one copy.
    const end = layout.write(buffer, at, record, layout, joinedFirst(envelope, layout));
    if (end >= 0) return put(buffer, end, CLOSE_AND_SEQ_KEY);
  }
  at = put(buffer, at, envelope.bytes);
  const keys = layout.keys;
  let position = 0;
  for (const key in record) {
    const value = record[key];
    const type = typeof value;
    // undefined, functions and symbols: JSON.stringify leaves the key out.
    if (type === "undefined" || type === "function" || type === "symbol") continue;
    // Nested values are rare in payloads: JSON.stringify handles toJSON, cycles, arrays; a
    // bigint throws like JSON.stringify does (the logger counts and drops the event).
    let nested: string | undefined;
    if ((type === "object" && value !== null) || type === "bigint") {
      nested = JSON.stringify(value);
      if (nested === undefined) continue;
    }
    // A key at its expected position reuses its prepared bytes; any other key (an extra, or a
    // payload in another order) is encoded as it comes.
    if (position < keys.length && key === keys[position]) {
      at = put(buffer, at, position === 0 ? layout.kindAndFirstKey : layout.keyBytes[position]);
    } else {
      if (position === 0) at = put(buffer, at, layout.kind);
      at = buffer.room(at, 1);
      buffer.bytes[at++] = position === 0 ? OPEN_BRACE : COMMA;
      at = putString(buffer, at, key);
      at = buffer.room(at, 1);
      buffer.bytes[at++] = COLON;
    }
    position++;
    switch (type) {
      case "string":
        at = putString(buffer, at, value as string);
        break;
      case "number":
        at = buffer.room(at, JSON_NUMBER_BOUND);
        at = writeJsonNumber(buffer.bytes, at, value as number);
        break;
      case "boolean":
        at = put(buffer, at, value ? TRUE : FALSE);
        break;
      default:
        at = nested === undefined ? put(buffer, at, NULL) : putRaw(buffer, at, nested);
    }
  }
  if (position === 0) {
    at = put(buffer, at, layout.kind);
    return put(buffer, at, EMPTY_PAYLOAD_AND_SEQ_KEY);
  }
  return put(buffer, at, CLOSE_AND_SEQ_KEY);
}

/**
 * Write an event's complete line with `seq` at `buffer.end`, without
 * committing it (the caller checks its size first); returns where it ends.
 * Throws what {@linkcode encodeEventLinePrefix} throws.
 */
export function writeEventLine(
  buffer: LineBuffer,
  event: ExecutionEvent,
  seq: number,
  envelopes: EnvelopeCache,
): number {
  const at = writeLinePrefix(
    buffer,
    event.ts,
    Number.NaN,
    event.session_id,
    event.symbol,
    event.mode,
    event.kind,
    event.payload,
    envelopes,
  );
  return writeSeq(buffer, at, seq);
}

/**
 * {@linkcode writeEventLine} of an event given as its fields, its time in
 * epoch microseconds (the pipeline's fast path, see `timed_emit.ts`): the
 * bytes are those of the event with `ts: formatWireTimestamp(micros)`.
 */
export function writeTimedEventLine(
  buffer: LineBuffer,
  micros: number,
  session: string,
  symbol: string,
  mode: string,
  kind: string,
  payload: Record<string, unknown>,
  seq: number,
  envelopes: EnvelopeCache,
): number {
  const at = writeLinePrefix(buffer, null, micros, session, symbol, mode, kind, payload, envelopes);
  return writeSeq(buffer, at, seq);
}

function writeSeq(buffer: LineBuffer, at: number, seq: number): number {
  at = buffer.room(at, SEQ_BOUND);
  const bytes = buffer.bytes;
  at = writeUnsigned(bytes, at, seq);
  bytes[at] = CLOSE_BRACE;
  bytes[at + 1] = NEWLINE;
  return at + 2;
}

/** Scratch space of the string functions below (never committed to). */
const scratch = new LineBuffer();
const scratchEnvelopes = new EnvelopeCache();

/**
 * Encode an event as one wire line up to, but not including, its `seq` value:
 * `{"ts":…,"session_id":…,…,"payload":{…},"seq":`.
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
  const end = writeLinePrefix(
    scratch,
    event.ts,
    Number.NaN,
    event.session_id,
    event.symbol,
    event.mode,
    event.kind,
    event.payload,
    scratchEnvelopes,
  );
  return textDecoder.decode(scratch.bytes.subarray(scratch.end, end));
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
  // The writer's seq is a safe integer; anything else is written as JavaScript prints it.
  if (!Number.isSafeInteger(seq) || seq < 0) return encodeEventLinePrefix(event) + seq + "}\n";
  const end = writeEventLine(scratch, event, seq, scratchEnvelopes);
  return textDecoder.decode(scratch.bytes.subarray(scratch.end, end));
}
