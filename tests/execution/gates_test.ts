import assert from "node:assert/strict";
import {
  LotSizeGate,
  MinNotionalGate,
  PriceSanityGate,
  ResearchOnlyGate,
} from "../../execution/gates/mod.ts";
import type { ExecutionContext, ExecutionMode, OrderIntent } from "../../execution/types.ts";

function intent(quantity: number, price = 100): OrderIntent {
  return { symbol: "BTC-USD", side: "buy", quantity, price, orderType: "market" };
}

function ctx(
  price = 100,
  mode: ExecutionMode = "paper",
  tags?: Iterable<string>,
): ExecutionContext {
  return { mode, symbol: "BTC-USD", price, tags };
}

// ---- PriceSanity -------------------------------------------------------------------------------

Deno.test("PriceSanity passes any positive finite price, however small", () => {
  const gate = new PriceSanityGate();
  for (const price of [1e-12, 0.01, 100_000, 1e300]) {
    assert.deepEqual(gate.check(intent(1), ctx(price)), {
      gate: "PriceSanity",
      passed: true,
      code: "PRICE_OK",
      reason: "Price valid",
      modifiedQty: null,
    });
  }
});

Deno.test("PriceSanity blocks zero, negative and non-finite prices with the repr of the price", () => {
  const gate = new PriceSanityGate();
  const cases: [number, string][] = [
    [0, "Invalid price: 0.0"],
    [-0, "Invalid price: -0.0"],
    [-1, "Invalid price: -1.0"],
    [-1e16, "Invalid price: -1e+16"],
    [NaN, "Invalid price: nan"],
    [Infinity, "Invalid price: inf"],
    [-Infinity, "Invalid price: -inf"],
  ];
  for (const [price, reason] of cases) {
    const d = gate.check(intent(1), ctx(price));
    assert.equal(d.passed, false, String(price));
    assert.equal(d.code, "PRICE_INVALID");
    assert.equal(d.reason, reason);
  }
});

Deno.test("PriceSanity looks at the context price, not the intent's", () => {
  const gate = new PriceSanityGate();
  assert.equal(gate.check(intent(1, 0), ctx(50)).passed, true);
  assert.equal(gate.check(intent(1, 50), ctx(0)).passed, false);
});

Deno.test("PriceSanity blocks a missing price instead of throwing", () => {
  const gate = new PriceSanityGate();
  const broken = { mode: "paper", symbol: "X" } as unknown as ExecutionContext;
  const d = gate.check(intent(1), broken);
  assert.equal(d.code, "PRICE_INVALID");
  assert.equal(d.reason, "Invalid price: None");
});

// ---- ResearchOnly ------------------------------------------------------------------------------

Deno.test("ResearchOnly allows research code outside live mode, naming the mode", () => {
  const gate = new ResearchOnlyGate();
  for (const mode of ["paper", "backtest"] as const) {
    const d = gate.check(intent(1), ctx(100, mode, ["research_only"]));
    assert.equal(d.passed, true);
    assert.equal(d.code, "RESEARCH_ALLOWED");
    assert.equal(d.reason, `Mode ${mode} allows research code`);
  }
});

Deno.test("ResearchOnly blocks the exact research_only tag in live mode (array, Set or iterable)", () => {
  const gate = new ResearchOnlyGate();
  function* generated(): Generator<string> {
    yield "momentum";
    yield "research_only";
  }
  for (const tags of [["research_only"], new Set(["x", "research_only"]), generated()]) {
    const d = gate.check(intent(1), ctx(100, "live", tags));
    assert.equal(d.passed, false);
    assert.equal(d.code, "RESEARCH_BLOCKED_LIVE");
    assert.equal(d.reason, "Research code blocked in LIVE mode (safety)");
  }
});

Deno.test("ResearchOnly passes live intents without the exact tag (case-sensitive)", () => {
  const gate = new ResearchOnlyGate();
  for (const tags of [undefined, [], ["RESEARCH_ONLY"], ["research-only"], ["research_only "]]) {
    const d = gate.check(intent(1), ctx(100, "live", tags));
    assert.equal(d.passed, true, JSON.stringify(tags));
    assert.equal(d.reason, "No research tags detected");
  }
});

Deno.test("ResearchOnly with blockResearchInLive false passes live research code", () => {
  const gate = new ResearchOnlyGate({ blockResearchInLive: false });
  const d = gate.check(intent(1), ctx(100, "live", ["research_only"]));
  assert.equal(d.passed, true);
  assert.equal(d.reason, "Research blocking disabled");
  assert.equal(gate.blockResearchInLive, false);
  assert.equal(new ResearchOnlyGate().blockResearchInLive, true);
});

// ---- LotSize -----------------------------------------------------------------------------------

Deno.test("LotSize floors to whole lots and hands the rounded quantity over", () => {
  const gate = new LotSizeGate({ lotSize: 0.0001, minQty: 0.0001 });
  const d = gate.check(intent(1.23456789), ctx());
  assert.deepEqual(d, {
    gate: "LotSize",
    passed: true,
    code: "LOT_SIZE_OK",
    reason: "Rounded 1.234568 → 1.234500",
    modifiedQty: 1.2345,
  });
});

