import assert from "node:assert/strict";
import {
  formatPythonFixed,
  formatPythonFixedGrouped,
  formatPythonRepr,
  roundPythonHalfEven,
} from "../../execution/python_format.ts";

// Expected strings below were produced by CPython 3 (repr, format, round) for the same doubles.

Deno.test("formatPythonRepr writes Python's shortest round-trip form in fixed notation", () => {
  const cases: [number, string][] = [
    [0.1, "0.1"],
    [0.0001, "0.0001"],
    [10, "10.0"],
    [123.456, "123.456"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1 / 3, "0.3333333333333333"],
    [1e15, "1000000000000000.0"],
    [2 ** 53, "9007199254740992.0"],
    [1e16 - 2, "9999999999999998.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [-1, "-1.0"],
  ];
  for (const [x, expected] of cases) assert.equal(formatPythonRepr(x), expected, `repr(${x})`);
});

Deno.test("formatPythonRepr switches to exponents below 1e-4 and from 1e16, with two exponent digits", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"],
    [1e-7, "1e-07"],
    [1e16, "1e+16"],
    [-1e16, "-1e+16"],
    [1e22, "1e+22"],
    [1e100, "1e+100"],
    [1.5e300, "1.5e+300"],
    [5e-324, "5e-324"],
    [123456789012345678, "1.2345678901234568e+17"],
  ];
  for (const [x, expected] of cases) assert.equal(formatPythonRepr(x), expected, `repr(${x})`);
});

Deno.test("formatPythonRepr names non-finite values as Python does", () => {
  assert.equal(formatPythonRepr(NaN), "nan");
  assert.equal(formatPythonRepr(Infinity), "inf");
  assert.equal(formatPythonRepr(-Infinity), "-inf");
});

Deno.test("formatPythonFixed rounds exact binary ties to even where toFixed rounds up", () => {
  assert.equal((0.125).toFixed(2), "0.13"); // the JS behaviour this function corrects
  assert.equal(formatPythonFixed(0.125, 2), "0.12");
  assert.equal(formatPythonFixed(0.375, 2), "0.38");
  assert.equal(formatPythonFixed(2.5, 0), "2");
  assert.equal(formatPythonFixed(0.5, 0), "0");
  assert.equal(formatPythonFixed(1.5, 0), "2");
  assert.equal(formatPythonFixed(0.001953125, 8), "0.00195312");
  assert.equal(formatPythonFixed(45000000000000.125, 2), "45000000000000.12");
  assert.equal(formatPythonFixed(1234567.125, 2), "1234567.12");
});

Deno.test("formatPythonFixed rounds non-ties on the exact binary value", () => {
  assert.equal(formatPythonFixed(2.675, 2), "2.67"); // 2.675 is stored just below the tie
  assert.equal(formatPythonFixed(1.005, 2), "1.00");
  assert.equal(formatPythonFixed(9.999, 2), "10.00");
  assert.equal(formatPythonFixed(0.2999999, 6), "0.300000");
  assert.equal(formatPythonFixed(1.0000005, 6), "1.000001");
  assert.equal(formatPythonFixed(0.0000005, 6), "0.000000");
  assert.equal(formatPythonFixed(0.0000015, 6), "0.000002");
  assert.equal(formatPythonFixed(40000, 2), "40000.00");
});

Deno.test("formatPythonFixed keeps the sign of negative zero and small negatives", () => {
  assert.equal(formatPythonFixed(-0, 2), "-0.00");
  assert.equal(formatPythonFixed(-0.001, 2), "-0.00");
  assert.equal(formatPythonFixed(-2.5, 2), "-2.50");
  assert.equal(formatPythonFixed(-0.125, 2), "-0.12");
});

Deno.test("formatPythonFixed writes values from 1e21 in full instead of exponent form", () => {
  assert.equal(formatPythonFixed(1e22, 2), "10000000000000000000000.00");
  assert.equal(formatPythonFixed(1e21, 0), "1000000000000000000000");
});

Deno.test("formatPythonFixed writes nan, inf and -inf for non-finite values", () => {
  assert.equal(formatPythonFixed(NaN, 2), "nan");
  assert.equal(formatPythonFixed(Infinity, 6), "inf");
  assert.equal(formatPythonFixed(-Infinity, 2), "-inf");
});

Deno.test("formatPythonFixed refuses a digit count outside 0..100", () => {
  assert.throws(() => formatPythonFixed(1, -1), RangeError);
  assert.throws(() => formatPythonFixed(1, 1.5), RangeError);
  assert.throws(() => formatPythonFixed(1, 101), RangeError);
});

Deno.test("formatPythonFixed agrees with toFixed on every value that is not an exact tie", () => {
  // Deterministic pseudo-random doubles (xorshift), spread over many magnitudes.
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 20_000; i++) {
    const x = next() * 10 ** Math.floor(next() * 12 - 4);
    for (const digits of [2, 6]) {
      const scaled = x * 10 ** digits;
      if (scaled - Math.floor(scaled) === 0.5) continue;
      assert.equal(formatPythonFixed(x, digits), x.toFixed(digits), `${x} to ${digits}`);
    }
  }
});

