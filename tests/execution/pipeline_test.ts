import assert from "node:assert/strict";
import { ExecutionPipeline } from "../../execution/pipeline.ts";
import {
  LotSizeGate,
  MinNotionalGate,
  PriceSanityGate,
  ResearchOnlyGate,
} from "../../execution/gates/mod.ts";
import { SimulatedBrokerAdapter } from "../../execution/simulated_broker.ts";
import type {
  BrokerAdapter,
  ExecutionContext,
  Fill,
  Gate,
  GateDecision,
  Order,
  OrderIntent,
} from "../../execution/types.ts";

function defaultGates(): Gate[] {
  return [new PriceSanityGate(), new ResearchOnlyGate(), new LotSizeGate(), new MinNotionalGate()];
}

function paper(price = 100_000, extra: Partial<ExecutionContext> = {}): ExecutionContext {
  return { mode: "paper", symbol: "BTC-USD", price, ...extra };
}

/** A gate that records what it saw and answers as told. */
class RecordingGate implements Gate {
  readonly seen: number[] = [];
  constructor(readonly name: string, readonly answer: Partial<GateDecision> = {}) {}
  check(intent: OrderIntent, _ctx: ExecutionContext): GateDecision {
    this.seen.push(intent.quantity);
    return {
      gate: this.name,
      passed: true,
      code: "OK",
      reason: "ok",
      modifiedQty: null,
      ...this.answer,
    };
  }
}

Deno.test("execute fills a paper buy through the default gates and the simulated broker", async () => {
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  const r = await pipeline.execute(0.5, 0.1, paper());
  assert.equal(r.status, "filled");
  assert.equal(r.desiredDelta, 0.5 - 0.1);
  assert.deepEqual(r.gateDecisions.map((d) => [d.gate, d.passed, d.code]), [
    ["PriceSanity", true, "PRICE_OK"],
    ["ResearchOnly", true, "RESEARCH_ALLOWED"],
    ["LotSize", true, "LOT_SIZE_OK"],
    ["MinNotional", true, "NOTIONAL_OK"],
  ]);
  assert.equal(r.orders.length, 1);
  assert.equal(r.orders[0].side, "buy");
  assert.equal(r.orders[0].quantity, 0.4);
  assert.equal(r.orders[0].notional, 40_000);
  assert.equal(r.fills.length, 1);
  assert.equal(r.fills[0].price, 100_020);
  assert.equal(r.fills[0].clientId, r.orders[0].clientId);
  assert.equal(r.blocked, false);
  assert.equal(r.success, true);
  assert.equal(r.blockReason, "");
  assert.equal(r.code, null);
  assert.equal(r.error, null);
  assert.equal(r.totalFilledQty, 0.4);
  assert.equal(r.totalNotional, 40_008);
  assert.equal(r.totalFees, 0);
  assert.ok(r.context.ts instanceof Date, "the context time is filled in");
});

Deno.test("execute sells the absolute delta when the target is below the current position", async () => {
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  const r = await pipeline.execute(0.1, 0.5, paper());
  assert.equal(r.desiredDelta, 0.1 - 0.5);
  assert.equal(r.orders[0].side, "sell");
  assert.equal(r.orders[0].quantity, 0.4);
  assert.equal(r.fills[0].price, 99_980);
});

Deno.test("execute is a no-op without decisions when target equals current (also -0)", async () => {
  const gate = new RecordingGate("Spy");
  const pipeline = new ExecutionPipeline({ gates: [gate], adapter: new SimulatedBrokerAdapter() });
  for (const [target, current] of [[0.5, 0.5], [0, -0], [-0, 0]]) {
    const r = await pipeline.execute(target, current, paper());
    assert.equal(r.status, "noop");
    assert.equal(r.success, true);
    assert.equal(r.blocked, false);
    assert.deepEqual(r.gateDecisions, []);
    assert.deepEqual(r.orders, []);
    assert.equal(r.code, null);
  }
  assert.deepEqual(gate.seen, [], "no gate is asked about a no-op");
});