Deno.test("LotSize leaves modifiedQty null when the quantity is already on a lot", () => {
  const gate = new LotSizeGate();
  const d = gate.check(intent(0.4), ctx());
  assert.equal(d.reason, "Rounded 0.400000 → 0.400000");
  assert.equal(d.modifiedQty, null);
  // 0.6 / 0.1 is 5.999999999999999: the 1e-9-lot epsilon keeps it at 6 lots.
  const tenth = new LotSizeGate({ lotSize: 0.1, minQty: 0.1 });
  assert.equal(tenth.check(intent(0.6), ctx()).modifiedQty, null);
  assert.equal(tenth.check(intent(0.7), ctx()).modifiedQty, null);
});

Deno.test("LotSize rounds up within 1e-9 lots of a boundary and down beyond it", () => {
  const gate = new LotSizeGate({ lotSize: 0.1, minQty: 0.1 });
  const within = gate.check(intent(0.29999999995), ctx());
  assert.equal(within.modifiedQty, 0.3);
  assert.equal(within.reason, "Rounded 0.300000 → 0.300000");
  const beyond = gate.check(intent(0.2999999), ctx());
  assert.equal(beyond.passed, true);
  assert.equal(beyond.modifiedQty, 0.2);
  assert.equal(beyond.reason, "Rounded 0.300000 → 0.200000");
});

Deno.test("LotSize rounds the floored quantity half-even to 8 decimals like Python's round", () => {
  const gate = new LotSizeGate({ lotSize: 0.01, minQty: 0 });
  // Python: round(floor(2.675 / 0.01 + 1e-9) * 0.01, 8) == 2.67
  assert.equal(gate.check(intent(2.675), ctx()).modifiedQty, 2.67);
  const fine = new LotSizeGate({ lotSize: 0.0001, minQty: 0.0001 });
  assert.equal(fine.check(intent(0.123456789), ctx()).modifiedQty, 0.1234);
  assert.equal(fine.check(intent(0.00015), ctx()).modifiedQty, 0.0001);
});

Deno.test("LotSize passes a quantity exactly at min_qty and blocks just below it", () => {
  const gate = new LotSizeGate({ lotSize: 0.001, minQty: 0.005 });
  assert.equal(gate.check(intent(0.005), ctx()).passed, true);
  assert.equal(gate.check(intent(0.006), ctx()).passed, true);
  const below = gate.check(intent(0.0049), ctx());
  assert.deepEqual(below, {
    gate: "LotSize",
    passed: false,
    code: "QTY_BELOW_MIN",
    reason: "Quantity 0.004000 below min_qty 0.005",
    modifiedQty: 0.004,
  });
});

Deno.test("LotSize blocks a positive quantity that rounds to zero lots", () => {
  const gate = new LotSizeGate({ lotSize: 0.0001, minQty: 0.0001 });
  assert.deepEqual(gate.check(intent(0.00005), ctx()), {
    gate: "LotSize",
    passed: false,
    code: "QTY_ROUNDS_TO_ZERO",
    reason: "Quantity 0.000050 rounds to 0 with lot_size 0.0001",
    modifiedQty: 0,
  });
  // Below 1e-5 the lot size prints in exponent form, as Python's repr does.
  const tiny = new LotSizeGate({ lotSize: 0.00001, minQty: 0 });
  assert.equal(
    tiny.check(intent(0.000001), ctx()).reason,
    "Quantity 0.000001 rounds to 0 with lot_size 1e-05",
  );
});

Deno.test("LotSize checks min_qty before rounds-to-zero", () => {
  // With min_qty above the lot, a quantity of one lot is below min: QTY_BELOW_MIN, not rounding.
  const gate = new LotSizeGate({ lotSize: 0.1, minQty: 0.5 });
  assert.equal(gate.check(intent(0.15), ctx()).code, "QTY_BELOW_MIN");
  assert.equal(gate.check(intent(0.05), ctx()).code, "QTY_ROUNDS_TO_ZERO");
});

Deno.test("LotSize with lot <= 0 does not round and min_qty <= 0 disables the minimum", () => {
  for (const lotSize of [0, -0.1]) {
    const gate = new LotSizeGate({ lotSize, minQty: 0 });
    const d = gate.check(intent(0.123456789), ctx());
    assert.equal(d.passed, true);
    assert.equal(d.modifiedQty, null);
    assert.equal(d.reason, "Rounded 0.123457 → 0.123457");
  }
  const noLotWithMin = new LotSizeGate({ lotSize: 0, minQty: 0.5 });
  assert.equal(noLotWithMin.check(intent(0.4), ctx()).code, "QTY_BELOW_MIN");
});

