import assert from "node:assert/strict";
import type { ByteLine } from "../../execution/wire/line_stream.ts";
import { ByteLineStream } from "../../execution/wire/byte_line_stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function split(chunks: (string | Uint8Array)[], maxLineBytes?: number): Promise<ByteLine[]> {
  const bytes = chunks.map((c) => typeof c === "string" ? enc.encode(c) : c);
  const out: ByteLine[] = [];
  for await (
    const line of ReadableStream.from(bytes).pipeThrough(new ByteLineStream({ maxLineBytes }))
  ) {
    out.push(line);
  }
  return out;
}

Deno.test("ByteLineStream splits on \\n and reports byte offsets of each line", async () => {
  const lines = await split(["ab\nc", "de\n\nf\n"]);
  assert.deepEqual(lines.map((l) => [dec.decode(l.bytes), l.offset, l.end, l.status]), [
    ["ab", 0, 3, "line"],
    ["cde", 3, 7, "line"],
    ["", 7, 8, "line"],
    ["f", 8, 10, "line"],
  ]);
});

Deno.test("ByteLineStream strips the \\r of CRLF endings, also across chunks", async () => {
  const lines = await split(["one\r", "\ntwo\r\n"]);
  assert.deepEqual(lines.map((l) => dec.decode(l.bytes)), ["one", "two"]);
  assert.deepEqual(lines.map((l) => l.end), [5, 10]);
});

Deno.test("ByteLineStream reports an unterminated final fragment as torn", async () => {
  const lines = await split(['{"a":1}\n{"b":']);
  assert.equal(lines.length, 2);
  assert.equal(lines[1].status, "torn");
  assert.equal(lines[1].offset, 8);
  assert.equal(dec.decode(lines[1].bytes), '{"b":');
});

Deno.test("ByteLineStream skips a line over the cap and keeps the next one", async () => {
  const long = "x".repeat(100);
  const lines = await split(["ok\n", long.slice(0, 40), long.slice(40), "\nnext\n"], 32);
  assert.deepEqual(lines.map((l) => l.status), ["line", "oversized", "line"]);
  assert.equal(lines[1].bytes.length, 0);
  assert.equal(lines[1].offset, 3);
  assert.equal(lines[1].end, 104);
  assert.equal(dec.decode(lines[2].bytes), "next");
});

Deno.test("ByteLineStream keeps memory bounded on a huge line without a newline", async () => {
  // 64 chunks of 1 MiB, no newline: nothing is buffered beyond the cap, the fragment is torn.
  const chunk = new Uint8Array(1024 * 1024).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 64; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  const lines: ByteLine[] = [];
  for await (const l of stream.pipeThrough(new ByteLineStream())) lines.push(l);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].status, "torn");
  assert.equal(lines[0].bytes.length, 0);
  assert.equal(lines[0].end, 64 * 1024 * 1024);
});

Deno.test("ByteLineStream accepts a line exactly at the cap", async () => {
  const lines = await split(["x".repeat(32) + "\r\n"], 32);
  assert.equal(lines[0].status, "line");
  assert.equal(lines[0].bytes.length, 32);
});
