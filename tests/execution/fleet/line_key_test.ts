import assert from "node:assert/strict";
import {
  compareLineKeys,
  formatLineKey,
  lineSeq,
  nextLineKey,
  parseLineKey,
  START_LINE_KEY,
} from "../../../execution/fleet/line_key.ts";

const encoder = new TextEncoder();

function seqOf(line: string): number | null {
  const bytes = encoder.encode(`xx${line}yy`);
  return lineSeq(bytes, 2, bytes.length - 2);
}

Deno.test("lineSeq reads the seq the writer puts last", () => {
  assert.equal(
    seqOf('{"ts":"2026-11-25T09:30:45.000000+00:00","kind":"fill","seq":123456}'),
    123456,
  );
});

Deno.test("lineSeq reads a seq written with spaces, or not last", () => {
  assert.equal(seqOf('{"kind": "fill", "seq": 7}'), 7);
  assert.equal(seqOf('{"seq": 9, "kind": "fill"}'), 9);
  assert.equal(seqOf('{"kind":"fill","seq":8}\r'), 8);
});

Deno.test("lineSeq gives null for a line without a top-level seq", () => {
  assert.equal(seqOf('{"kind":"fill","payload":{"seq":5}}'), null);
  assert.equal(seqOf('{"kind":"fill"}'), null);
  assert.equal(seqOf("not json"), null);
  assert.equal(seqOf(""), null);
  assert.equal(seqOf('{"kind":"fill","seq":0}'), null, "seq 0 is not a seq");
  assert.equal(seqOf('{"kind":"fill","seq":"5"}'), null);
  assert.equal(seqOf('[{"seq":5}]'), null);
});

Deno.test("lineSeq refuses a seq with a leading zero (not JSON)", () => {
  assert.equal(seqOf('{"kind":"fill","seq":05}'), null);
});

Deno.test("nextLineKey counts lines without a seq after the last seq", () => {
  let key = START_LINE_KEY;
  key = nextLineKey(key, null);
  assert.deepEqual(key, { seq: 0, n: 1 });
  key = nextLineKey(key, 4);
  assert.deepEqual(key, { seq: 4, n: 0 });
  key = nextLineKey(key, null);
  key = nextLineKey(key, null);
  assert.deepEqual(key, { seq: 4, n: 2 });
});

Deno.test("keys order by seq, then by lines after it", () => {
  assert.ok(compareLineKeys({ seq: 4, n: 2 }, { seq: 5, n: 0 }) < 0);
  assert.ok(compareLineKeys({ seq: 5, n: 1 }, { seq: 5, n: 0 }) > 0);
  assert.equal(compareLineKeys({ seq: 5, n: 1 }, { seq: 5, n: 1 }), 0);
});

Deno.test("a key survives formatting and parsing", () => {
  for (const key of [{ seq: 0, n: 0 }, { seq: 17, n: 0 }, { seq: 17, n: 3 }]) {
    assert.deepEqual(parseLineKey(formatLineKey(key)), key);
  }
  assert.equal(formatLineKey({ seq: 12, n: 3 }), "12+3");
});

Deno.test("parseLineKey refuses text that is not a key", () => {
  for (const text of ["", "x", "-1", "1+0", "01", "1+", "1+-2", undefined, null]) {
    assert.equal(parseLineKey(text), null, String(text));
  }
});
