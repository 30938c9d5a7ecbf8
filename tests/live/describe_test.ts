import assert from "node:assert/strict";
import { describeEvent } from "../../live/describe.ts";
import { gatePassed } from "../../execution/wire/gate_payload.ts";

Deno.test("describeEvent writes intents with .6f quantity and $,.2f price", () => {
  assert.equal(
    describeEvent("intent", { side: "buy", quantity: 1, current_price: 100000 }),
    "Intent: BUY 1.000000 @ $100,000.00",
  );
});

Deno.test("describeEvent writes orders with the order type, None for null, market when absent", () => {
  assert.equal(
    describeEvent("order", { side: "sell", quantity: 0.5, order_type: "limit" }),
    "Order: SELL 0.500000 (limit)",
  );
  assert.equal(
    describeEvent("order", { side: "sell", quantity: 0.5, order_type: null }),
    "Order: SELL 0.500000 (None)",
  );
  assert.equal(
    describeEvent("order", { side: "buy", quantity: 2 }),
    "Order: BUY 2.000000 (market)",
  );
});

Deno.test("describeEvent writes fills with a .4f fee", () => {
  assert.equal(
    describeEvent("fill", { filled_quantity: 0.4, fill_price: 100020, fill_fee: 4.0008 }),
    "Fill: 0.400000 @ $100,020.00 (fee: $4.0008)",
  );
});

Deno.test("describeEvent rounds exact ties to even as Python does", () => {
  assert.equal(
    describeEvent("fill", { filled_quantity: 1, fill_price: 0.125, fill_fee: 0 }),
    "Fill: 1.000000 @ $0.12 (fee: $0.0000)",
  );
});

Deno.test("describeEvent prints nan, inf and a minus after the dollar sign", () => {
  assert.equal(
    describeEvent("intent", { side: "buy", quantity: 2, current_price: Infinity }),
    "Intent: BUY 2.000000 @ $inf",
  );
  assert.equal(
    describeEvent("fill", { filled_quantity: NaN, fill_price: 1, fill_fee: 0 }),
    "Fill: nan @ $1.00 (fee: $0.0000)",
  );
  assert.equal(
    describeEvent("intent", { side: "sell", quantity: 1, current_price: -2.5 }),
    "Intent: SELL 1.000000 @ $-2.50",
  );
});

Deno.test("describeEvent invents no side or quantity for an intent whose quantity is NaN", () => {
  // What the pipeline writes for a target that is not a number: the JSON null of a NaN delta.
  assert.equal(
    describeEvent("intent", { side: "sell", quantity: null, current_price: 100100 }),
    "Intent: - nan @ $100,100.00",
  );
  // A file written by Python, with a bare NaN literal.
  assert.equal(
    describeEvent("intent", { side: "buy", quantity: NaN, current_price: Infinity }),
    "Intent: - nan @ $inf",
  );
  assert.equal(describeEvent("order", { side: "buy", quantity: null }), "Order: - nan (market)");
});

Deno.test("describeEvent marks absent fields instead of defaulting them to zero", () => {
  assert.equal(describeEvent("intent", {}), "Intent: - ? @ $?");
  assert.equal(describeEvent("intent", { side: "", quantity: 1 }), "Intent: - 1.000000 @ $?");
  assert.equal(
    describeEvent("fill", { filled_quantity: 1, fill_price: 2 }),
    "Fill: 1.000000 @ $2.00 (fee: $?)",
  );
  assert.equal(
    describeEvent("fill", { filled_quantity: 1, fill_price: null, fill_fee: 0 }),
    "Fill: 1.000000 @ $nan (fee: $0.0000)",
  );
});

Deno.test("describeEvent reads gates in both payload shapes", () => {
  assert.equal(
    describeEvent("gate", { gate_name: "LotSize", passed: true }),
    "Gate [LotSize]: ✅ PASS",
  );
  assert.equal(
    describeEvent("gate", { gate_name: "LotSize", passed: false }),
    "Gate [LotSize]: ❌ BLOCK",
  );
  assert.equal(
    describeEvent("gate", { gate: "MinNotional", decision: "ALLOW" }),
    "Gate [MinNotional]: ✅ PASS",
  );
  assert.equal(
    describeEvent("gate", { gate: "MinNotional", decision: "BLOCK" }),
    "Gate [MinNotional]: ❌ BLOCK",
  );
});

Deno.test("gatePassed treats anything but passed=true or an ALLOW decision as a block", () => {
  assert.equal(gatePassed({ passed: "false" }), false);
  assert.equal(gatePassed({}), false);
  assert.equal(gatePassed(null), false);
  assert.equal(gatePassed({ decision: "allow" }), true);
});

Deno.test("describeEvent writes errors, with a default when the message is missing", () => {
  assert.equal(describeEvent("error", { error: "venue down" }), "Error: venue down");
  assert.equal(describeEvent("error", {}), "Error: Unknown error");
});

Deno.test("describeEvent writes unknown kinds as KIND: compact JSON payload", () => {
  assert.equal(describeEvent("heartbeat", { a: 1, b: "x" }), 'HEARTBEAT: {"a":1,"b":"x"}');
  assert.equal(describeEvent("foo", [1, 2]), "FOO: [1,2]");
  assert.equal(describeEvent("foo", null), "FOO: null");
});

Deno.test("describeEvent shows a non-numeric quantity as written instead of inventing a number", () => {
  assert.equal(
    describeEvent("order", { side: "buy", quantity: "1.0" }),
    'Order: BUY "1.0" (market)',
  );
  assert.equal(
    describeEvent("order", { side: "buy", quantity: true }),
    "Order: BUY 1.000000 (market)",
  );
});
