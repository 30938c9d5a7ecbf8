import assert from "node:assert/strict";
import { followStart } from "../../live/follow_start.ts";
import { withTempDir } from "./helpers.ts";

const encoder = new TextEncoder();

Deno.test("follow starts at the summary's size when it ended on a complete line", async () => {
  // No file access is needed: the size the reader saw is where follow starts.
  assert.equal(await followStart("/nonexistent/x.jsonl", { size_bytes: 42, torn_lines: 0 }), 42);
});

Deno.test("follow starts before a torn tail the reader saw, so that line is streamed once complete", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await Deno.writeTextFile(path, '{"a":1}\n{"a":2}\n{"a":');
    const size = (await Deno.stat(path)).size;
    assert.equal(await followStart(path, { size_bytes: size, torn_lines: 1 }), 16);
  });
});

Deno.test("without a summary, follow starts at the end of the last complete line now", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await Deno.writeFile(path, encoder.encode('{"a":1}\n{"a":2}\n{"a"'));
    assert.equal(await followStart(path), 16);
    await Deno.writeFile(path, encoder.encode("no newline yet"));
    assert.equal(await followStart(path), 0);
  });
});

Deno.test("follow of a session that has no file yet has no start (the follower waits)", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await followStart(`${dir}/missing.jsonl`), null);
  });
});
