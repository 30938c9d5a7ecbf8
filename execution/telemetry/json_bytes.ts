/**
 * JSON values written straight into a byte array as UTF-8, byte for byte
 * what `JSON.stringify` would produce for them: strings (escaped only where
 * they need it), numbers (the shortest round-trip form, as
 * `Number.prototype.toString` writes it) and unsigned integers. The caller
 * makes room first (see the `…_BOUND` constants); each function returns the
 * position after what it wrote.
 *
 * HOT PATH: these run for every field of every logged event. They work on
 * `(bytes, at)` and plain loops so that V8 inlines them into the encoder.
 *
 * @module
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const HEX = "0123456789abcdef";

/** Most bytes one UTF-16 unit of a string can take once escaped (`\u001f`). */
export const JSON_STRING_BYTES_PER_UNIT = 6;
/** Most bytes a number takes (`-2.2250738585072014e-308` is 24). */
export const JSON_NUMBER_BOUND = 32;

/** `null`, for non-finite numbers as `JSON.stringify` writes them. */
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c];

/** Doubles below this are integers exactly; above, `toString` may round the integer part. */
const EXACT_INTEGER_LIMIT = 2 ** 53;
/**
 * The decimal fast path scales a number by 10^k while the product stays
 * below this: there a double's spacing is at most 1/16, so the integer
 * nearest the product is the only k-decimal candidate that can round-trip
 * (see {@linkcode writeJsonNumber}).
 */
const SCALED_LIMIT = 2 ** 49;
/** `toString` writes numbers below this in exponent notation (`1e-7`). */
const FIXED_NOTATION_MIN = 1e-6;
/** Distance from an integer within which a scaled candidate is tested exactly. */
const NEAR_INTEGER = 0.125;
/** Decimals the fast path tries before handing over to `toString`. */
const MAX_FAST_DECIMALS = 15;

/**
 * Write `text` as a JSON string, quotes included. Room needed:
 * `text.length * JSON_STRING_BYTES_PER_UNIT + 2`.
 */
export function writeJsonString(bytes: Uint8Array, at: number, text: string): number {
  bytes[at++] = QUOTE;
  const length = text.length;
  let i = 0;
  // Printable ASCII but `"` and `\`: copied as it is (almost every string the pipeline writes).
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH || c > 0x7e) break;
    bytes[at++] = c;
  }
  if (i < length) at = writeEscapedTail(bytes, at, text, i);
  bytes[at] = QUOTE;
  return at + 1;
}

/** The rest of a string from its first unit that is not plain ASCII. */
function writeEscapedTail(bytes: Uint8Array, at: number, text: string, from: number): number {
  const length = text.length;
  for (let i = from; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
        bytes[at++] = c;
      } else {
        at = writeAsciiEscape(bytes, at, c);
      }
    } else if (c < 0x800) {
      bytes[at++] = 0xc0 | (c >> 6);
      bytes[at++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      bytes[at++] = 0xe0 | (c >> 12);
      bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[at++] = 0x80 | (c & 0x3f);
    } else {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        bytes[at++] = 0xf0 | (point >> 18);
        bytes[at++] = 0x80 | ((point >> 12) & 0x3f);
        bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
        bytes[at++] = 0x80 | (point & 0x3f);
        i++;
      } else {
        // A lone surrogate: JSON.stringify writes it as an escape (well-formed JSON.stringify).
        at = writeUnicodeEscape(bytes, at, c);
      }
    }
  }
  return at;
}

/** `\"`, `\\`, the short escapes of control characters, or `\u00xx`. */
function writeAsciiEscape(bytes: Uint8Array, at: number, c: number): number {
  let short = 0;
  switch (c) {
    case QUOTE:
      short = QUOTE;
      break;
    case BACKSLASH:
      short = BACKSLASH;
      break;
    case 0x08:
      short = 0x62; // b
      break;
    case 0x09:
      short = 0x74; // t
      break;
    case 0x0a:
      short = 0x6e; // n
      break;
    case 0x0c:
      short = 0x66; // f
      break;
    case 0x0d:
      short = 0x72; // r
      break;
    default:
      return writeUnicodeEscape(bytes, at, c);
  }
  bytes[at] = BACKSLASH;
  bytes[at + 1] = short;
  return at + 2;
}

/** `\uxxxx` with lowercase hex digits, as JSON.stringify writes it. */
function writeUnicodeEscape(bytes: Uint8Array, at: number, c: number): number {
  bytes[at] = BACKSLASH;
  bytes[at + 1] = 0x75; // u
  bytes[at + 2] = HEX.charCodeAt((c >> 12) & 0xf);
  bytes[at + 3] = HEX.charCodeAt((c >> 8) & 0xf);
  bytes[at + 4] = HEX.charCodeAt((c >> 4) & 0xf);
  bytes[at + 5] = HEX.charCodeAt(c & 0xf);
  return at + 6;
}

