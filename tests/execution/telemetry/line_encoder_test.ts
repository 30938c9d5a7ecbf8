import assert from "node:assert/strict";
import { encodeEventLine } from "../../../execution/telemetry/line_encoder.ts";
import type { ExecutionEvent } from "../../../execution/events.ts";

/** What the fast encoder must write: JSON.stringify of the event with its keys in wire order. */
function reference(event: ExecutionEvent, seq: number): string {
  const { ts, session_id, symbol, mode, kind, payload } = event;
  return JSON.stringify({ ts, session_id, symbol, mode, kind, payload, seq }) + "\n";
}

function event(kind: string, payload: Record<string, unknown>, symbol = "BTC-USD"): ExecutionEvent {
  return {
    ts: "2026-11-25T09:30:45.123456+00:00",
    session_id: "enc-1",
    symbol,
    mode: "paper",
    kind,
    payload,
  } as ExecutionEvent;
}

/** Strings that JSON.stringify escapes or copies in ways a naive encoder gets wrong. */
const HOSTILE = [
  "",
  'say "hi"',
  "back\\slash",
  "tab\tnewline\ncr\rnul\u0000bell\u0007us\u001f del\u007f",
  "line\u2028para\u2029sep",
  "lone high \ud800 and lone low \udc00",
  "pair 😀 ok",
  "Rounded 0.400000 → 0.400000",
  "é ü ß 日本",
  "</script><script>alert(1)</script>",
];

function everyKind(text: string, number: number): ExecutionEvent[] {
  return [
    event("intent", { side: "buy", quantity: number, current_price: number, strategy_key: text }),
    event("gate", {
      gate_name: text,
      passed: false,
      code: text,
      reason: text,
      modified_qty: number,
    }),
    event("order", {
      client_id: text,
      side: "sell",
      quantity: number,
      order_type: "market",
      price: number,
      notional: number,
    }),
    event("fill", {
      client_id: text,
      side: "buy",
      filled_quantity: number,
      fill_price: number,
      fill_notional: number,
      fill_fee: number,
    }),
    event("error", { error: text, code: text, stacktrace: text }),
  ];
}

Deno.test("the encoder writes exactly JSON.stringify's bytes for every kind and hostile strings", () => {
  for (const text of HOSTILE) {
    for (const e of everyKind(text, 0.1 + 0.2)) {
      assert.equal(
        encodeEventLine(e, 7),
        reference(e, 7),
        `${e.kind} with ${JSON.stringify(text)}`,
      );
    }
  }
});

Deno.test("the encoder writes null for NaN and ±Infinity, like JSON.stringify", () => {
  for (const number of [NaN, Infinity, -Infinity]) {
    for (const e of everyKind("x", number)) {
      const line = encodeEventLine(e, 1);
      assert.equal(line, reference(e, 1));
      assert.ok(!/NaN|Infinity/.test(line), line);
    }
  }
});

Deno.test("the encoder matches JSON.stringify for numbers at the edges of their notation", () => {
  for (const number of [0, -0, 1e21, 1e-7, -1.5e-300, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2]) {
    const e = everyKind("x", number)[3];
    assert.equal(encodeEventLine(e, 1), reference(e, 1), String(number));
  }
});

Deno.test("hostile envelope strings are escaped and the envelope cache follows changes", () => {
  for (const symbol of ["BTC-USD", ...HOSTILE, "BTC-USD"]) {
    const e = { ...event("gate", { gate_name: "g", passed: true }, symbol), mode: symbol };
    assert.equal(encodeEventLine(e, 2), reference(e, 2), JSON.stringify(symbol));
  }
  const other = { ...event("fill", {}), session_id: "enc-2" };
  assert.equal(encodeEventLine(other, 3), reference(other, 3));
  const hostileTs = { ...event("fill", {}), ts: 'ts "\u2028' };
  assert.equal(encodeEventLine(hostileTs, 4), reference(hostileTs, 4));
});

Deno.test("extra, missing, reordered and hostile payload keys keep JSON.stringify's order", () => {
  const payloads: Record<string, unknown>[] = [
    { side: "buy", quantity: 1, current_price: 2, strategy_key: null, extra: "x", n: [1, NaN] },
    { quantity: 1, side: "buy" },
    { side: "buy", strategy_key: null },
    { 'we"ird\nkey': 1, "→": 2, "": 3 },
    { b: 1, 2: "two", a: 2, 1: "one" },
    {},
  ];
  for (const payload of payloads) {
    const e = event("intent", payload);
    assert.equal(encodeEventLine(e, 5), reference(e, 5), JSON.stringify(payload));
  }
});

Deno.test("undefined, functions, nested values, dates and toJSON are encoded as JSON.stringify does", () => {
  class Payload {
    error = "boom";
    code = "X";
  }
  const payloads: unknown[] = [
    { error: "e", code: undefined, stacktrace: () => "f", s: Symbol("s"), at: new Date(0) },
    { error: "e", nested: { deep: { x: Infinity, y: "→" } }, list: ["a", null, undefined] },
    { toJSON: () => ({ replaced: true }) },
    new Payload(),
    Object.create({ inherited: "not written" }, { own: { value: 1, enumerable: true } }),
  ];
  for (const payload of payloads) {
    const e = event("error", payload as Record<string, unknown>);
    assert.equal(encodeEventLine(e, 6), reference(e, 6));
  }
});

Deno.test("a bigint in a payload throws like JSON.stringify, so the logger can count it", () => {
  assert.throws(() => encodeEventLine(event("fill", { fill_fee: 1n }), 1), TypeError);
});

Deno.test("timestamps sharing the last one's date and time are still written exactly, hostile or not", () => {
  const base = "2026-11-25T09:30:45.";
  const stamps = [
    `${base}000001+00:00`,
    `${base}000002+00:00`,
    `${base}00"003+00:00`, // same length and prefix, a quote after it
    `${base}0000\\4+00:00`,
    `${base}00000→+00:00`,
    `${base}000005+00:00`,
    "2026-11-25T09:30:46.000000+00:00", // the next second
    `${base}000006+00:00`,
    `${base}000007+00:0`, // one shorter
    "x".repeat(32),
  ];
  for (const ts of stamps) {
    const e = { ...event("fill", { client_id: "c", side: "buy" }), ts };
    assert.equal(encodeEventLine(e, 9), reference(e, 9), ts);
  }
});
