import assert from "node:assert/strict";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import {
  encodeEventLine,
  encodeEventLinePrefix,
} from "../../../execution/telemetry/line_encoder.ts";
import { type ExecutionEvent, ExecutionEventSchema } from "../../../execution/events.ts";
import { formatWireTimestamp, WIRE_TIMESTAMP_PATTERN } from "../../../execution/wire_time.ts";
import { BASE_MICROS, readLines } from "./fixtures.ts";

const WIRE_KEYS = ["ts", "session_id", "symbol", "mode", "kind", "payload", "seq"];

function envelope(kind: string, i: number): Omit<ExecutionEvent, "kind" | "payload"> & {
  kind: string;
} {
  return {
    ts: formatWireTimestamp(BASE_MICROS + i),
    session_id: "wire-1",
    symbol: "BTC-USD",
    mode: "paper",
    kind,
  };
}

/** One event of every kind, each with a non-finite number where the payload has a number. */
function oneOfEachKind(): ExecutionEvent[] {
  return [
    {
      ...envelope("intent", 1),
      kind: "intent",
      payload: { side: "buy", quantity: 0.4, current_price: NaN, strategy_key: "ma_cross" },
    },
    {
      ...envelope("gate", 2),
      kind: "gate",
      payload: {
        gate_name: "LotSize",
        passed: true,
        code: "LOT_SIZE_OK",
        reason: "Rounded 0.400000 → 0.400000",
        modified_qty: Infinity,
      },
    },
    {
      ...envelope("order", 3),
      kind: "order",
      payload: {
        client_id: "exec_BTC-USD_1_a1b2c3",
        side: "buy",
        quantity: 0.4,
        order_type: "market",
        price: 100_000,
        notional: -Infinity,
      },
    },
    {
      ...envelope("fill", 4),
      kind: "fill",
      payload: {
        client_id: "exec_BTC-USD_1_a1b2c3",
        side: "buy",
        filled_quantity: 0.4,
        fill_price: 100_020,
        fill_notional: 40_008,
        fill_fee: 0,
      },
    },
    {
      ...envelope("error", 5),
      kind: "error",
      payload: { error: 'venue down "quoted"\n', code: "ADAPTER_FAILED", stacktrace: null },
    },
  ];
}

