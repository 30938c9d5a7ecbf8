import assert from "node:assert/strict";
import { ExecutionPipeline } from "../../execution/pipeline.ts";
import {
  LotSizeGate,
  MinNotionalGate,
  PriceSanityGate,
  ResearchOnlyGate,
} from "../../execution/gates/mod.ts";
import { SimulatedBrokerAdapter } from "../../execution/simulated_broker.ts";
import { MemoryEmitter } from "../../execution/emitters.ts";
import {
  type ExecutionEvent,
  type ExecutionEventEmitter,
  ExecutionEventSchema,
} from "../../execution/events.ts";
import { formatWireTimestamp, WIRE_TIMESTAMP_PATTERN } from "../../execution/wire_time.ts";
import type { BrokerAdapter, ExecutionContext, Gate } from "../../execution/types.ts";

function defaultGates(): Gate[] {
  return [new PriceSanityGate(), new ResearchOnlyGate(), new LotSizeGate(), new MinNotionalGate()];
}

function setup(adapter: BrokerAdapter | undefined = new SimulatedBrokerAdapter()) {
  const memory = new MemoryEmitter();
  const pipeline = new ExecutionPipeline({ gates: defaultGates(), adapter, emitter: memory });
  return { memory, pipeline };
}

const ctx: ExecutionContext = {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  sessionId: "s-events",
  strategyKey: "momentum",
};

function kinds(events: ExecutionEvent[]): string[] {
  return events.map((e) => e.kind === "gate" ? `gate:${e.payload.gate_name}` : e.kind);
}

/** Every event the pipeline writes must be valid on the wire (no NaN, right shapes). */
function assertWireValid(events: ExecutionEvent[]): void {
  for (const e of events) {
    const parsed = ExecutionEventSchema.safeParse(e);
    assert.ok(parsed.success, `${e.kind}: ${JSON.stringify(parsed.error?.issues)}`);
    assert.deepEqual(Object.keys(e), [
      "ts",
      "session_id",
      "symbol",
      "mode",
      "kind",
      "payload",
      "seq",
    ]);
    assert.ok(!/NaN|Infinity/.test(JSON.stringify(e)));
  }
}

Deno.test("a filled execution emits intent, one gate per decision, order and fill, in order", async () => {
  const { memory, pipeline } = setup();
  const r = await pipeline.execute(0.5, 0.1, ctx);
  assert.deepEqual(kinds(memory.events), [
    "intent",
    "gate:PriceSanity",
    "gate:ResearchOnly",
    "gate:LotSize",
    "gate:MinNotional",
    "order",
    "fill",
  ]);
  assertWireValid(memory.events);
  const [intent, price, , lot, , order, fill] = memory.events;
  assert.deepEqual(intent.payload, {
    side: "buy",
    quantity: 0.4,
    current_price: 100_000,
    strategy_key: "momentum",
  });
  assert.deepEqual(price.payload, {
    gate_name: "PriceSanity",
    passed: true,
    code: "PRICE_OK",
    reason: "Price valid",
    modified_qty: null,
  });
  assert.equal(lot.payload.reason, "Rounded 0.400000 → 0.400000");
  assert.deepEqual(order.payload, {
    client_id: r.orders[0].clientId,
    side: "buy",
    quantity: 0.4,
    order_type: "market",
    price: 100_000,
    notional: 40_000,
  });
  assert.deepEqual(fill.payload, {
    client_id: r.orders[0].clientId,
    side: "buy",
    filled_quantity: 0.4,
    fill_price: 100_020,
    fill_notional: 40_008,
    fill_fee: 0,
  });
});

Deno.test("every event carries the envelope of the context: session, symbol, mode, wire ts", async () => {
  const { memory, pipeline } = setup();
  const before = formatWireTimestamp(new Date(Date.now() - 1));
  await pipeline.execute(0.5, 0.1, ctx);
  const after = formatWireTimestamp(new Date(Date.now() + 1));
  for (const e of memory.events) {
    assert.equal(e.session_id, "s-events");
    assert.equal(e.symbol, "BTC-USD");
    assert.equal(e.mode, "paper");
    assert.match(e.ts, WIRE_TIMESTAMP_PATTERN);
    assert.ok(e.ts >= before && e.ts <= after, `${e.ts} within [${before}, ${after}]`);
  }
  const stamps = memory.events.map((e) => e.ts);
  assert.deepEqual([...stamps].sort(), stamps, "timestamps never go backwards");
});

Deno.test("events go to session 'default' when the context names none", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(1, 0, { mode: "backtest", symbol: "ETH-USD", price: 3500 });
  assert.ok(memory.events.every((e) => e.session_id === "default" && e.mode === "backtest"));
  assert.equal(memory.events[0].kind === "intent" && memory.events[0].payload.strategy_key, null);
});

Deno.test("a gate block emits the intent and the decisions up to the blocking one, no order", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(0.05 / 100, 0, { ...ctx, price: 100 }); // 0.0005 × 100 = $0.05
  assert.deepEqual(kinds(memory.events), [
    "intent",
    "gate:PriceSanity",
    "gate:ResearchOnly",
    "gate:LotSize",
    "gate:MinNotional",
  ]);
  const last = memory.events.at(-1)!;
  assert.deepEqual(last.payload, {
    gate_name: "MinNotional",
    passed: false,
    code: "NOTIONAL_BELOW_MIN",
    reason: "Notional $0.05 below min $10.00",
    modified_qty: null,
  });
  assertWireValid(memory.events);
});