/**
 * Write a number as `JSON.stringify` does: `null` when it is not finite,
 * otherwise `Number.prototype.toString`'s shortest round-trip form. Room
 * needed: {@linkcode JSON_NUMBER_BOUND}.
 *
 * Fast path, without building a string: integers below 2^53 are written
 * digit by digit; other numbers from 1e-6 up are tried with k = 1, 2, …
 * decimals: `m = round(|x| × 10^k)` and, if `m / 10^k === |x|` (both exact
 * operands, one correctly rounded division: the very test of whether the
 * decimal m·10^-k parses back to x), the digits of `m` with a point k from
 * the right. The first such k gives the fewest significant digits, and
 * while |x| × 10^k < 2^49 the nearest integer is the only candidate (the
 * one `toString` picks), so the bytes are `toString`'s. Anything else
 * (more than 15 decimals, exponent notation, larger values) is converted by
 * `toString` and copied.
 */
export function writeJsonNumber(bytes: Uint8Array, at: number, x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) {
    bytes[at] = NULL_BYTES[0];
    bytes[at + 1] = NULL_BYTES[1];
    bytes[at + 2] = NULL_BYTES[2];
    bytes[at + 3] = NULL_BYTES[3];
    return at + 4;
  }
  let v = x;
  if (v < 0) {
    bytes[at++] = MINUS;
    v = -v;
  }
  // -0 is written "0", as toString does.
  if (v < EXACT_INTEGER_LIMIT) {
    if (v === Math.floor(v)) return writeUnsigned(bytes, at, v);
    if (v >= FIXED_NOTATION_MIN) {
      let scale = 1;
      for (let k = 1; k <= MAX_FAST_DECIMALS; k++) {
        scale *= 10; // exact: powers of ten up to 10^22 are doubles
        const scaled = v * scale;
        if (scaled >= SCALED_LIMIT) break;
        const m = Math.round(scaled);
        // A candidate that round-trips lies within 1/16 + 1/32 of `scaled` (see above), so the
        // exact test (a division) runs only for a near-integer product.
        const off = scaled - m;
        if (off < NEAR_INTEGER && off > -NEAR_INTEGER && m / scale === v) {
          return writeDecimal(bytes, at, m, k);
        }
      }
    }
  }
  const text = "" + v;
  for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return at;
}

/** The digits of `m` with a decimal point `decimals` places from the right (`0.0…` below 1). */
function writeDecimal(bytes: Uint8Array, at: number, m: number, decimals: number): number {
  const digits = countDigits(m);
  if (digits <= decimals) {
    bytes[at++] = ZERO;
    bytes[at++] = DOT;
    for (let i = digits; i < decimals; i++) bytes[at++] = ZERO;
    writeDigits(bytes, at + digits, m);
    return at + digits;
  }
  // Filled from the right: the fraction, the point, then the integer part.
  const end = at + digits + 1;
  let p = end;
  let v = m;
  if (v <= 0x7fffffff) {
    let small = v | 0;
    for (let i = 0; i < decimals; i++) {
      const q = (small / 10) | 0;
      bytes[--p] = ZERO + small - q * 10;
      small = q;
    }
    bytes[--p] = DOT;
    writeDigits(bytes, p, small);
    return end;
  }
  for (let i = 0; i < decimals; i++) {
    const q = Math.floor(v / 10);
    bytes[--p] = ZERO + (v - q * 10);
    v = q;
  }
  bytes[--p] = DOT;
  writeDigits(bytes, p, v);
  return end;
}

/** How many decimal digits an integer in [0, 2^53) has. */
function countDigits(v: number): number {
  if (v < 1e8) {
    if (v < 1e4) return v < 100 ? (v < 10 ? 1 : 2) : (v < 1000 ? 3 : 4);
    return v < 1e6 ? (v < 1e5 ? 5 : 6) : (v < 1e7 ? 7 : 8);
  }
  let digits = 9;
  for (let limit = 1e9; v >= limit && digits < 16; limit *= 10) digits++;
  return digits;
}

/** "00" to "99": two digits per division. */
const DIGIT_PAIRS = new TextEncoder().encode(
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""),
);

/**
 * Write a non-negative integer below 2^53 in decimal. Room needed: 16
 * bytes.
 */
export function writeUnsigned(bytes: Uint8Array, at: number, v: number): number {
  if (v < 10) {
    bytes[at] = ZERO + v;
    return at + 1;
  }
  const end = at + countDigits(v);
  writeDigits(bytes, end, v);
  return end;
}

/** The decimal digits of a non-negative integer `v` below 2^53, ending right before `end`. */
function writeDigits(bytes: Uint8Array, end: number, v: number): number {
  let p = end;
  // Above 2^31 the low digits come from double division; below it, integer arithmetic.
  while (v > 0x7fffffff) {
    const q = Math.floor(v / 100);
    const pair = (v - q * 100) * 2;
    bytes[--p] = DIGIT_PAIRS[pair + 1];
    bytes[--p] = DIGIT_PAIRS[pair];
    v = q;
  }
  let small = v | 0;
  while (small >= 100) {
    const q = (small / 100) | 0;
    const pair = (small - q * 100) * 2;
    bytes[--p] = DIGIT_PAIRS[pair + 1];
    bytes[--p] = DIGIT_PAIRS[pair];
    small = q;
  }
  if (small >= 10) {
    bytes[--p] = DIGIT_PAIRS[small * 2 + 1];
    bytes[--p] = DIGIT_PAIRS[small * 2];
  } else {
    bytes[--p] = ZERO + small;
  }
  return p;
}
