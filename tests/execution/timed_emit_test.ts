import assert from "node:assert/strict";
import { ExecutionPipeline } from "../../execution/pipeline.ts";
import {
  LotSizeGate,
  MinNotionalGate,
  PriceSanityGate,
  ResearchOnlyGate,
} from "../../execution/gates/mod.ts";
import { SimulatedBrokerAdapter } from "../../execution/simulated_broker.ts";
import { MemoryEmitter, NullEmitter } from "../../execution/emitters.ts";
import type { ExecutionEvent } from "../../execution/events.ts";
import { JsonlExecutionLogger } from "../../execution/telemetry/logger.ts";
import {
  encodeEventLine,
  EnvelopeCache,
  writeTimedEventLine,
} from "../../execution/telemetry/line_encoder.ts";
import { LineBuffer } from "../../execution/telemetry/line_buffer.ts";
import { EMIT_TIMED, timedSink } from "../../execution/timed_emit.ts";
import { formatWireTimestamp, WIRE_TIMESTAMP_PATTERN } from "../../execution/wire_time.ts";
import type { ExecutionContext, Gate } from "../../execution/types.ts";

function defaultGates(): Gate[] {
  return [new PriceSanityGate(), new ResearchOnlyGate(), new LotSizeGate(), new MinNotionalGate()];
}

const ctx: ExecutionContext = {
  mode: "paper",
  symbol: "BTC-USD",
  price: 100_000,
  sessionId: "timed-1",
};

Deno.test("a timed line is byte for byte the line of the event with its formatted ts", () => {
  const buffer = new LineBuffer();
  const envelopes = new EnvelopeCache();
  const payload = { error: "venue → down", code: "ADAPTER_FAILED", stacktrace: null };
  const instants = [
    1_795_599_045_000_000,
    1_795_599_045_999_999,
    1_795_599_046_000_001,
    1_795_599_045_123_456.9,
    0,
    -1,
    -62_135_596_800_000_000 + 7, // year 1
  ];
  for (const micros of instants) {
    const end = writeTimedEventLine(
      buffer,
      micros,
      "s1",
      "BTC-USD",
      "paper",
      "error",
      payload,
      3,
      envelopes,
    );
    const line = new TextDecoder().decode(buffer.bytes.subarray(buffer.end, end));
    const event = {
      ts: formatWireTimestamp(micros),
      session_id: "s1",
      symbol: "BTC-USD",
      mode: "paper",
      kind: "error",
      payload,
    } as ExecutionEvent;
    assert.equal(line, encodeEventLine(event, 3), String(micros));
  }
});

Deno.test("the pipeline hands the logger timed events: every line complete, in order, with rising wire timestamps", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    assert.equal(timedSink(logger), logger);
    const memory = new MemoryEmitter();
    const logged = new ExecutionPipeline({
      gates: defaultGates(),
      adapter: new SimulatedBrokerAdapter(),
      emitter: logger,
    });
    const remembered = new ExecutionPipeline({
      gates: defaultGates(),
      adapter: new SimulatedBrokerAdapter(),
      emitter: memory,
    });
    for (let i = 0; i < 50; i++) {
      await logged.execute(i % 2 === 0 ? 0.5 : 0.1, i % 2 === 0 ? 0.1 : 0.5, ctx);
      await remembered.execute(i % 2 === 0 ? 0.5 : 0.1, i % 2 === 0 ? 0.1 : 0.5, ctx);
    }
    await logger.close();
    const lines = Deno.readTextFileSync(`${dir}/timed-1.jsonl`).split("\n").slice(0, -1);
    assert.equal(lines.length, 350);
    let previous = "";
    lines.forEach((line, i) => {
      const event = JSON.parse(line);
      const { ts, session_id, symbol, mode, kind, payload, seq } = event;
      // Byte for byte JSON.stringify of the event in wire order.
      assert.equal(line, JSON.stringify({ ts, session_id, symbol, mode, kind, payload, seq }));
      assert.match(ts, WIRE_TIMESTAMP_PATTERN);
      assert.ok(ts >= previous, `${ts} after ${previous}`);
      previous = ts;
      assert.equal(seq, i + 1);
      // The same decisions as an emitter that gets whole events (client ids aside: random).
      const twin = memory.events[i];
      assert.equal(kind, twin.kind);
      const strip = (p: Record<string, unknown>) => ({ ...p, client_id: undefined });
      assert.deepEqual(strip(payload), strip(twin.payload as Record<string, unknown>));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an emitter without the timed method gets whole events with a wire ts", async () => {
  const memory = new MemoryEmitter();
  assert.equal(timedSink(memory), null);
  const pipeline = new ExecutionPipeline({ gates: defaultGates(), emitter: memory });
  await pipeline.execute(0.5, 0.1, ctx);
  assert.ok(memory.events.length > 0);
  for (const event of memory.events) assert.match(event.ts, WIRE_TIMESTAMP_PATTERN);
});

Deno.test("with a NullEmitter no event is built, and the results equal those without an emitter", async () => {
  class CountingNull extends NullEmitter {
    seen = 0;
    override emit(): void {
      this.seen++;
    }
  }
  const plain = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
  });
  const dropped = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
    emitter: new NullEmitter(),
  });
  const counting = new CountingNull();
  const subclass = new ExecutionPipeline({ gates: defaultGates(), emitter: counting });
  for (const [target, current] of [[0.5, 0.1], [0.1, 0.5], [0.00001, 0], [NaN, 0]]) {
    const a = await plain.execute(target, current, { ...ctx, ts: new Date(0) });
    const b = await dropped.execute(target, current, { ...ctx, ts: new Date(0) });
    const strip = (r: typeof a) => ({ ...r, orders: r.orders.length, fills: r.fills.length });
    assert.deepEqual(strip(b), strip(a));
  }
  // A subclass may record something: it still gets every event.
  await subclass.execute(0.5, 0.1, ctx);
  assert.equal(counting.seen, 6);
});

Deno.test("a timed emitter that throws does not disturb the execution", async () => {
  const throwing = {
    emit(): void {},
    [EMIT_TIMED](): void {
      throw new Error("broken");
    },
  };
  const pipeline = new ExecutionPipeline({
    gates: defaultGates(),
    adapter: new SimulatedBrokerAdapter(),
    emitter: throwing,
  });
  const result = await pipeline.execute(0.5, 0.1, ctx);
  assert.equal(result.status, "filled");
});