Deno.test("a LotSize rounding is recorded with its modified_qty, on passes and blocks", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(1.23456789, 0, { ...ctx, price: 3500 });
  const lot = memory.events.find((e) => e.kind === "gate" && e.payload.gate_name === "LotSize")!;
  assert.equal(lot.kind === "gate" && lot.payload.modified_qty, 1.2345);
  const order = memory.events.find((e) => e.kind === "order")!;
  assert.equal(order.kind === "order" && order.payload.quantity, 1.2345);

  const blocked = setup();
  await blocked.pipeline.execute(0.00005, 0, ctx);
  const block = blocked.memory.events.at(-1)!;
  assert.equal(block.kind === "gate" && block.payload.code, "QTY_ROUNDS_TO_ZERO");
  assert.equal(block.kind === "gate" && block.payload.modified_qty, 0);
});

Deno.test("a research block in live mode still records what was asked first", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(1, 0, { ...ctx, mode: "live", tags: ["research_only"] });
  assert.deepEqual(kinds(memory.events), ["intent", "gate:PriceSanity", "gate:ResearchOnly"]);
  assert.ok(memory.events.every((e) => e.mode === "live"));
});

Deno.test("a live plan emits the order but no fill", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(1, 0, { ...ctx, mode: "live" });
  assert.deepEqual(kinds(memory.events).slice(-2), ["gate:MinNotional", "order"]);
});

Deno.test("an adapter failure emits an error event with code and stack after the order", async () => {
  const adapter: BrokerAdapter = {
    name: "Down",
    executeOrder: () => {
      throw new Error("venue down");
    },
  };
  const { memory, pipeline } = setup(adapter);
  await pipeline.execute(1, 0, ctx);
  assert.deepEqual(kinds(memory.events).slice(-2), ["order", "error"]);
  const error = memory.events.at(-1)!;
  assert.equal(error.kind, "error");
  if (error.kind === "error") {
    assert.equal(error.payload.error, "venue down");
    assert.equal(error.payload.code, "ADAPTER_FAILED");
    assert.match(error.payload.stacktrace ?? "", /venue down/);
  }
  const rejected = setup({ name: "Odd", executeOrder: () => Promise.reject("no stack") });
  await rejected.pipeline.execute(1, 0, ctx);
  const e2 = rejected.memory.events.at(-1)!;
  assert.deepEqual(e2.payload, { error: "no stack", code: "ADAPTER_FAILED", stacktrace: null });
  assertWireValid([...memory.events, ...rejected.memory.events]);
});

Deno.test("invalid positions emit the intent with null quantity and an InputValidation gate event", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(NaN, 0.5, ctx);
  assert.deepEqual(kinds(memory.events), ["intent", "gate:InputValidation"]);
  assert.deepEqual(memory.events[0].payload, {
    side: "sell",
    quantity: null,
    current_price: 100_000,
    strategy_key: "momentum",
  });
  assert.deepEqual(memory.events[1].payload, {
    gate_name: "InputValidation",
    passed: false,
    code: "INPUT_INVALID",
    reason: "Invalid target position: nan",
    modified_qty: null,
  });
  assertWireValid(memory.events);
});

Deno.test("a non-finite price is written as null, never as NaN or Infinity", async () => {
  for (const price of [NaN, Infinity, -Infinity]) {
    const { memory, pipeline } = setup();
    await pipeline.execute(1, 0, { ...ctx, price });
    const intent = memory.events[0];
    assert.equal(intent.kind === "intent" && intent.payload.current_price, null);
    assertWireValid(memory.events);
  }
});

Deno.test("a no-op emits nothing", async () => {
  const { memory, pipeline } = setup();
  await pipeline.execute(0.5, 0.5, ctx);
  assert.deepEqual(memory.events, []);
});

Deno.test("an emitter that throws never disturbs execution", async () => {
  let calls = 0;
  const throwing: ExecutionEventEmitter = {
    emit(): void {
      calls++;
      throw new Error("disk on fire");
    },
  };
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
    emitter: throwing,
  });
  const r = await pipeline.execute(0.5, 0.1, ctx);
  assert.equal(r.status, "filled");
  assert.equal(calls, 7);
});

Deno.test("results are identical with and without an emitter", async () => {
  const plain = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  const { pipeline } = setup();
  const ts = new Date(Date.UTC(2026, 10, 25));
  const cases: [number, number, Partial<ExecutionContext>][] = [
    [0.5, 0.1, {}],
    [NaN, 0, {}],
    [1, 0, { price: 0 }],
    [1, 0, { mode: "live" }],
    [0.00005, 0, {}],
  ];
  for (const [target, current, extra] of cases) {
    const a = await plain.execute(target, current, { ...ctx, ts, ...extra });
    const b = await pipeline.execute(target, current, { ...ctx, ts, ...extra });
    const strip = (r: typeof a) => ({
      ...r,
      orders: r.orders.map((o) => ({ ...o, clientId: "" })),
      fills: [],
    });
    assert.deepEqual(strip(a), strip(b));
    assert.equal(a.fills.length, b.fills.length);
  }
});
