/**
 * Number formatting that matches Python's, for reason strings and reports
 * users of the original compare byte for byte: `repr(float)`, `format(x,
 * ".Nf")` (ties to even on the exact binary value) and `format(x, ",.Nf")`.
 *
 * @module
 */
import { threeDigits } from "./decimal_texts.ts";

/**
 * Python's `repr(float)`: the shortest string that round-trips, in fixed
 * notation when the decimal exponent is in [-4, 16) and in scientific notation
 * (`1e-05`, `1e+16`) otherwise; `nan`, `inf`, `-inf` for non-finite values.
 *
 * @example
 * ```ts
 * import { formatPythonRepr } from "@peak-trade/execution";
 * console.log(formatPythonRepr(10)); // "10.0"
 * console.log(formatPythonRepr(0.00001)); // "1e-05"
 * console.log(formatPythonRepr(-1e16)); // "-1e+16"
 * ```
 */
export function formatPythonRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest round-trip digits.
  const exp = Math.abs(x).toExponential();
  const e = exp.indexOf("e");
  const digits = exp[0] + exp.slice(2, e);
  const exponent = Number(exp.slice(e + 1));
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const magnitude = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intLength = exponent + 1;
  if (digits.length <= intLength) {
    return `${sign}${digits}${"0".repeat(intLength - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
}

/**
 * Python's `format(x, ".Nf")`: fixed notation with `digits` decimals,
 * correctly rounded on the exact binary value with ties to even (where
 * `Number.prototype.toFixed` rounds exact ties away from zero); `nan`, `inf`,
 * `-inf` for non-finite values, and `-0.00` for negative zero.
 *
 * @example
 * ```ts
 * import { formatPythonFixed } from "@peak-trade/execution";
 * console.log(formatPythonFixed(0.125, 2)); // "0.12"
 * console.log(formatPythonFixed(0.4, 6)); // "0.400000"
 * console.log(formatPythonFixed(NaN, 2)); // "nan"
 * ```
 */
export function formatPythonFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new RangeError(`digits must be an integer in [0, 100], got ${digits}`);
  }
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const negative = x < 0 || Object.is(x, -0);
  const magnitude = negative ? -x : x;
  return negative ? `-${fixedMagnitude(magnitude, digits)}` : fixedMagnitude(magnitude, digits);
}

/**
 * Python's `format(x, ",.Nf")`: like {@linkcode formatPythonFixed} with the
 * integer part grouped in thousands by commas.
 *
 * @example
 * ```ts
 * import { formatPythonFixedGrouped } from "@peak-trade/execution";
 * console.log(formatPythonFixedGrouped(100_000, 2)); // "100,000.00"
 * console.log(formatPythonFixedGrouped(-1234.5, 2)); // "-1,234.50"
 * ```
 */
export function formatPythonFixedGrouped(x: number, digits: number): string {
  const plain = formatPythonFixed(x, digits);
  if (!Number.isFinite(x)) return plain;
  const start = plain[0] === "-" ? 1 : 0;
  const dot = plain.indexOf(".");
  const end = dot === -1 ? plain.length : dot;
  let integer = plain.slice(start, end);
  let grouped = "";
  while (integer.length > 3) {
    grouped = `,${integer.slice(-3)}${grouped}`;
    integer = integer.slice(0, -3);
  }
  return `${plain.slice(0, start)}${integer}${grouped}${plain.slice(end)}`;
}

/**
 * Python's `round(x, ndigits)` for floats: the double nearest to `x`
 * correctly rounded to `ndigits` decimals, ties to even on the exact binary
 * value. Non-finite values are returned unchanged.
 *
 * @example
 * ```ts
 * import { roundPythonHalfEven } from "@peak-trade/execution";
 * console.log(roundPythonHalfEven(0.001953125, 8)); // 0.00195312
 * console.log(roundPythonHalfEven(0.30000000000000004, 8)); // 0.3
 * ```
 */
export function roundPythonHalfEven(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  // Doubles of 2^53 and more are integers; rounding to decimals cannot change them.
  if (Math.abs(x) >= 2 ** 53) return x;
  if (Number.isInteger(ndigits) && ndigits >= 0 && ndigits < POWERS_OF_TEN.length) {
    // Fast path: the nearest count of 10^-ndigits units, divided back (both operands exact,
    // one correctly rounded division: the double nearest to the decimal, as Python's is).
    const scale = POWERS_OF_TEN[ndigits];
    const units = nearestUnits(Math.abs(x), scale);
    if (units >= 0) {
      const rounded = units / scale;
      // Keep the sign of zero as Python does (round(-1e-12, 8) is -0.0).
      return x < 0 ? -rounded : rounded;
    }
  }
  const rounded = Number(formatPythonFixed(x, ndigits));
  // Keep the sign of zero as Python does (round(-1e-12, 8) is -0.0).
  return rounded === 0 && x < 0 ? -0 : rounded;
}

/** Exact powers of ten (every one up to 10^22 is a double). */
const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Scaled values below this have a spacing of at most 1/2: their integer part is exact. */
const SCALED_LIMIT = 2 ** 52;

/**
 * `x × scale` (x ≥ 0, scale a power of ten) rounded to the nearest integer,
 * or -1 when that is not certain from the double product: a value too large,
 * or one whose fraction lies so close to one half that the product's own
 * rounding (at most half an ulp, below `scaled × 2^-52`) could decide the
 * tie. Everywhere else the nearest integer of the product is the nearest
 * integer of the exact value.
 */
function nearestUnits(x: number, scale: number): number {
  const scaled = x * scale;
  if (!(scaled < SCALED_LIMIT)) return -1;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (Math.abs(fraction - 0.5) <= scaled * 2 ** -52 + 1e-300) return -1;
  return fraction > 0.5 ? floor + 1 : floor;
}

/**
 * Fixed notation of a non-negative finite double. Fast path: the nearest
 * count of 10^-digits units when no exact tie is possible (see
 * {@linkcode nearestUnits}), written with its decimal point; else the exact
 * expansion.
 */
function fixedMagnitude(x: number, digits: number): string {
  if (digits < POWERS_OF_TEN.length) {
    const units = nearestUnits(x, POWERS_OF_TEN[digits]);
    if (units >= 0) {
      // Money (2 decimals) and quantities (6), the reasons of every execution: the integer
      // part joined to kept fraction texts, one or two strings made instead of five.
      if (units <= 0x7fffffff) {
        if (digits === 2) {
          const whole = (units / 100) | 0;
          return whole + dotTwoDigits(units - whole * 100);
        }
        if (digits === 6) {
          const whole = (units / 1_000_000) | 0;
          const fraction = units - whole * 1_000_000;
          const high = (fraction / 1000) | 0;
          return whole + dotThreeDigits(high) + threeDigits(fraction - high * 1000);
        }
      }
      const text = String(units);
      if (digits === 0) return text;
      const padded = text.length > digits ? text : "0".repeat(digits + 1 - text.length) + text;
      const point = padded.length - digits;
      return `${padded.slice(0, point)}.${padded.slice(point)}`;
    }
  }
  return exactFixed(x, digits);
}

const DOT_TWO_DIGITS: (string | undefined)[] = new Array(100);
const DOT_THREE_DIGITS: (string | undefined)[] = new Array(1000);

/** ".00" to ".99" for 0 to 99, each made the first time it is needed. */
function dotTwoDigits(i: number): string {
  return DOT_TWO_DIGITS[i] ??= i < 10 ? `.0${i}` : `.${i}`;
}

/** ".000" to ".999" for 0 to 999, each made the first time it is needed. */
function dotThreeDigits(i: number): string {
  return DOT_THREE_DIGITS[i] ??= `.${threeDigits(i)}`;
}

/** Exact decimal expansion of a non-negative double, rounded half-even to `digits` decimals. */
function exactFixed(x: number, digits: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  // x = mantissa * 2^exponent; scale to an integer count of 10^-digits units, remainder exact.
  const scale = 10n ** BigInt(digits);
  let numerator = mantissa * scale;
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  let units = numerator / denominator;
  const twiceRemainder = (numerator - units * denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && (units & 1n) === 1n)) {
    units += 1n;
  }
  const text = units.toString().padStart(digits + 1, "0");
  if (digits === 0) return text;
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