Deno.test("every kind is written with the wire key order, a wire ts and seq 1..n", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    for (const event of oneOfEachKind()) logger.emit(event);
    await logger.close();
    const lines = readLines(`${dir}/wire-1.jsonl`);
    assert.equal(lines.length, 5);
    lines.forEach((line, i) => {
      const value = JSON.parse(line);
      assert.deepEqual(Object.keys(value), WIRE_KEYS);
      assert.match(value.ts, WIRE_TIMESTAMP_PATTERN);
      assert.equal(value.seq, i + 1);
      assert.equal(value.kind, ["intent", "gate", "order", "fill", "error"][i]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("non-finite numbers are written as null and the line still parses as an event", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    for (const event of oneOfEachKind()) logger.emit(event);
    await logger.close();
    const text = Deno.readTextFileSync(`${dir}/wire-1.jsonl`);
    assert.doesNotMatch(text, /NaN|Infinity/);
    const [intent, gate, order] = readLines(`${dir}/wire-1.jsonl`).map((l) => JSON.parse(l));
    assert.equal(intent.payload.current_price, null);
    assert.equal(gate.payload.modified_qty, null);
    assert.equal(order.payload.notional, null);
    // intent and gate allow null there, so they validate against the product's own schema.
    assert.equal(ExecutionEventSchema.safeParse(intent).success, true);
    assert.equal(ExecutionEventSchema.safeParse(gate).success, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every finite event of each kind round-trips through the wire schema", () => {
  for (const event of oneOfEachKind().slice(3)) {
    const line = encodeEventLine(event, 42);
    assert.ok(line.endsWith("}\n"));
    assert.equal(line.indexOf("\n"), line.length - 1, "exactly one newline, at the end");
    const parsed = ExecutionEventSchema.parse(JSON.parse(line));
    assert.deepEqual(parsed, { ...event, seq: 42 });
  }
});

Deno.test("encoded lines carry no spaces between tokens and keep strings escaped", () => {
  const [, , , , error] = oneOfEachKind();
  const line = encodeEventLine(error, 1);
  assert.ok(line.startsWith('{"ts":"2026-11-25T09:30:45.000005+00:00","session_id":"wire-1",'));
  assert.ok(line.includes('"error":"venue down \\"quoted\\"\\n"'));
  assert.ok(line.endsWith(',"seq":1}\n'));
});

Deno.test("the encoded prefix stops right before the seq value", () => {
  const [intent] = oneOfEachKind();
  const prefix = encodeEventLinePrefix(intent);
  assert.ok(prefix.endsWith(',"seq":'));
  assert.deepEqual(JSON.parse(prefix + "9}").seq, 9);
});

Deno.test("an event mutated after emit() is written as it was when emitted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    const [, , , fill] = oneOfEachKind();
    const payload = { ...fill.payload } as Record<string, unknown>;
    const event = { ...fill, payload } as ExecutionEvent;
    logger.emit(event);
    payload.fill_price = 1;
    await logger.close();
    const [line] = readLines(`${dir}/wire-1.jsonl`).map((l) => JSON.parse(l));
    assert.equal(line.payload.fill_price, 100_020);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an event without a ts gets the current time in the wire format", () => {
  const [fill] = oneOfEachKind().slice(3);
  const { ts: _ts, ...rest } = fill;
  const line = encodeEventLine(rest as ExecutionEvent, 1);
  assert.match(JSON.parse(line).ts, WIRE_TIMESTAMP_PATTERN);
});

Deno.test("an unencodable payload is dropped and counted, emit() does not throw", async () => {
  const dir = await Deno.makeTempDir();
  const reports: string[] = [];
  try {
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      onError: (r) => reports.push(r.message),
    });
    const [, , , fill] = oneOfEachKind();
    logger.emit({ ...fill, payload: { ...fill.payload, big: 10n } } as unknown as ExecutionEvent);
    logger.emit(fill);
    await logger.close();
    assert.equal(logger.stats.dropped, 1);
    assert.equal(logger.stats.errors, 1);
    assert.equal(logger.stats.written, 1);
    assert.equal(readLines(`${dir}/wire-1.jsonl`).length, 1);
    assert.match(reports[0], /could not encode an event/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ASCII and non-ASCII lines written in mixed batches are byte for byte JSON.stringify's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Small batches and a long run of events, so that ASCII runs, lone non-ASCII lines and
    // batch boundaries fall in every order.
    const logger = new JsonlExecutionLogger({ baseDir: dir, batchBytes: 4096 });
    const texts = ["plain", "Rounded 0.400000 → 0.400000", 'q"uote', "line\u2028sep", "日本"];
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const base = oneOfEachKind()[i % 5];
      const text = texts[(i * 7) % texts.length];
      const event = {
        ...base,
        symbol: i % 100 < 50 ? "BTC-USD" : "ÉTH-€",
        payload: { ...base.payload, note: text },
      } as ExecutionEvent;
      logger.emit(event);
      const { ts, session_id, symbol, mode, kind, payload } = event;
      expected.push(JSON.stringify({ ts, session_id, symbol, mode, kind, payload, seq: i + 1 }));
    }
    await logger.close();
    assert.equal(logger.stats.written, 3000);
    assert.deepEqual(readLines(`${dir}/wire-1.jsonl`), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bufferedBytes counts the UTF-8 bytes of the queued lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    const [, gate] = oneOfEachKind(); // its reason has a three-byte character
    logger.emit(gate);
    logger.emit(gate);
    const bytes = new TextEncoder().encode(encodeEventLine(gate, 1) + encodeEventLine(gate, 2));
    assert.equal(logger.stats.bufferedBytes, bytes.length);
    await logger.close();
    assert.equal(logger.stats.bufferedBytes, 0);
    assert.deepEqual(Deno.readFileSync(`${dir}/wire-1.jsonl`), bytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
