import assert from "node:assert/strict";
import {
  type BrokerAdapter,
  buildExecutionPipeline,
  type ExecutionEvent,
  ExecutionMetricsEmitter,
  ExecutionPipeline,
  MemoryEmitter,
  parseExecutionConfig,
  PriceSanityGate,
} from "../../mod.ts";
import { CompositeEmitter } from "../../mod.ts";

const TS = "2026-11-25T09:30:45.123456+00:00";

function gateEvent(gate: unknown, passed: boolean, code: unknown, mode = "paper"): ExecutionEvent {
  return {
    ts: TS,
    session_id: "s1",
    symbol: "BTC-USD",
    mode,
    kind: "gate",
    payload: { gate_name: gate, passed, code, reason: "test", modified_qty: null },
  } as ExecutionEvent;
}

/** Tally `events` independently of the emitter: kind, then mode as written. */
function tallyKinds(events: ExecutionEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) out.set(`${e.kind}/${e.mode}`, (out.get(`${e.kind}/${e.mode}`) ?? 0) + 1);
  return out;
}

Deno.test("the metrics emitter counts what the pipeline emits, by kind and mode", async () => {
  const counter = new ExecutionMetricsEmitter();
  const memory = new MemoryEmitter();
  const pipeline = buildExecutionPipeline(parseExecutionConfig(""), {
    emitter: new CompositeEmitter([counter, memory]),
  });
  await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000 });
  await pipeline.execute(0.1, 0.5, { mode: "backtest", symbol: "ETH-USD", price: 3_000 });
  await pipeline.execute(0.5, 0.1, { mode: "live", symbol: "BTC-USD", price: 100_000 });
  const counts = counter.counts();
  for (const [key, n] of tallyKinds(memory.events)) {
    const [kind, mode] = key.split("/");
    assert.equal(counts.eventTotal(kind, mode), n, key);
  }
  assert.equal(counts.eventTotal(), memory.events.length);
});

Deno.test("the metrics emitter counts gate decisions and blocks by gate and code", async () => {
  const counter = new ExecutionMetricsEmitter();
  const pipeline = buildExecutionPipeline(parseExecutionConfig(""), { emitter: counter });
  // Below the minimum notional: MinNotional blocks; a zero price: PriceSanity blocks.
  await pipeline.execute(0.0001, 0, { mode: "paper", symbol: "BTC-USD", price: 100 });
  await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 0 });
  await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000 });
  const counts = counter.counts();
  assert.equal(counts.gateBlockTotal("PriceSanity", "PRICE_INVALID"), 1);
  assert.equal(counts.gateBlocks.get("PriceSanity")?.size, 1);
  assert.ok(counts.gateBlockTotal() >= 2);
  assert.equal(counts.gateDecisions.get("PriceSanity")?.get("block"), 1);
  assert.equal(counts.gateDecisions.get("PriceSanity")?.get("pass"), 2);
  assert.equal(counts.fillTotal("buy"), 1);
});

Deno.test("the metrics emitter counts fills by side with their notional and fees", () => {
  const counter = new ExecutionMetricsEmitter();
  const fill = (side: string, notional: unknown, fee: unknown): ExecutionEvent =>
    ({
      ts: TS,
      session_id: "s1",
      symbol: "BTC-USD",
      mode: "paper",
      kind: "fill",
      payload: {
        client_id: "c1",
        side,
        filled_quantity: 1,
        fill_price: 1,
        fill_notional: notional,
        fill_fee: fee,
      },
    }) as ExecutionEvent;
  counter.emit(fill("buy", 100, 0.1));
  counter.emit(fill("SELL", 50, 0.05));
  counter.emit(fill("short", Number.NaN, null));
  const counts = counter.counts();
  assert.deepEqual([...counts.fills], [["buy", 1], ["sell", 1], ["other", 1]]);
  assert.equal(counts.fillNotional, 150);
  assert.ok(Math.abs(counts.fillFees - 0.15) < 1e-12);
});

Deno.test("the metrics emitter counts adapter failures as ADAPTER_FAILED errors", async () => {
  const failing: BrokerAdapter = {
    name: "down",
    executeOrder: () => Promise.reject(new Error("venue down")),
  };
  const counter = new ExecutionMetricsEmitter();
  const pipeline = new ExecutionPipeline({
    gates: [new PriceSanityGate()],
    adapter: failing,
    emitter: counter,
  });
  const result = await pipeline.execute(1, 0, { mode: "paper", symbol: "BTC-USD", price: 100 });
  assert.equal(result.status, "failed");
  assert.deepEqual([...counter.counts().errors], [["ADAPTER_FAILED", 1]]);
});