Deno.test("execute short-circuits at the first block and evaluates no later gate", async () => {
  const after = new RecordingGate("After");
  const pipeline = new ExecutionPipeline({
    gates: [new PriceSanityGate(), new ResearchOnlyGate(), after],
    adapter: new SimulatedBrokerAdapter(),
  });
  const r = await pipeline.execute(
    1,
    0,
    paper(100, { mode: "live", tags: new Set(["research_only"]) }),
  );
  assert.equal(r.status, "blocked");
  assert.equal(r.blocked, true);
  assert.equal(r.success, false);
  assert.equal(r.code, "RESEARCH_BLOCKED_LIVE");
  assert.equal(r.blockReason, "ResearchOnly: Research code blocked in LIVE mode (safety)");
  assert.equal(r.gateDecisions.length, 2);
  // The gates before the block, then the block: no empty slots for the gates never run.
  assert.deepEqual(r.gateDecisions.map((d) => [d.gate, d.passed]), [
    ["PriceSanity", true],
    ["ResearchOnly", false],
  ]);
  assert.deepEqual(r.orders, []);
  assert.deepEqual(r.fills, []);
  assert.deepEqual(after.seen, []);
});

Deno.test("execute hands a gate's modifiedQty to the next gates and the order", async () => {
  const spy = new RecordingGate("Spy");
  const pipeline = new ExecutionPipeline({
    gates: [new LotSizeGate({ lotSize: 0.01, minQty: 0.01 }), spy],
    adapter: new SimulatedBrokerAdapter({ slippageBps: 0 }),
  });
  const r = await pipeline.execute(1.2345, 0, paper(100));
  assert.deepEqual(spy.seen, [1.23]);
  assert.equal(r.orders[0].quantity, 1.23);
  assert.equal(r.orders[0].notional, 123);
  assert.equal(r.fills[0].quantity, 1.23);
});

Deno.test("execute lets MinNotional judge the quantity after LotSize", async () => {
  const pipeline = new ExecutionPipeline({
    gates: [
      new LotSizeGate({ lotSize: 0.1, minQty: 0.1 }),
      new MinNotionalGate({ minNotional: 10 }),
    ],
  });
  // 0.19 rounds to 0.1 lot: 0.1 × 99 = 9.9 < 10, although 0.19 × 99 = 18.81 would pass.
  const r = await pipeline.execute(0.19, 0, paper(99));
  assert.equal(r.code, "NOTIONAL_BELOW_MIN");
  assert.equal(r.blockReason, "MinNotional: Notional $9.90 below min $10.00");
});

Deno.test("execute plans a live order without calling the adapter", async () => {
  let calls = 0;
  const adapter: BrokerAdapter = {
    name: "Counting",
    executeOrder(order: Order, ctx: ExecutionContext): Fill {
      calls++;
      return new SimulatedBrokerAdapter().executeOrder(order, ctx);
    },
  };
  const pipeline = new ExecutionPipeline({ gates: defaultGates(), adapter });
  const r = await pipeline.execute(0.5, 0.1, paper(100_000, { mode: "live" }));
  assert.equal(r.status, "planned");
  assert.equal(r.success, true);
  assert.equal(r.orders.length, 1);
  assert.equal(r.fills.length, 0);
  assert.equal(r.totalFilledQty, 0);
  assert.equal(calls, 0);
  // Backtest mode does call it.
  assert.equal(
    (await pipeline.execute(0.5, 0.1, paper(100_000, { mode: "backtest" }))).status,
    "filled",
  );
  assert.equal(calls, 1);
});

Deno.test("execute plans paper orders when the pipeline has no adapter", async () => {
  const r = await new ExecutionPipeline({ gates: defaultGates() }).execute(1, 0, paper(100));
  assert.equal(r.status, "planned");
  assert.equal(r.orders.length, 1);
});

Deno.test("execute records an adapter throw as failed, keeping the order, never rejecting", async () => {
  const adapter: BrokerAdapter = {
    name: "Down",
    executeOrder(): Fill {
      throw new Error("venue down");
    },
  };
  const r = await new ExecutionPipeline({ gates: defaultGates(), adapter }).execute(
    1,
    0,
    paper(100),
  );
  assert.equal(r.status, "failed");
  assert.equal(r.blocked, true);
  assert.equal(r.success, false);
  assert.equal(r.code, "ADAPTER_FAILED");
  assert.equal(r.error, "venue down");
  assert.equal(r.blockReason, "Execution failed: venue down");
  assert.equal(r.orders.length, 1);
  assert.deepEqual(r.fills, []);
});

