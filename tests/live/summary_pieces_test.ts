import assert from "node:assert/strict";
import { PIECE_BYTES, pieceCount, pieceStart, readPiece } from "../../live/summary_pieces.ts";
import { addCompleteLines, SummaryState } from "../../execution/wire/summary_state.ts";
import type { PositionalReader } from "../../execution/wire/positional_reader.ts";
import { sessionLines } from "./helpers.ts";

const encoder = new TextEncoder();

function memoryReader(bytes: Uint8Array): PositionalReader {
  return {
    read(position: number, into: Uint8Array): Promise<number> {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return Promise.resolve(n);
    },
  };
}

/** About `bytes` of session lines (whole lines), repeated from one block. */
function sessionBytes(bytes: number): Uint8Array {
  const block = encoder.encode(sessionLines("p", 2000));
  const out = new Uint8Array(Math.ceil(bytes / block.length) * block.length);
  for (let at = 0; at < out.length; at += block.length) out.set(block, at);
  return out;
}

Deno.test("pieces start at line starts, in order, and cover the range once", async () => {
  const bytes = sessionBytes(3.5 * PIECE_BYTES);
  const reader = memoryReader(bytes);
  const from = bytes.indexOf(0x0a) + 1; // a read going on from a line start
  const count = pieceCount(from, bytes.length);
  assert.equal(count, Math.ceil((bytes.length - from) / PIECE_BYTES));
  const starts: number[] = [];
  for (let i = 0; i <= count; i++) starts.push(await pieceStart(reader, from, bytes.length, i));
  assert.equal(starts[0], from);
  assert.equal(starts[count], bytes.length);
  for (let i = 1; i < count; i++) {
    assert.ok(starts[i] > starts[i - 1], "pieces are in order");
    assert.equal(bytes[starts[i] - 1], 0x0a, "each piece starts after a newline");
    assert.ok(starts[i] >= from + i * PIECE_BYTES, "at or after its nominal offset");
  }
});

Deno.test("pieces summarised apart and combined in order give the totals of one pass", async () => {
  const bytes = sessionBytes(2.5 * PIECE_BYTES);
  const torn = encoder.encode('{"kind":"fi');
  const all = new Uint8Array(bytes.length + torn.length);
  all.set(bytes);
  all.set(torn, bytes.length);
  const reader = memoryReader(all);
  const combined = new SummaryState();
  for (let i = 0; i < pieceCount(0, all.length); i++) {
    const piece = await readPiece(reader, 0, all.length, i);
    if (piece !== null) {
      combined.absorb(piece);
      combined.consumed = piece.consumed;
    }
  }
  const whole = new SummaryState();
  addCompleteLines(whole, all, 0);
  const { consumed: a, fillNotional: n1, fillFees: f1, ...combinedTotals } = combined.toJSON();
  const { consumed: b, fillNotional: n2, fillFees: f2, ...wholeTotals } = whole.toJSON();
  assert.deepEqual(combinedTotals, wholeTotals);
  assert.equal(a, b, "both stop after the last complete line, before the torn tail");
  assert.ok(Math.abs((n1 as number) - (n2 as number)) <= 1e-9 * (n2 as number));
  assert.ok(Math.abs((f1 as number) - (f2 as number)) <= 1e-9 * (f2 as number));
  assert.deepEqual(combined.latency(), whole.latency());
});

Deno.test("a line longer than a piece leaves the pieces it covers empty", async () => {
  const head = encoder.encode(sessionLines("p", 10));
  const long = encoder.encode(`{"kind":"fill","payload":"${"x".repeat(2.2 * PIECE_BYTES)}"}\n`);
  const tail = encoder.encode(sessionLines("p", 10, 10));
  const bytes = new Uint8Array(head.length + long.length + tail.length);
  bytes.set(head);
  bytes.set(long, head.length);
  bytes.set(tail, head.length + long.length);
  const reader = memoryReader(bytes);
  const count = pieceCount(0, bytes.length);
  const pieces: Array<SummaryState | null> = [];
  for (let i = 0; i < count; i++) pieces.push(await readPiece(reader, 0, bytes.length, i));
  assert.equal(pieces[1], null, "the piece inside the long line is empty");
  const combined = new SummaryState();
  for (const piece of pieces) if (piece !== null) combined.absorb(piece);
  assert.equal(combined.validEvents, 20);
  assert.equal(combined.oversizedLines, 1);
  assert.equal(combined.totalLines, 21);
});