Deno.test("error codes the product does not write are counted as other", () => {
  const counter = new ExecutionMetricsEmitter();
  counter.emit({
    ts: TS,
    session_id: "s1",
    symbol: "BTC-USD",
    mode: "paper",
    kind: "error",
    payload: { error: "x", code: "VENUE_E42", stacktrace: null },
  });
  assert.deepEqual([...counter.counts().errors], [["other", 1]]);
});

Deno.test("modes are matched without case, and unknown modes and kinds get their catch-all label", () => {
  const counter = new ExecutionMetricsEmitter();
  counter.emit(gateEvent("LotSize", true, "LOT_SIZE_OK", "PAPER"));
  counter.emit(gateEvent("LotSize", true, "LOT_SIZE_OK", "simulation"));
  counter.emit(
    { ...gateEvent("LotSize", true, "x"), kind: "heartbeat" } as unknown as ExecutionEvent,
  );
  const counts = counter.counts();
  assert.equal(counts.eventTotal("gate", "paper"), 1);
  assert.equal(counts.eventTotal("gate", "other"), 1);
  assert.equal(counts.eventTotal("unknown", "paper"), 1);
});

Deno.test("the original's gate payload (gate, decision) is counted as a pass or a block", () => {
  const counter = new ExecutionMetricsEmitter();
  const original = (decision: string): ExecutionEvent =>
    ({
      ts: TS,
      session_id: "s1",
      symbol: "BTC-USD",
      mode: "PAPER",
      kind: "gate",
      payload: { gate: "MinNotional", decision },
    }) as unknown as ExecutionEvent;
  counter.emit(original("ALLOW"));
  counter.emit(original("BLOCK"));
  const counts = counter.counts();
  assert.equal(counts.gateDecisions.get("MinNotional")?.get("pass"), 1);
  assert.equal(counts.gateBlockTotal("MinNotional", "none"), 1, "a block without a code");
});

Deno.test("gate labels stay bounded: unsafe names and names beyond the limit are other", () => {
  const counter = new ExecutionMetricsEmitter();
  counter.emit(gateEvent("has spaces", false, "X"));
  counter.emit(gateEvent('{"json":1}', false, "X"));
  for (let i = 0; i < 200; i++) counter.emit(gateEvent(`Custom${i}`, false, `CODE_${i}`));
  const counts = counter.counts();
  assert.ok(counts.gateDecisions.size <= 5 + 16 + 1, `${counts.gateDecisions.size} gate labels`);
  assert.equal(counts.gateBlockTotal(), 202, "every block is still counted");
  assert.ok((counts.gateDecisions.get("other")?.get("block") ?? 0) >= 202 - 16);
  assert.ok(counts.gateDecisions.has("Custom0"), "the first custom gates keep their own label");
  for (const [gate, codes] of counts.gateBlocks) {
    assert.ok(codes.size <= 11 + 16 + 2, `${gate}: ${codes.size} code labels`);
  }
});

Deno.test("a malformed event is counted without throwing", () => {
  const counter = new ExecutionMetricsEmitter();
  const broken = {
    ts: TS,
    session_id: "s1",
    symbol: "X",
    mode: "paper",
    kind: "gate",
    payload: null,
  };
  counter.emit(broken as unknown as ExecutionEvent);
  counter.emit({ ...broken, kind: "fill" } as unknown as ExecutionEvent);
  counter.emit({ ...broken, kind: "error" } as unknown as ExecutionEvent);
  const counts = counter.counts();
  assert.equal(counts.eventTotal(), 3);
  assert.equal(counts.gateBlockTotal("unknown", "none"), 1);
  assert.deepEqual([...counts.errors], [["other", 1]]);
});

Deno.test("counts() is a snapshot: later events do not change it, and it is reused until one comes", () => {
  const counter = new ExecutionMetricsEmitter();
  counter.emit(gateEvent("LotSize", true, "LOT_SIZE_OK"));
  const first = counter.counts();
  assert.equal(counter.counts(), first, "nothing new: the same snapshot");
  counter.emit(gateEvent("LotSize", false, "QTY_BELOW_MIN"));
  const second = counter.counts();
  assert.notEqual(second, first);
  assert.equal(first.eventTotal(), 1);
  assert.equal(second.eventTotal(), 2);
});