Deno.test("formatPythonFixedGrouped separates thousands like Python's ',.2f'", () => {
  assert.equal(formatPythonFixedGrouped(100_000, 2), "100,000.00");
  assert.equal(formatPythonFixedGrouped(40_008, 2), "40,008.00");
  assert.equal(formatPythonFixedGrouped(999, 2), "999.00");
  assert.equal(formatPythonFixedGrouped(1000, 2), "1,000.00");
  assert.equal(formatPythonFixedGrouped(-1234.5, 2), "-1,234.50");
  assert.equal(formatPythonFixedGrouped(1234567.125, 2), "1,234,567.12");
  assert.equal(formatPythonFixedGrouped(1e22, 2), "10,000,000,000,000,000,000,000.00");
  assert.equal(formatPythonFixedGrouped(1234, 0), "1,234");
  assert.equal(formatPythonFixedGrouped(NaN, 2), "nan");
  assert.equal(formatPythonFixedGrouped(-Infinity, 2), "-inf");
});

Deno.test("roundPythonHalfEven matches Python's round(x, 8)", () => {
  assert.equal(roundPythonHalfEven(0.001953125, 8), 0.00195312);
  assert.equal(roundPythonHalfEven(0.30000000000000004, 8), 0.3);
  assert.equal(roundPythonHalfEven(5.999999999999999 * 0.1, 8), 0.6);
  assert.equal(roundPythonHalfEven(1234 * 0.0001, 8), 0.1234);
  assert.ok(Object.is(roundPythonHalfEven(-1e-12, 8), -0));
  assert.equal(roundPythonHalfEven(2 ** 60, 8), 2 ** 60);
  assert.ok(Number.isNaN(roundPythonHalfEven(NaN, 8)));
  assert.equal(roundPythonHalfEven(Infinity, 8), Infinity);
});

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./python_reference.json", import.meta.url)),
) as { formats: string[][] };

Deno.test("formatting matches CPython on 60 random values (python_reference.json)", () => {
  for (const [input, repr, f2, f6, grouped, rounded8] of reference.formats) {
    const x = Number(input);
    assert.equal(formatPythonRepr(x), repr, `repr(${input})`);
    assert.equal(formatPythonFixed(x, 2), f2, `${input}:.2f`);
    assert.equal(formatPythonFixed(x, 6), f6, `${input}:.6f`);
    assert.equal(formatPythonFixedGrouped(x, 2), grouped, `${input}:,.2f`);
    assert.equal(roundPythonHalfEven(x, 8), Number(rounded8), `round(${input}, 8)`);
  }
});

/** Python's `format(x, ".Nf")` by exact rational arithmetic (ties to even), for x ≥ 0. */
function exactReference(x: number, digits: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  let mantissa = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = biased === 0 ? -1074 : biased - 1075;
  let numerator = mantissa * 10n ** BigInt(digits);
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  let units = numerator / denominator;
  const twice = (numerator - units * denominator) * 2n;
  if (twice > denominator || (twice === denominator && (units & 1n) === 1n)) units++;
  const text = units.toString().padStart(digits + 1, "0");
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

Deno.test("formatPythonFixed and roundPythonHalfEven agree with exact arithmetic on random prices, quantities and ties", () => {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 30_000; i++) {
    const digits = i % 9;
    const x = i % 3 === 0
      ? Math.round(next() * 1e9) / 2 ** Math.floor(next() * 12) // exact binary ties
      : i % 3 === 1
      ? Math.round(next() * 1e8) / 10 ** Math.floor(next() * 10) * (1 + 0.0002)
      : next() * 10 ** Math.floor(next() * 18 - 6);
    assert.equal(
      formatPythonFixed(x, digits),
      exactReference(x, digits),
      `format(${x}, .${digits}f)`,
    );
    assert.equal(formatPythonFixed(-x, digits), `-${exactReference(x, digits)}`);
    assert.equal(
      roundPythonHalfEven(x, digits),
      Number(exactReference(x, digits)),
      `round(${x}, ${digits})`,
    );
  }
});

Deno.test("formatPythonFixed writes every 2- and 6-decimal fraction as exact arithmetic does, on both sides of 2^31 units", () => {
  const cases: [number, number][] = [];
  for (let k = 0; k < 20_000; k++) cases.push([k / 100, 2], [k * 0.37 + 0.004, 2]);
  for (let k = 0; k < 2_000_000; k += 97) cases.push([k / 1e6, 6], [k / 1e6 + 1234, 6]);
  // The prepared texts serve up to 2^31 - 1 units; from there the general path takes over.
  for (let k = -50; k < 50; k++) {
    cases.push([(2 ** 31 + k) / 100, 2], [(2 ** 31 + k) / 1e6, 6]);
  }
  for (const [x, digits] of cases) {
    assert.equal(
      formatPythonFixed(x, digits),
      exactReference(x, digits),
      `format(${x}, .${digits}f)`,
    );
  }
});
