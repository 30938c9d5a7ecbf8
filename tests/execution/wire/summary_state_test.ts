import assert from "node:assert/strict";
import {
  addCompleteLines,
  MAX_UNPAIRED_FILLS,
  readInto,
  SummaryState,
} from "../../../execution/wire/summary_state.ts";
import type { PositionalReader } from "../../../execution/wire/positional_reader.ts";
import { sessionLines, wireLine } from "../../live/helpers.ts";

const encoder = new TextEncoder();

/** A reader over bytes that counts the bytes it hands out. */
function countingReader(bytes: Uint8Array): PositionalReader & { served: number } {
  const reader = {
    served: 0,
    read(position: number, into: Uint8Array): Promise<number> {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      reader.served += n;
      return Promise.resolve(n);
    },
  };
  return reader;
}

function stateOf(text: string, partial = false): SummaryState {
  const state = new SummaryState(partial);
  addCompleteLines(state, encoder.encode(text), 0);
  return state;
}

/** Lines where fills follow intents of their symbol, split so pairs straddle the cut. */
const SESSION = sessionLines("s", 200);

Deno.test("a state survives its JSON form with every field", () => {
  const state = stateOf(SESSION);
  const back = SummaryState.fromJSON(JSON.parse(JSON.stringify(state.toJSON())));
  assert.deepEqual(back.toJSON(), state.toJSON());
  assert.deepEqual(back.latency(), state.latency());
  assert.equal(back.minTs, state.minTs);
  assert.deepEqual(back.lastIntent, state.lastIntent);
  for (const key of Object.keys(state)) assert.ok(key in state.toJSON(), `${key} is serialised`);
});

Deno.test("parts merged in order give the totals of one pass, fills pairing with an earlier part's intent", () => {
  const lines = SESSION.split("\n").slice(0, -1).map((l) => l + "\n");
  // Cut right after an intent, so the fill after it is in the next part.
  const cut = lines.findIndex((l) => l.includes('"kind":"intent"') && l.includes("BTC")) + 1;
  const whole = stateOf(SESSION);
  const first = stateOf(lines.slice(0, cut).join(""));
  const second = stateOf(lines.slice(cut).join(""), true);
  assert.ok(second.unpaired.length > 0, "the second part has fills before its first intent");
  const merged = SummaryState.fromJSON(first.toJSON());
  merged.absorb(SummaryState.fromJSON(second.toJSON()));
  const { consumed: _a, ...mergedTotals } = merged.toJSON();
  const { consumed: _b, ...wholeTotals } = whole.toJSON();
  assert.deepEqual(mergedTotals, wholeTotals);
  assert.deepEqual(merged.latency(), whole.latency());
});

Deno.test("three partial parts merge associatively: unpaired fills carry through a part without intents", () => {
  const intent = wireLine("s", { kind: "intent", ts: "2026-11-25T09:30:00Z", symbol: "X" });
  const fill = (s: string) => wireLine("s", { kind: "fill", ts: s, symbol: "X" });
  const a = stateOf(intent);
  const b = stateOf(fill("2026-11-25T09:30:01Z"), true);
  const c = stateOf(fill("2026-11-25T09:30:03Z"), true);
  const bc = b.clone();
  bc.absorb(c);
  a.absorb(bc);
  assert.deepEqual(a.latency(), { count: 2, min: 1000, median: 3000, p95: 3000, max: 3000 });
});

Deno.test("a partial part keeps at most MAX_UNPAIRED_FILLS unpaired fills", () => {
  const state = new SummaryState(true);
  const fill = encoder.encode(wireLine("s", { kind: "fill", ts: "2026-11-25T09:30:01Z" }));
  const many = new Uint8Array(fill.length * (MAX_UNPAIRED_FILLS + 10));
  for (let i = 0; i < MAX_UNPAIRED_FILLS + 10; i++) many.set(fill, i * fill.length);
  addCompleteLines(state, many, 0);
  assert.equal(state.unpaired.length, MAX_UNPAIRED_FILLS);
  assert.equal(state.fillCount, MAX_UNPAIRED_FILLS + 10);
});

Deno.test("fromJSON refuses another version or a wrongly shaped field, and ignores unknown ones", () => {
  const json = stateOf(SESSION).toJSON();
  assert.throws(() => SummaryState.fromJSON({ ...json, v: 2 }), /version/);
  assert.throws(() => SummaryState.fromJSON({ ...json, kindCounts: [1] }), /kindCounts/);
  assert.equal(SummaryState.fromJSON({ ...json, newerCounter: 5 }).validEvents, 200);
  const { gateBlocks: _, ...older } = json;
  assert.equal(SummaryState.fromJSON(older).gateBlocks.size, 0, "a missing field stays empty");
});

Deno.test("a torn tail is scanned once: the next read with nothing new reads no byte", async () => {
  const complete = encoder.encode(SESSION);
  const tail = encoder.encode('{"kind":"fill","payload":' + "x".repeat(3 * 1024 * 1024));
  const bytes = new Uint8Array(complete.length + tail.length);
  bytes.set(complete);
  bytes.set(tail, complete.length);
  const reader = countingReader(bytes);
  const state = new SummaryState();
  assert.equal(await readInto(reader, state, bytes.length), true);
  assert.equal(state.validEvents, 200);
  const first = reader.served;
  assert.equal(await readInto(reader, state, bytes.length), true, "still torn");
  assert.equal(reader.served, first, "the torn tail was not read again");
});

Deno.test("a torn tail over the line cap is only searched for its end when it grows", async () => {
  const complete = encoder.encode(SESSION);
  const torn = encoder.encode("{" + "x".repeat(2 * 1024 * 1024));
  const rest = encoder.encode("y".repeat(1000) + "\n" + sessionLines("s", 1, 200));
  const bytes = new Uint8Array(complete.length + torn.length + rest.length);
  bytes.set(complete);
  bytes.set(torn, complete.length);
  bytes.set(rest, complete.length + torn.length);
  const reader = countingReader(bytes);
  const state = new SummaryState();
  const tornEnd = complete.length + torn.length;
  await readInto(reader, state, tornEnd);
  const first = reader.served;
  assert.equal(await readInto(reader, state, bytes.length), false);
  assert.equal(reader.served - first, rest.length, "only the new bytes were read");
  assert.equal(state.oversizedLines, 1);
  assert.equal(state.validEvents, 201);
  assert.equal(state.totalLines, 202);
});
