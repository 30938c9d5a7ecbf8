import assert from "node:assert/strict";
import { SimulatedBrokerAdapter } from "../../execution/simulated_broker.ts";
import type { ExecutionContext, Order, OrderSide } from "../../execution/types.ts";

function order(side: OrderSide, quantity: number, price: number): Order {
  return {
    clientId: "exec_TEST_1_000001",
    symbol: "BTC-USD",
    side,
    quantity,
    price,
    orderType: "market",
    notional: Math.abs(quantity * price),
  };
}

const ts = new Date(Date.UTC(2026, 10, 25, 9, 30));
function ctx(price: number): ExecutionContext {
  return { mode: "paper", symbol: "BTC-USD", price, ts };
}

// Expected values are CPython's results of the original's formula for the same inputs.

Deno.test("SimulatedBroker fills a buy above the mid price by the slippage", () => {
  const fill = new SimulatedBrokerAdapter().executeOrder(order("buy", 0.4, 100_000), ctx(100_000));
  assert.equal(fill.price, 100000 * (1 + 2 / 10000));
  assert.equal(fill.price, 100020.0);
  assert.equal(fill.notional, 40008.0);
  assert.equal(fill.fee, 0);
  assert.deepEqual(
    { ...fill },
    {
      clientId: "exec_TEST_1_000001",
      symbol: "BTC-USD",
      side: "buy",
      quantity: 0.4,
      price: 100020,
      notional: 40008,
      fee: 0,
      ts,
    },
  );
});

Deno.test("SimulatedBroker fills a sell below the mid price by the slippage", () => {
  const fill = new SimulatedBrokerAdapter().executeOrder(order("sell", 0.4, 100_000), ctx(100_000));
  assert.equal(fill.price, 99980.0);
  assert.equal(fill.notional, 39992.0);
  assert.equal(fill.side, "sell");
});

Deno.test("SimulatedBroker charges the fee on the slipped notional, bit for bit as Python", () => {
  const buy = new SimulatedBrokerAdapter({ slippageBps: 2, feeBps: 10 })
    .executeOrder(order("buy", 1.5, 3500), ctx(3500));
  assert.equal(buy.price, 3500.7);
  assert.equal(buy.notional, 5251.049999999999);
  assert.equal(buy.fee, 5.251049999999999);
  const sell = new SimulatedBrokerAdapter({ slippageBps: 7.5, feeBps: 10 })
    .executeOrder(order("sell", 1.2345, 3500.7), ctx(3500.7));
  assert.equal(sell.price, 3498.074475);
  assert.equal(sell.notional, 4318.372939387499);
  assert.equal(sell.fee, 4.318372939387499);
});

Deno.test("SimulatedBroker gives a rebate for a negative fee", () => {
  const fill = new SimulatedBrokerAdapter({ slippageBps: 3, feeBps: -5 })
    .executeOrder(order("buy", 3, 0.1), ctx(0.1));
  assert.equal(fill.price, 0.10003000000000001);
  assert.equal(fill.notional, 0.30009);
  assert.equal(fill.fee, -0.00015004500000000002);
});

Deno.test("SimulatedBroker uses the context price, not the order's", () => {
  const fill = new SimulatedBrokerAdapter({ slippageBps: 0 }).executeOrder(
    order("buy", 1, 5),
    ctx(7),
  );
  assert.equal(fill.price, 7);
  assert.equal(fill.notional, 7);
});

Deno.test("SimulatedBroker keeps the notional positive for extreme sell slippage", () => {
  const fill = new SimulatedBrokerAdapter({ slippageBps: 9999, feeBps: 10000 })
    .executeOrder(order("sell", 15, 150), ctx(150));
  assert.equal(fill.price, 0.014999999999998348);
  assert.equal(fill.notional, 0.22499999999997522);
  assert.equal(fill.fee, 0.22499999999997522);
});

Deno.test("SimulatedBroker stamps the fill with the context time, or now without one", () => {
  const broker = new SimulatedBrokerAdapter();
  assert.equal(broker.executeOrder(order("buy", 1, 10), ctx(10)).ts, ts);
  const before = Date.now();
  const fill = broker.executeOrder(order("buy", 1, 10), { mode: "paper", symbol: "X", price: 10 });
  assert.ok(fill.ts.getTime() >= before && fill.ts.getTime() <= Date.now());
});

Deno.test("SimulatedBroker has the original's name and defaults, and refuses non-finite options", () => {
  const broker = new SimulatedBrokerAdapter();
  assert.equal(broker.name, "SimulatedBroker");
  assert.equal(broker.slippageBps, 2);
  assert.equal(broker.feeBps, 0);
  assert.throws(
    () => new SimulatedBrokerAdapter({ slippageBps: NaN }),
    /slippageBps must be a finite number/,
  );
  assert.throws(
    () => new SimulatedBrokerAdapter({ feeBps: Infinity }),
    /feeBps must be a finite number/,
  );
});

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./python_reference.json", import.meta.url)),
) as { fills: string[][] };

Deno.test("SimulatedBroker fills match CPython bit for bit on 30 random orders", () => {
  for (const [price, qty, side, slip, fee, fillPrice, notional, feeAmount] of reference.fills) {
    const broker = new SimulatedBrokerAdapter({ slippageBps: Number(slip), feeBps: Number(fee) });
    const fill = broker.executeOrder(
      order(side as OrderSide, Number(qty), Number(price)),
      ctx(Number(price)),
    );
    const label = `${side} ${qty} @ ${price}, ${slip} bps, fee ${fee} bps`;
    assert.equal(fill.price, Number(fillPrice), label);
    assert.equal(fill.notional, Number(notional), label);
    assert.equal(fill.fee, Number(feeAmount), label);
  }
});
