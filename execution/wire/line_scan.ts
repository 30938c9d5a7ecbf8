/**
 * HOT PATH of the summary: a validating JSON scanner over the bytes of one
 * line that extracts only what a summary needs (kind, ts, symbol, the gate's
 * name and decision, a fill's notional and fee) without decoding the line to
 * a string or building objects. It answers "valid" only when it is sure the
 * line is a JSON object that `JSON.parse` would accept with the same values;
 * anything unusual (non-ASCII bytes, escapes in a captured string, deep
 * nesting, a repeated `payload`) is left to the general decoder.
 *
 * @module
 */

/** What the scanner found in a line; reused between lines to avoid allocation. */
export interface ScannedEvent {
  /** Event kind (`"unknown"` when absent). */
  kind: string;
  /** Epoch microseconds of `ts`, or `NaN` (a number, never null: no boxing on the hot path). */
  tsMicros: number;
  /** `symbol` when it is a string, else `null`. */
  symbol: string | null;
  /** Gate name (`gate_name`, else `gate`), or `null`. */
  gateName: string | null;
  /** `passed` when it is a boolean, else `null`. */
  passed: boolean | null;
  /** `decision` when it is a string, else `null`. */
  decision: string | null;
  /** `fill_notional` when it is a number, else `NaN`. */
  fillNotional: number;
  /** `fill_fee` when it is a number, else `NaN`. */
  fillFee: number;
  /** The payload's `code` (a gate's reason code, an error's code) when it is a string, else `null`. */
  code: string | null;
}

/** The scan's verdict: the line is a valid event (fields filled in), or ask the general decoder. */
export const SCAN_VALID = 1;
/** The scanner is not sure; decode the line the general way. */
export const SCAN_UNSURE = 0;

const MAX_DEPTH = 32;

// Capture targets.
const C_NONE = 0;
const C_TS = 1;
const C_SYMBOL = 2;
const C_KIND = 3;
const C_PAYLOAD = 4;
const C_GATE_NAME = 5;
const C_GATE = 6;
const C_PASSED = 7;
const C_DECISION = 8;
const C_FILL_NOTIONAL = 9;
const C_FILL_FEE = 10;
const C_CODE = 11;

const TOP_KEYS: Array<[string, number]> = [
  ["ts", C_TS],
  ["symbol", C_SYMBOL],
  ["kind", C_KIND],
  ["payload", C_PAYLOAD],
];
const PAYLOAD_KEYS: Array<[string, number]> = [
  ["gate_name", C_GATE_NAME],
  ["gate", C_GATE],
  ["passed", C_PASSED],
  ["decision", C_DECISION],
  ["fill_notional", C_FILL_NOTIONAL],
  ["fill_fee", C_FILL_FEE],
  ["code", C_CODE],
];

/** Keys to capture, grouped by length so a key costs one or two byte comparisons. */
type KeyTable = Array<Array<[Uint8Array, number]> | undefined>;

function keyTable(keys: Array<[string, number]>): KeyTable {
  const table: KeyTable = [];
  for (const [k, c] of keys) {
    const bytes = new TextEncoder().encode(k);
    (table[bytes.length] ??= []).push([bytes, c]);
  }
  return table;
}
const TOP = keyTable(TOP_KEYS);
const PAYLOAD = keyTable(PAYLOAD_KEYS);

// Scanner state (module-level for speed: one scan at a time, synchronously).
let buf: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
let strStart = 0;
let strEnd = 0;
let strEscaped = false;
let out: ScannedEvent;
let gateNameSet = false;
let payloadSeen = false;

/**
 * Recently seen strings (kinds, symbols, gate names), checked byte by byte
 * before anything is allocated: a session repeats a handful of them.
 */
const RECENT_SIZE = 16;
const recent: string[] = [];
let recentNext = 0;

function stringAt(start: number, stop: number): string {
  const length = stop - start;
  for (let r = 0; r < recent.length; r++) {
    const s = recent[r];
    if (s.length !== length) continue;
    let i = 0;
    while (i < length && s.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return s;
  }
  const s = String.fromCharCode.apply(null, buf.subarray(start, stop) as unknown as number[]);
  recent[recentNext] = s;
  recentNext = (recentNext + 1) % RECENT_SIZE;
  return s;
}

function skipWs(): void {
  let p = pos;
  while (p < end) {
    const b = buf[p];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) break;
    p++;
  }
  pos = p;
}

