import assert from "node:assert/strict";
import { LineBuffer } from "../../../execution/telemetry/line_buffer.ts";
import { renumberLines } from "../../../execution/telemetry/line_renumber.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function line(i: number): string {
  return `{"n":"${"x".repeat(i % 50)}","seq":${i}}\n`;
}

/** Write `text` as the next line of `buffer` (the way the encoder does) and commit it. */
function push(buffer: LineBuffer, text: string, own = false): void {
  const bytes = encoder.encode(text);
  const at = buffer.room(buffer.end, bytes.length);
  buffer.bytes.set(bytes, at);
  buffer.commit(at + bytes.length, own);
}

function queued(buffer: LineBuffer): string {
  return decoder.decode(buffer.bytes.subarray(buffer.start, buffer.end));
}

Deno.test("lines keep their order across growth and consumption", () => {
  const buffer = new LineBuffer();
  let expected = "";
  for (let i = 1; i <= 5_000; i++) {
    push(buffer, line(i));
    expected += line(i);
    if (i % 700 === 0) {
      const gone = buffer.fit(10_000, buffer.lines);
      const bytes = buffer.bytesOf(gone);
      assert.equal(decoder.decode(buffer.front(bytes)), expected.slice(0, bytes));
      buffer.consume(gone);
      expected = expected.slice(bytes);
    }
  }
  assert.equal(queued(buffer), expected);
});

Deno.test("a pinned view keeps its bytes while the buffer grows under it", () => {
  const buffer = new LineBuffer();
  for (let i = 1; i <= 100; i++) push(buffer, line(i));
  const count = buffer.fit(2_000, buffer.lines);
  const view = buffer.front(buffer.bytesOf(count));
  const before = decoder.decode(view);
  buffer.pinned = true;
  buffer.consume(0);
  for (let i = 101; i <= 20_000; i++) push(buffer, line(i));
  assert.equal(decoder.decode(view), before);
  buffer.pinned = false;
  buffer.consume(count);
  assert.ok(queued(buffer).startsWith(line(count + 1)));
});

Deno.test("fit takes whole lines within the byte limit, and at least one", () => {
  const buffer = new LineBuffer();
  for (let i = 1; i <= 10; i++) push(buffer, line(i));
  const sizes = Array.from({ length: 10 }, (_, i) => encoder.encode(line(i + 1)).length);
  assert.equal(buffer.fit(sizes[0] + sizes[1], 10), 2);
  assert.equal(buffer.fit(sizes[0] + sizes[1] - 1, 10), 1);
  assert.equal(buffer.fit(1, 10), 1);
  assert.equal(buffer.fit(Infinity, 4), 4);
});

Deno.test("consume counts events and their bytes, the logger's own lines aside", () => {
  const buffer = new LineBuffer();
  push(buffer, line(1));
  push(buffer, line(2), true);
  push(buffer, line(3));
  const released = buffer.consume(3);
  assert.equal(released.events, 2);
  assert.equal(released.eventBytes, encoder.encode(line(1) + line(3)).length);
  assert.equal(buffer.lines, 0);
  assert.equal(buffer.byteLength, 0);
});

Deno.test("renumber gives the lines after the skipped ones new seqs and keeps their lengths right", () => {
  const buffer = new LineBuffer();
  for (let i = 1; i <= 5; i++) push(buffer, line(i));
  buffer.renumber(2, 998);
  const lines = queued(buffer).split("\n").slice(0, -1).map((l) => JSON.parse(l).seq);
  assert.deepEqual(lines, [1, 2, 998, 999, 1000]);
  // The lengths follow the new digits: consuming line by line ends exactly at the end.
  for (let i = 0; i < 5; i++) buffer.consume(1);
  assert.equal(buffer.byteLength, 0);
});

Deno.test("renumberLines replaces only the seq of each line", () => {
  const source = encoder.encode('{"a":"seq\\":1}","seq":9}\n{"seq":10}\n');
  const { bytes, lengths } = renumberLines(source, 2, 1_000_000);
  assert.equal(decoder.decode(bytes), '{"a":"seq\\":1}","seq":1000000}\n{"seq":1000001}\n');
  assert.deepEqual(lengths, [31, 16]);
});

Deno.test("renumberLines refuses a line that does not end with its seq", () => {
  assert.throws(
    () => renumberLines(encoder.encode('{"a":1}\n'), 1, 1),
    /does not end with its seq/,
  );
  assert.throws(() => renumberLines(encoder.encode('{"seq":1}'), 1, 1), /no end/);
});