Deno.test("execute records an adapter rejection and a non-Error throw as failed", async () => {
  const rejecting: BrokerAdapter = {
    name: "Rejecting",
    executeOrder: () => Promise.reject(new Error("timeout after 5s")),
  };
  const r1 = await new ExecutionPipeline({ gates: [], adapter: rejecting }).execute(
    1,
    0,
    paper(100),
  );
  assert.equal(r1.status, "failed");
  assert.equal(r1.blockReason, "Execution failed: timeout after 5s");
  const throwingString: BrokerAdapter = {
    name: "Odd",
    executeOrder: () => {
      throw "plain string";
    },
  };
  const r2 = await new ExecutionPipeline({ gates: [], adapter: throwingString }).execute(
    1,
    0,
    paper(100),
  );
  assert.equal(r2.error, "plain string");
});

Deno.test("execute awaits an asynchronous adapter's fill", async () => {
  const adapter: BrokerAdapter = {
    name: "Async",
    executeOrder: (order, ctx) =>
      Promise.resolve(new SimulatedBrokerAdapter().executeOrder(order, ctx)),
  };
  const r = await new ExecutionPipeline({ gates: defaultGates(), adapter }).execute(
    1,
    0,
    paper(100),
  );
  assert.equal(r.status, "filled");
  assert.equal(r.totalNotional, 100.02);
});

Deno.test("execute treats a fill with non-finite numbers as an adapter failure", async () => {
  const adapter: BrokerAdapter = {
    name: "Broken",
    executeOrder: (order, ctx) => ({
      ...new SimulatedBrokerAdapter().executeOrder(order, ctx),
      price: NaN,
    }),
  };
  const r = await new ExecutionPipeline({ gates: [], adapter }).execute(1, 0, paper(100));
  assert.equal(r.status, "failed");
  assert.equal(r.error, "adapter returned a fill with an invalid price: nan");
  assert.deepEqual(r.fills, []);
});

Deno.test("execute blocks non-finite or missing positions with INPUT_INVALID, never throwing", async () => {
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  const cases: [unknown, unknown, string][] = [
    [NaN, 0, "Invalid target position: nan"],
    [Infinity, 0, "Invalid target position: inf"],
    [1, -Infinity, "Invalid current position: -inf"],
    [Infinity, Infinity, "Invalid target position: inf"],
    [undefined, 0, "Invalid target position: None"],
    [1, null, "Invalid current position: None"],
    ["1", 0, 'Invalid target position: "1" (not a number)'],
  ];
  for (const [target, current, reason] of cases) {
    const r = await pipeline.execute(target as number, current as number, paper());
    assert.equal(r.status, "blocked", reason);
    assert.equal(r.code, "INPUT_INVALID");
    assert.equal(r.blockReason, `InputValidation: ${reason}`);
    assert.equal(r.gateDecisions.length, 1);
    assert.deepEqual(r.orders, []);
  }
});

Deno.test("execute blocks a bad price through PriceSanity with the original's reason", async () => {
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  for (
    const [price, shown] of [[0, "0.0"], [-5, "-5.0"], [NaN, "nan"], [Infinity, "inf"]] as const
  ) {
    const r = await pipeline.execute(1, 0, paper(price));
    assert.equal(r.code, "PRICE_INVALID");
    assert.equal(r.blockReason, `PriceSanity: Invalid price: ${shown}`);
  }
});

Deno.test("execute blocks a bad price with PRICE_INVALID even with an empty gate list", async () => {
  const pipeline = new ExecutionPipeline({ gates: [], adapter: new SimulatedBrokerAdapter() });
  for (const price of [0, -1, NaN, Infinity, undefined]) {
    const ctx = { mode: "paper", symbol: "BTC-USD", price } as ExecutionContext;
    const r = await pipeline.execute(1, 0, ctx);
    assert.equal(r.status, "blocked", String(price));
    assert.equal(r.code, "PRICE_INVALID");
    assert.match(r.blockReason, /^InputValidation: Invalid price: /);
    assert.deepEqual(r.orders, []);
  }
  // A sound price passes straight to the adapter: an empty gate list lets everything through.
  assert.equal((await pipeline.execute(1, 0, paper(10))).status, "filled");
});