const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;
const SIMPLE_ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;

/** 1 for bytes that may appear unescaped in a string and need no attention (printable ASCII). */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN[b] = b === 0x22 || b === 0x5c ? 0 : 1;

/** Scan a string at `pos` (on its opening quote). false: invalid or non-ASCII. */
function scanString(): boolean {
  // Locals instead of module state in the loop: this loop sees most bytes of a line.
  const b = buf;
  const e = end;
  let p = pos + 1;
  strStart = p;
  strEscaped = false;
  while (true) {
    while (p < e && PLAIN[b[p]] === 1) p++;
    if (p >= e) return false;
    const c = b[p];
    if (c === 0x22) {
      strEnd = p;
      pos = p + 1;
      return true;
    }
    if (c !== 0x5c) return false; // control character or non-ASCII byte
    strEscaped = true;
    const x = b[p + 1];
    if (x === 0x75) {
      if (p + 5 >= e || !HEX[b[p + 2]] || !HEX[b[p + 3]] || !HEX[b[p + 4]] || !HEX[b[p + 5]]) {
        return false;
      }
      p += 6;
    } else {
      if (p + 1 >= e || !SIMPLE_ESCAPES[x]) return false;
      p += 2;
    }
  }
}

function matchLiteral(text: string): boolean {
  if (pos + text.length > end) return false;
  for (let i = 0; i < text.length; i++) {
    if (buf[pos + i] !== text.charCodeAt(i)) return false;
  }
  pos += text.length;
  return true;
}

/** Scan a number (or ±Infinity) at `pos`; false when it is not a JSON number. */
function scanNumber(): boolean {
  const b = buf;
  const e = end;
  const start = pos;
  let p = pos;
  if (b[p] === 0x2d) p++;
  if (b[p] === 0x49) {
    pos = p;
    return matchLiteral("Infinity");
  }
  if (b[p] === 0x30) {
    p++;
  } else if (p < e && b[p] >= 0x30 && b[p] <= 0x39) {
    while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
  } else {
    return false;
  }
  if (p < e && b[p] === 0x2e) {
    p++;
    if (!(p < e && b[p] >= 0x30 && b[p] <= 0x39)) return false;
    while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
  }
  if (p < e && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < e && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    if (!(p < e && b[p] >= 0x30 && b[p] <= 0x39)) return false;
    while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
  }
  pos = p;
  return p > start;
}

/** Powers of ten that are exact doubles (10^0 … 10^22). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The value of an already validated JSON number. Plain decimals with at most
 * 15 significant digits are computed as integer / 10^k, which IEEE division
 * rounds exactly as `Number()` would (both operands are exact doubles); the
 * rest go through `Number()`. Avoids a string per number on the hot path.
 */
function numberValue(start: number, stop: number): number {
  let p = start;
  const negative = buf[p] === 0x2d;
  if (negative) p++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; p < stop; p++) {
    const c = buf[p];
    if (c === 0x2e) {
      fraction = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) break; // exponent or Infinity: take the general path
    mantissa = mantissa * 10 + (c - 0x30);
    if (mantissa !== 0) digits++;
    if (fraction >= 0) fraction++;
  }
  if (p === stop && digits <= 15 && fraction <= 22) {
    const value = fraction > 0 ? mantissa / EXACT_POW10[fraction] : mantissa;
    return negative ? -value : value;
  }
  return Number(String.fromCharCode.apply(null, buf.subarray(start, stop) as unknown as number[]));
}

function keyCapture(table: KeyTable): number {
  const length = strEnd - strStart;
  const candidates = table[length];
  if (candidates === undefined) return C_NONE;
  for (const [key, capture] of candidates) {
    let i = 0;
    while (i < length && buf[strStart + i] === key[i]) i++;
    if (i === length) return capture;
  }
  return C_NONE;
}

/**
 * Scan one value at `pos` and store it if `capture` says so. Returns false
 * when the line must go to the general decoder.
 */
