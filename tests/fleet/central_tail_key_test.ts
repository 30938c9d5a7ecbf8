import assert from "node:assert/strict";
import { centralTailKey } from "../../fleet/central_tail_key.ts";
import { seqLine, writeSessions } from "./helpers.ts";

async function withRoot(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tail_key_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the tail key of a missing session is the start", async () => {
  await withRoot(async (dir) => {
    assert.deepEqual(await centralTailKey(dir, "nothing"), { seq: 0, n: 0 });
  });
});

Deno.test("the tail key counts the lines without a seq after the last seq", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${seqLine(7)}\nx\n\ny\n`);
    assert.deepEqual(await centralTailKey(dir, "s"), { seq: 7, n: 3 });
  });
});

Deno.test("the tail key ignores a torn last line", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${seqLine(7)}\n${seqLine(8).slice(0, 20)}`);
    assert.deepEqual(await centralTailKey(dir, "s"), { seq: 7, n: 0 });
  });
});

Deno.test("the tail key of a session without any seq counts all its lines", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/s.jsonl`, "a\nb\n");
    assert.deepEqual(await centralTailKey(dir, "s"), { seq: 0, n: 2 });
  });
});

Deno.test("the tail key is read from a compressed segment when the active file is empty", async () => {
  await withRoot(async (dir) => {
    await writeSessions(dir, ["s"], 400, { rotateBytes: 32 * 1024 });
    const logger = (await import("./helpers.ts")).testLogger(dir);
    await logger.rotate("s");
    await logger.close();
    assert.equal(Deno.statSync(`${dir}/s.jsonl`).size, 0);
    assert.deepEqual(await centralTailKey(dir, "s"), { seq: 400, n: 0 });
  });
});

Deno.test("the tail key finds a seq behind a line longer than a read block", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${seqLine(3)}\n${"x".repeat(200_000)}\n`);
    assert.deepEqual(await centralTailKey(dir, "s"), { seq: 3, n: 1 });
  });
});