Deno.test("LotSize passes zero and negative quantities unchanged, as the original did", () => {
  const gate = new LotSizeGate();
  assert.equal(gate.check(intent(0), ctx()).reason, "Rounded 0.000000 → 0.000000");
  const negative = gate.check(intent(-0.5), ctx());
  assert.equal(negative.passed, true);
  assert.equal(negative.reason, "Rounded -0.500000 → -0.500000");
  assert.equal(negative.modifiedQty, null);
  // -0 rounds to 0: equal, but each is written as Python writes it.
  assert.equal(gate.check(intent(-0), ctx()).reason, "Rounded -0.000000 → 0.000000");
});

Deno.test("LotSize blocks a non-finite quantity with INPUT_INVALID instead of throwing", () => {
  const gate = new LotSizeGate();
  for (const [q, shown] of [[NaN, "nan"], [Infinity, "inf"], [-Infinity, "-inf"]] as const) {
    const d = gate.check(intent(q), ctx());
    assert.equal(d.passed, false);
    assert.equal(d.code, "INPUT_INVALID");
    assert.equal(d.reason, `Invalid quantity: ${shown}`);
  }
});

Deno.test("LotSize blocks a quantity whose lot count overflows instead of throwing", () => {
  const gate = new LotSizeGate({ lotSize: 1e-300, minQty: 0 });
  const d = gate.check(intent(1e300), ctx());
  assert.equal(d.passed, false);
  assert.equal(d.code, "INPUT_INVALID");
  assert.match(d.reason, /cannot be rounded to lot_size 1e-300/);
});

Deno.test("LotSize refuses non-finite options at construction", () => {
  assert.throws(() => new LotSizeGate({ lotSize: NaN }), /lotSize must be a finite number/);
  assert.throws(() => new LotSizeGate({ minQty: Infinity }), /minQty must be a finite number/);
  const defaults = new LotSizeGate();
  assert.equal(defaults.lotSize, 0.0001);
  assert.equal(defaults.minQty, 0.0001);
});

// ---- MinNotional -------------------------------------------------------------------------------

Deno.test("MinNotional passes at exactly the minimum and above it", () => {
  const gate = new MinNotionalGate({ minNotional: 10 });
  const at = gate.check(intent(0.1), ctx(100));
  assert.deepEqual(at, {
    gate: "MinNotional",
    passed: true,
    code: "NOTIONAL_OK",
    reason: "Notional $10.00 >= min $10.00",
    modifiedQty: null,
  });
  assert.equal(gate.check(intent(0.4), ctx(100_000)).reason, "Notional $40000.00 >= min $10.00");
});

Deno.test("MinNotional blocks below the minimum, even when the display rounds up to it", () => {
  const gate = new MinNotionalGate();
  const d = gate.check(intent(0.09999), ctx(100));
  assert.equal(d.passed, false);
  assert.equal(d.code, "NOTIONAL_BELOW_MIN");
  assert.equal(d.reason, "Notional $10.00 below min $10.00"); // 9.999 shown with 2 decimals
  assert.equal(gate.check(intent(0.05), ctx(100)).reason, "Notional $5.00 below min $10.00");
});

Deno.test("MinNotional uses the absolute value with a negative price and the context price", () => {
  const gate = new MinNotionalGate({ minNotional: 10 });
  assert.equal(gate.check(intent(1, 1), ctx(-50)).reason, "Notional $50.00 >= min $10.00");
});

Deno.test("MinNotional blocks a non-finite notional that the original let through", () => {
  const gate = new MinNotionalGate();
  const nan = gate.check(intent(1), ctx(NaN));
  assert.equal(nan.passed, false);
  assert.equal(nan.code, "INPUT_INVALID");
  assert.equal(nan.reason, "Notional $nan is not a finite number");
  assert.equal(gate.check(intent(1e200), ctx(1e200)).code, "INPUT_INVALID");
});

Deno.test("MinNotional formats the minimum with two decimals and refuses a non-finite one", () => {
  assert.equal(
    new MinNotionalGate({ minNotional: 0.125 }).check(intent(1), ctx(0.1)).reason,
    "Notional $0.10 below min $0.12",
  );
  assert.throws(
    () => new MinNotionalGate({ minNotional: NaN }),
    /minNotional must be a finite number/,
  );
  assert.equal(new MinNotionalGate().minNotional, 10);
});

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./python_reference.json", import.meta.url)),
) as { lots: [string, string, string, boolean, string, string, string | null][] };

Deno.test("LotSize matches the original's formula on 40 random cases computed by CPython", () => {
  for (const [q, lot, min, passed, code, reason, modified] of reference.lots) {
    const gate = new LotSizeGate({ lotSize: Number(lot), minQty: Number(min) });
    const d = gate.check(intent(Number(q)), ctx());
    const label = `q=${q} lot=${lot} min=${min}`;
    assert.equal(d.passed, passed, label);
    assert.equal(d.code, code, label);
    assert.equal(d.reason, reason, label);
    assert.equal(d.modifiedQty, modified === null ? null : Number(modified), label);
  }
});