function scanValue(depth: number, capture: number): boolean {
  if (pos >= end) return false;
  const b = buf[pos];
  if (b === 0x22) {
    if (!scanString()) return false;
    if (capture === C_NONE || capture === C_PAYLOAD) return true;
    if (strEscaped) return false;
    storeString(capture);
    return true;
  }
  if (b === 0x7b || b === 0x5b) {
    if (depth >= MAX_DEPTH) return false;
    if (capture === C_PAYLOAD && b === 0x7b) return scanObject(depth + 1, PAYLOAD);
    if (capture !== C_NONE && capture !== C_PAYLOAD) storeOther(capture);
    return b === 0x7b ? scanObject(depth + 1, null) : scanArray(depth + 1);
  }
  if (b === 0x74 || b === 0x66) {
    const value = b === 0x74;
    if (!matchLiteral(value ? "true" : "false")) return false;
    if (capture === C_PASSED) out.passed = value;
    else if (capture !== C_NONE && capture !== C_PAYLOAD) storeOther(capture);
    return true;
  }
  if (b === 0x6e) {
    if (!matchLiteral("null")) return false;
    if (capture !== C_NONE && capture !== C_PAYLOAD) storeOther(capture);
    return true;
  }
  if (b === 0x4e) {
    if (!matchLiteral("NaN")) return false;
    if (capture === C_FILL_NOTIONAL) out.fillNotional = NaN;
    else if (capture === C_FILL_FEE) out.fillFee = NaN;
    else if (capture !== C_NONE && capture !== C_PAYLOAD) storeOther(capture);
    return true;
  }
  const start = pos;
  if (!scanNumber()) return false;
  if (capture === C_FILL_NOTIONAL) out.fillNotional = numberValue(start, pos);
  else if (capture === C_FILL_FEE) out.fillFee = numberValue(start, pos);
  else if (capture !== C_NONE && capture !== C_PAYLOAD) storeOther(capture);
  return true;
}

/** A captured field whose value is a string. */
function storeString(capture: number): void {
  switch (capture) {
    case C_TS:
      out.tsMicros = wireTsMicros(strStart, strEnd);
      if (out.tsMicros !== out.tsMicros) out.tsMicros = tsFallback(strStart, strEnd); // NaN
      return;
    case C_SYMBOL:
      out.symbol = stringAt(strStart, strEnd);
      return;
    case C_KIND:
      out.kind = stringAt(strStart, strEnd);
      return;
    case C_GATE_NAME:
      out.gateName = stringAt(strStart, strEnd);
      gateNameSet = true;
      return;
    case C_GATE:
      if (!gateNameSet) out.gateName = stringAt(strStart, strEnd);
      return;
    case C_DECISION:
      out.decision = stringAt(strStart, strEnd);
      return;
    case C_CODE:
      out.code = stringAt(strStart, strEnd);
      return;
    default:
      storeOther(capture);
  }
}

/** A captured field whose value has a type the summary does not use. */
function storeOther(capture: number): void {
  switch (capture) {
    case C_TS:
      out.tsMicros = NaN;
      return;
    case C_SYMBOL:
      out.symbol = null;
      return;
    case C_KIND:
      // A kind that is not a string makes the line invalid: let the decoder count it.
      out.kind = "\u0000";
      return;
    case C_PASSED:
      out.passed = null;
      return;
    case C_DECISION:
      out.decision = null;
      return;
    case C_CODE:
      out.code = null;
      return;
    case C_FILL_NOTIONAL:
      out.fillNotional = NaN;
      return;
    case C_FILL_FEE:
      out.fillFee = NaN;
      return;
    case C_GATE_NAME:
    case C_GATE:
      // `gate_name ?? gate` with a non-string: rare; the decoder gets it right.
      out.kind = "\u0000";
      return;
  }
}

function scanObject(depth: number, table: KeyTable | null): boolean {
  pos++;
  skipWs();
  if (pos < end && buf[pos] === 0x7d) {
    pos++;
    return true;
  }
  while (true) {
    if (pos >= end || buf[pos] !== 0x22 || !scanString()) return false;
    let capture = C_NONE;
    if (table !== null) {
      if (strEscaped) return false;
      capture = keyCapture(table);
      if (capture === C_PAYLOAD) {
        if (payloadSeen) return false;
        payloadSeen = true;
      }
    }
    skipWs();
    if (pos >= end || buf[pos] !== 0x3a) return false;
    pos++;
    skipWs();
    if (!scanValue(depth, capture)) return false;
    skipWs();
    if (pos >= end) return false;
    const b = buf[pos++];
    if (b === 0x7d) return true;
    if (b !== 0x2c) return false;
    skipWs();
  }
}

