import assert from "node:assert/strict";
import {
  addCompleteLines,
  MAX_UNPAIRED_FILLS,
  readInto,
  SummaryState,
} from "../../../execution/wire/summary_state.ts";
import type { PositionalReader } from "../../../execution/wire/positional_reader.ts";
import { sessionLines, wireLine } from "../../live/helpers.ts";
import { lineKernel } from "../../../execution/wire/line_kernel.ts";

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
  assert.throws(() => SummaryState.fromJSON({ ...json, kindModes: [1] }), /kindModes/);
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

/** Take every kernel buffer, so readers go the JavaScript way until `release`. */
function takeKernelBuffers(): { release(): void } {
  const kernel = lineKernel();
  const leased: Array<{ release(): void }> = [];
  for (let lease = kernel.lease(1); lease !== null; lease = kernel.lease(1)) leased.push(lease);
  return { release: () => leased.forEach((l) => l.release()) };
}

/** A session with damaged lines, escapes, non-ASCII text and lines of the original's format. */
function damagedSession(): Uint8Array {
  const lines = SESSION.split("\n").filter((l) => l !== "");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (i % 5 === 0) out.push(lines[i].slice(0, -3)); // torn inside
    if (i % 7 === 0) {
      out.push(lines[i].replace('"kind":"', '"kind": "').replace("BTC", "B\\u0054C"));
    }
    if (i % 11 === 0) out.push(lines[i].replace('"payload":{', '"payload":{"note":"qty → 0",'));
    if (i % 13 === 0) out.push("garbage " + i);
    if (i % 17 === 0) out.push("");
  }
  return encoder.encode(out.join("\n") + "\n");
}

Deno.test("a summary read through the line kernel equals one read the JavaScript way", async () => {
  const bytes = damagedSession();
  lineKernel(); // made now: a scan this small would not make it (see lineKernelFor)
  const kernelWay = new SummaryState();
  await readInto(countingReader(bytes), kernelWay, bytes.length);
  const taken = takeKernelBuffers();
  const jsWay = new SummaryState();
  try {
    await readInto(countingReader(bytes), jsWay, bytes.length);
  } finally {
    taken.release();
  }
  assert.ok(jsWay.invalidLines > 10, "damaged lines were produced");
  assert.deepEqual(kernelWay.toJSON(), jsWay.toJSON());
  assert.deepEqual(kernelWay.latency(), jsWay.latency());
});

Deno.test("blocking reads (a reader with readSync) give the totals of awaited reads", async () => {
  const bytes = damagedSession();
  const awaited = new SummaryState();
  await readInto(countingReader(bytes), awaited, bytes.length);
  const reader = countingReader(bytes);
  let syncReads = 0;
  const blocking = {
    read: reader.read,
    readSync(position: number, into: Uint8Array): number {
      syncReads++;
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
  };
  // Reads block only within READ_TURN_MS (8 ms) of the last awaited read. The clock stands
  // still here, so that holds however busy the machine is: an awaited read of one line, then
  // the reads of the blocking reader, all at the same instant.
  const line = encoder.encode(SESSION.slice(0, SESSION.indexOf("\n") + 1));
  const state = new SummaryState();
  const now = performance.now();
  const clock = Object.getOwnPropertyDescriptor(performance, "now");
  Object.defineProperty(performance, "now", { value: () => now, configurable: true });
  try {
    await readInto(countingReader(line), new SummaryState(), line.length);
    await readInto(blocking, state, bytes.length);
  } finally {
    if (clock === undefined) delete (performance as { now?: unknown }).now;
    else Object.defineProperty(performance, "now", clock);
  }
  assert.ok(syncReads > 0, "the blocking reads were used");
  assert.deepEqual(state.toJSON(), awaited.toJSON());
});

Deno.test("addCompleteLines gives the same totals with the kernel and without", () => {
  const bytes = damagedSession();
  lineKernel(); // made now: a scan this small would not make it (see lineKernelFor)
  const kernelWay = new SummaryState();
  addCompleteLines(kernelWay, bytes, 0);
  const taken = takeKernelBuffers();
  const jsWay = new SummaryState();
  try {
    addCompleteLines(jsWay, bytes, 0);
  } finally {
    taken.release();
  }
  assert.deepEqual(kernelWay.toJSON(), jsWay.toJSON());
});

Deno.test("a small scan in a fresh process goes the JavaScript way and makes no line kernel", async () => {
  // A fresh isolate: in this one another test may have made the kernel already.
  const url = new URL("../../../execution/wire/", import.meta.url).href;
  const code = `
    const { lineKernelFor } = await import("${url}line_kernel.ts");
    const { SummaryState, addCompleteLines } = await import("${url}summary_state.ts");
    const line = '{"ts":"2026-11-25T09:30:00.000000+00:00","session_id":"s","kind":"intent","payload":{}}\\n';
    const state = new SummaryState();
    addCompleteLines(state, new TextEncoder().encode(line.repeat(100)), 0);
    const small = lineKernelFor(0) === null;
    const made = lineKernelFor(1 << 20) !== null && lineKernelFor(0) !== null;
    console.log(JSON.stringify({ events: state.validEvents, small, made }));
  `;
  const { code: exit, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(exit, 0, new TextDecoder().decode(stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
    events: 100,
    small: true,
    made: true,
  });
});