Deno.test("execute blocks an order whose notional overflows even with no gates", async () => {
  const r = await new ExecutionPipeline({ gates: [] }).execute(1e200, 0, paper(1e200));
  assert.equal(r.code, "INPUT_INVALID");
  assert.match(r.blockReason, /is not finite/);
});

Deno.test("execute blocks a non-finite modifiedQty from a custom gate", async () => {
  const gate = new RecordingGate("Weird", { modifiedQty: NaN });
  const r = await new ExecutionPipeline({ gates: [gate], adapter: new SimulatedBrokerAdapter() })
    .execute(1, 0, paper(100));
  assert.equal(r.code, "INPUT_INVALID");
  assert.equal(r.blockReason, "InputValidation: Invalid quantity: nan");
});

Deno.test("execute turns a throwing custom gate into a block instead of a rejection", async () => {
  const gate: Gate = {
    name: "Throwing",
    check(): GateDecision {
      throw new Error("bug in gate");
    },
  };
  const r = await new ExecutionPipeline({ gates: [gate] }).execute(1, 0, paper(100));
  assert.equal(r.status, "blocked");
  assert.equal(r.code, "GATE_FAILED");
  assert.equal(r.blockReason, "Throwing: Gate raised: bug in gate");
});

Deno.test("execute resolves, with one decision per gate run, when a gate changes the gate list", async () => {
  // `gates` is typed readonly; a cast still reaches the list the pipeline runs.
  const growing = new ExecutionPipeline({ gates: [] });
  const longer = growing.gates as Gate[];
  longer.push({
    name: "Grow",
    check(intent, ctx): GateDecision {
      if (longer.length === 1) longer.push(new RecordingGate("Added"));
      return new RecordingGate("Grow").check(intent, ctx);
    },
  });
  const grown = await growing.execute(1, 0, paper(10));
  assert.deepEqual(grown.gateDecisions.map((d) => d.gate), ["Grow", "Added"]);

  const shrinking = new ExecutionPipeline({ gates: [] });
  const shorter = shrinking.gates as Gate[];
  shorter.push(
    {
      name: "Shrink",
      check(intent, ctx): GateDecision {
        shorter.length = 1; // drops the gates after this one
        return new RecordingGate("Shrink").check(intent, ctx);
      },
    },
    new RecordingGate("Dropped"),
    new RecordingGate("Dropped too"),
  );
  const shrunk = await shrinking.execute(1, 0, paper(10));
  assert.equal(shrunk.status, "planned");
  assert.deepEqual(shrunk.gateDecisions.map((d) => d.gate), ["Shrink"]);
  assert.equal(shrunk.gateDecisions.length, 1, "no empty slots");
});

Deno.test("execute writes six hex digits in client ids even under a Math.random outside [0, 1)", async () => {
  const random = Math.random;
  try {
    for (const value of [1, -0.5, 2.5, NaN]) {
      Math.random = () => value;
      const r = await new ExecutionPipeline({ gates: [] }).execute(1, 0, paper(10));
      assert.match(r.orders[0].clientId, /^exec_BTC-USD_1_[0-9a-f]{6}$/, String(value));
    }
  } finally {
    Math.random = random;
  }
});

Deno.test("execute writes every client id's counter in full across thousands and symbol changes", async () => {
  const pipeline = new ExecutionPipeline({ gates: [] });
  const randomParts = new Set<string>();
  for (let n = 1; n <= 2_100; n++) {
    // The symbol changes mid-thousand too (at 1,500 and back at 1,501).
    const symbol = n === 1_500 ? "ETH/USD" : "BTC-USD";
    const r = await pipeline.execute(n, 0, { mode: "paper", symbol, price: 10 });
    const id = r.orders[0].clientId;
    const match = /^exec_(.+)_(\d+)_([0-9a-f]{6})$/.exec(id);
    assert.ok(match !== null, id);
    assert.equal(match[1], n === 1_500 ? "ETH_USD" : "BTC-USD", id);
    assert.equal(match[2], String(n), id);
    randomParts.add(match[3]);
  }
  // Six random hex digits per id: a repeat among 2,100 is rare (about one run in eight).
  assert.ok(randomParts.size >= 2_095, `${randomParts.size} distinct random parts`);
});