function scanArray(depth: number): boolean {
  pos++;
  skipWs();
  if (pos < end && buf[pos] === 0x5d) {
    pos++;
    return true;
  }
  while (true) {
    if (!scanValue(depth, C_NONE)) return false;
    skipWs();
    if (pos >= end) return false;
    const b = buf[pos++];
    if (b === 0x5d) return true;
    if (b !== 0x2c) return false;
    skipWs();
  }
}

// Cache of the day part of the last wire timestamp: events of a session share their date.
let lastDayKey = -1;
let lastDayMicros = 0;

function digits(at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const d = buf[at + i] - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch micros of a wire-form timestamp (`YYYY-MM-DDTHH:MM:SS.ffffff+00:00`), else NaN. */
function wireTsMicros(start: number, stop: number): number {
  if (stop - start !== 32) return NaN;
  const b = buf;
  if (
    b[start + 4] !== 0x2d || b[start + 7] !== 0x2d || b[start + 10] !== 0x54 ||
    b[start + 13] !== 0x3a || b[start + 16] !== 0x3a || b[start + 19] !== 0x2e ||
    b[start + 26] !== 0x2b || b[start + 27] !== 0x30 || b[start + 28] !== 0x30 ||
    b[start + 29] !== 0x3a || b[start + 30] !== 0x30 || b[start + 31] !== 0x30
  ) return NaN;
  const year = digits(start, 4);
  const month = digits(start + 5, 2);
  const day = digits(start + 8, 2);
  const hour = digits(start + 11, 2);
  const minute = digits(start + 14, 2);
  const second = digits(start + 17, 2);
  const micros = digits(start + 20, 6);
  if (
    year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
    minute > 59 || second < 0 || second > 59 || micros < 0
  ) return NaN;
  const dayKey = year * 10000 + month * 100 + day;
  if (dayKey !== lastDayKey) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const maxDay = month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
    if (day > maxDay) return NaN;
    lastDayKey = dayKey;
    lastDayMicros = daysFromCivil(year, month, day) * 86_400_000_000;
  }
  return lastDayMicros + ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros;
}

let tsParser: (text: string) => number | null = () => null;

/** Any other timestamp form: decode and parse it leniently (NaN when it does not parse). */
function tsFallback(start: number, stop: number): number {
  const text = String.fromCharCode.apply(null, buf.subarray(start, stop) as unknown as number[]);
  return tsParser(text) ?? NaN;
}

/**
 * Install the lenient parser used for timestamps that are not in the wire
 * form (set once by the summary module).
 */
export function setTimestampParser(parser: (text: string) => number | null): void {
  tsParser = parser;
}

/** A fresh {@linkcode ScannedEvent}. */
export function newScannedEvent(): ScannedEvent {
  return {
    kind: "unknown",
    tsMicros: NaN,
    symbol: null,
    gateName: null,
    passed: null,
    decision: null,
    fillNotional: NaN,
    fillFee: NaN,
    code: null,
  };
}

/**
 * Scan `bytes[start, stop)` (one line without its `\n`) into `into`. Returns
 * {@linkcode SCAN_VALID} when the line is certainly a valid event object, else
 * {@linkcode SCAN_UNSURE} (decode it the general way).
 */
export function scanEventLine(
  bytes: Uint8Array,
  start: number,
  stop: number,
  into: ScannedEvent,
): number {
  buf = bytes;
  pos = start;
  end = stop;
  out = into;
  into.kind = "unknown";
  into.tsMicros = NaN;
  into.symbol = null;
  into.gateName = null;
  into.passed = null;
  into.decision = null;
  into.fillNotional = NaN;
  into.fillFee = NaN;
  into.code = null;
  gateNameSet = false;
  payloadSeen = false;
  skipWs();
  if (pos >= end || buf[pos] !== 0x7b) return SCAN_UNSURE;
  if (!scanObject(1, TOP)) return SCAN_UNSURE;
  skipWs();
  if (pos !== end) return SCAN_UNSURE;
  if (into.kind === "\u0000") return SCAN_UNSURE;
  return SCAN_VALID;
}
