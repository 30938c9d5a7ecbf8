import assert from "node:assert/strict";
import { decodeEventLine } from "../../../execution/wire/line_decoder.ts";

const encoder = new TextEncoder();

Deno.test("garbage lines are invalid by a byte check, without JSON.parse", () => {
  const original = JSON.parse;
  let parses = 0;
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
    parses++;
    return original(...args);
  }) as typeof JSON.parse;
  try {
    for (
      const garbage of ["not json", "[1,2]", "42", '"text"', "{unterminated", "}{", "\uFEFF{}"]
    ) {
      assert.equal(decodeEventLine(encoder.encode(garbage), 0, 10), "invalid", garbage);
    }
    assert.equal(parses, 0);
    assert.equal(typeof decodeEventLine(encoder.encode('  {"kind":"fill"}  '), 0, 20), "object");
    assert.equal(parses, 1);
  } finally {
    JSON.parse = original;
  }
});