Deno.test("execute numbers client ids per pipeline with the symbol's slashes replaced", async () => {
  const pipeline = new ExecutionPipeline({ gates: [] });
  const a = await pipeline.execute(1, 0, { mode: "paper", symbol: "BTC/EUR", price: 10 });
  const b = await pipeline.execute(2, 0, { mode: "paper", symbol: "ETH-USD", price: 10 });
  assert.match(a.orders[0].clientId, /^exec_BTC_EUR_1_[0-9a-f]{6}$/);
  assert.match(b.orders[0].clientId, /^exec_ETH-USD_2_[0-9a-f]{6}$/);
  const other = await new ExecutionPipeline({ gates: [] }).execute(1, 0, paper(10));
  assert.match(other.orders[0].clientId, /^exec_BTC-USD_1_/);
});

Deno.test("execute keeps the caller's context time and does not mutate the context", async () => {
  const ts = new Date(Date.UTC(2026, 0, 2));
  const ctx = paper(100, { ts });
  const r = await new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  })
    .execute(1, 0, ctx);
  assert.equal(r.context.ts, ts);
  assert.equal(r.fills[0].ts, ts);
  const bare = paper(100);
  const r2 = await new ExecutionPipeline({ gates: [] }).execute(1, 0, bare);
  assert.equal(bare.ts, undefined);
  assert.ok(r2.context.ts instanceof Date);
});

Deno.test("execute blocks a missing or empty symbol with INPUT_INVALID instead of throwing", async () => {
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  for (
    const [symbol, shown] of [[undefined, "undefined"], ["", "an empty string"], [
      42,
      "number",
    ]] as const
  ) {
    const ctx = { mode: "paper", symbol, price: 100 } as unknown as ExecutionContext;
    const r = await pipeline.execute(1, 0, ctx);
    assert.equal(r.code, "INPUT_INVALID");
    assert.equal(
      r.blockReason,
      `InputValidation: Invalid symbol: expected a non-empty string, got ${shown}`,
    );
  }
});

Deno.test("execute fails closed on a custom gate that returns no decision or a non-boolean pass", async () => {
  const noDecision = { name: "Empty", check: () => undefined } as unknown as Gate;
  const r1 = await new ExecutionPipeline({ gates: [noDecision] }).execute(1, 0, paper(100));
  assert.equal(r1.code, "GATE_FAILED");
  assert.equal(r1.blockReason, "Empty: Gate raised: check() returned undefined");
  const truthy = new RecordingGate("Truthy", { passed: "yes" as unknown as boolean });
  const r2 = await new ExecutionPipeline({ gates: [truthy] }).execute(1, 0, paper(100));
  assert.equal(r2.status, "blocked");
  assert.deepEqual(r2.orders, []);
});

Deno.test("execute blocks an invalid sessionId with INPUT_INVALID and never calls the adapter", async () => {
  let calls = 0;
  const adapter: BrokerAdapter = {
    name: "Counting",
    executeOrder(order: Order, ctx: ExecutionContext): Fill {
      calls++;
      return { ...order, price: ctx.price, notional: order.notional, fee: 0, ts: new Date() };
    },
  };
  const pipeline = new ExecutionPipeline({ gates: defaultGates(), adapter });
  for (const sessionId of ["../escape", "paper 1", "", "-x"]) {
    const r = await pipeline.execute(0.5, 0.1, paper(100_000, { sessionId }));
    assert.equal(r.status, "blocked", sessionId);
    assert.equal(r.code, "INPUT_INVALID");
    assert.match(r.blockReason, /Invalid session id/);
    assert.match(r.blockReason, /A-Z a-z 0-9 \. _ -/);
  }
  assert.equal(calls, 0, "no order was sent without a place to record it");
  const ok = await pipeline.execute(0.5, 0.1, paper(100_000, { sessionId: "paper-1" }));
  assert.equal(ok.status, "filled");
  assert.equal(calls, 1);
});
