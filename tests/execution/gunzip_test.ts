import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { gunzipStream, gunzipSync } from "../../execution/gunzip.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Two gzip members back to back, as a compressed segment holds them. */
function twoMembers(): Uint8Array {
  const first = gzipSync(encoder.encode("first line\n"));
  const second = gzipSync(encoder.encode("second line\n"));
  const both = new Uint8Array(first.length + second.length);
  both.set(first);
  both.set(second, first.length);
  return both;
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function streamText(bytes: Uint8Array, size = 7): Promise<string> {
  let text = "";
  for await (const chunk of gunzipStream(chunksOf(bytes, size))) text += decoder.decode(chunk);
  return text;
}

Deno.test("gunzipSync decompresses every member of a multi-member file", () => {
  assert.equal(decoder.decode(gunzipSync(twoMembers())), "first line\nsecond line\n");
});

Deno.test("gunzipSync throws for bytes that are not gzip, and for a file cut short", () => {
  assert.throws(() => gunzipSync(encoder.encode("not gzip at all\n")));
  const whole = twoMembers();
  assert.throws(() => gunzipSync(whole.subarray(0, whole.length - 5)));
});

Deno.test("gunzipStream decompresses every member, across chunk boundaries", async () => {
  assert.equal(await streamText(twoMembers()), "first line\nsecond line\n");
});

Deno.test("gunzipStream's iteration throws for a corrupt stream", async () => {
  const corrupt = twoMembers();
  corrupt.fill(0x55, 12, 20); // inside the first member's deflate data
  await assert.rejects(() => streamText(corrupt));
  await assert.rejects(() => streamText(encoder.encode("not gzip at all\n")));
});

Deno.test("gunzipStream can be stopped before its end", async () => {
  const big = gzipSync(encoder.encode("x".repeat(1 << 20)));
  const stream = gunzipStream(chunksOf(big, 1024));
  for await (const chunk of stream) {
    assert.ok(chunk.length > 0);
    break;
  }
  stream.destroy();
});
