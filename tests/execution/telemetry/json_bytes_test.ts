import assert from "node:assert/strict";
import {
  JSON_NUMBER_BOUND,
  JSON_STRING_BYTES_PER_UNIT,
  writeJsonNumber,
  writeJsonString,
  writeUnsigned,
} from "../../../execution/telemetry/json_bytes.ts";
import { seededRandom } from "../../seeded_random.ts";

const decoder = new TextDecoder();

function numberText(x: number): string {
  const bytes = new Uint8Array(JSON_NUMBER_BOUND);
  return decoder.decode(bytes.subarray(0, writeJsonNumber(bytes, 0, x)));
}

function stringText(text: string): string {
  const bytes = new Uint8Array(text.length * JSON_STRING_BYTES_PER_UNIT + 2);
  return decoder.decode(bytes.subarray(0, writeJsonString(bytes, 0, text)));
}

Deno.test("numbers at the edges of their notation are written as JSON.stringify writes them", () => {
  const edges = [
    0,
    -0,
    1,
    -1,
    0.1,
    0.1 + 0.2,
    1e-6,
    9.999999999999999e-7,
    1e-7,
    5e-324,
    -1.5e-300,
    2 ** 49 - 0.5,
    2 ** 49,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    1e20,
    1e21,
    Number.MAX_VALUE,
    100_020.5,
    100_000 * 1.0002,
    40_008.2,
    4.0008,
    2.5,
    1234567.891,
  ];
  for (const x of edges) assert.equal(numberText(x), JSON.stringify(x), String(x));
});

Deno.test("NaN and the infinities are written as null", () => {
  for (const x of [NaN, Infinity, -Infinity]) assert.equal(numberText(x), "null");
});

Deno.test("random doubles of every shape and their neighbours are written as JSON.stringify writes them", () => {
  const next = seededRandom(11);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const neighbours = new BigUint64Array(bits.buffer);
  for (let i = 0; i < 100_000; i++) {
    let x: number;
    switch (i % 6) {
      case 0: // any magnitude
        x = next() * 10 ** Math.floor(next() * 40 - 15);
        break;
      case 1: // prices and quantities with a few decimals
        x = Math.round(next() * 1e8) / 10 ** Math.floor(next() * 9);
        break;
      case 2: // slipped prices, notionals
        x = Math.round(next() * 1e7) / 100 * (1 + 0.0002) * next();
        break;
      case 3: // up to 15 decimals near the fast path's limit
        x = Math.round(next() * 1e15) / 10 ** Math.floor(next() * 16);
        break;
      case 4: // any bit pattern
        words[0] = next() * 2 ** 32;
        words[1] = next() * 2 ** 32;
        x = bits[0];
        break;
      default:
        x = next() * 2 ** 49 / 10 ** Math.floor(next() * 15);
    }
    for (const value of [x, -x]) {
      bits[0] = value;
      const samples = [value];
      neighbours[0] += 1n;
      samples.push(bits[0]);
      neighbours[0] -= 2n;
      samples.push(bits[0]);
      for (const sample of samples) {
        assert.equal(numberText(sample), JSON.stringify(sample), `${sample} (case ${i % 6})`);
      }
    }
  }
});

Deno.test("unsigned integers are written in decimal, up to 2^53", () => {
  const bytes = new Uint8Array(16);
  for (const v of [0, 7, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1]) {
    assert.equal(decoder.decode(bytes.subarray(0, writeUnsigned(bytes, 0, v))), String(v));
  }
});

Deno.test("strings are escaped exactly where JSON.stringify escapes them, as UTF-8", () => {
  const strings = [
    "",
    "plain ASCII ~ text",
    'say "hi"',
    "back\\slash",
    "tab\tnewline\ncr\rnul\u0000bell\u0007us\u001f del\u007f\b\f",
    "line\u2028para\u2029sep",
    "lone high \ud800 and lone low \udc00",
    "\ud800",
    "a\ud83d",
    "\udc00\ud800",
    "pair 😀 ok",
    "Rounded 0.400000 → 0.400000",
    "é ü ß 日本 ÿ\u0080\u07ff\u0800\uffff",
  ];
  for (const text of strings) assert.equal(stringText(text), JSON.stringify(text), text);
});

Deno.test("random strings of any UTF-16 units are written as JSON.stringify writes them", () => {
  const next = seededRandom(5);
  for (let i = 0; i < 20_000; i++) {
    let text = "";
    const length = Math.floor(next() * 10);
    for (let j = 0; j < length; j++) {
      text += String.fromCharCode(
        next() < 0.5 ? Math.floor(next() * 0x100) : Math.floor(next() * 0x10000),
      );
    }
    assert.equal(stringText(text), JSON.stringify(text), JSON.stringify(text));
  }
});
