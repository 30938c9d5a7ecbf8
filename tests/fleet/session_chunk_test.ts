import assert from "node:assert/strict";
import { readSessionChunk } from "../../fleet/session_chunk.ts";
import { openSessionView } from "../../live/session_view.ts";
import { countLines, seqLine, sessionBytes, testLogger, writeSessions } from "./helpers.ts";

async function withRoot(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "session_chunk_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("chunks read a rotated session across its compressed segments, byte for byte", async () => {
  await withRoot(async (dir) => {
    await writeSessions(dir, ["s"], 600, { rotateBytes: 32 * 1024 });
    const logger = testLogger(dir);
    await logger.close(); // waits for compression
    const whole = await sessionBytes(dir, "s");
    using view = await openSessionView(dir, "s");
    assert.ok(view.parts.filter((p) => p.kind === "segment").length >= 3);
    const pieces: Uint8Array[] = [];
    for (let at = 0;;) {
      const chunk = await readSessionChunk(view, at, 10_000);
      if (chunk.kind === "none") break;
      assert.equal(chunk.kind, "lines");
      if (chunk.kind !== "lines") return;
      assert.equal(chunk.bytes.at(-1), 0x0a, "a chunk ends with a complete line");
      pieces.push(chunk.bytes);
      at = chunk.end;
    }
    const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      joined.set(p, at);
      at += p.length;
    }
    assert.deepEqual(joined, whole);
    assert.equal(countLines(joined), 600);
  });
});

Deno.test("a torn tail of the active file is held back until its newline arrives", async () => {
  await withRoot(async (dir) => {
    const line = `${seqLine(1)}\n`;
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${line}${seqLine(2).slice(0, 10)}`);
    using view = await openSessionView(dir, "s");
    const chunk = await readSessionChunk(view, 0, 1 << 20);
    assert.equal(chunk.kind, "lines");
    if (chunk.kind === "lines") assert.equal(chunk.end, line.length);
    assert.deepEqual(await readSessionChunk(view, line.length, 1 << 20), { kind: "none" });
  });
});

Deno.test("a position past the end of the session says it shrank", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${seqLine(1)}\n`);
    using view = await openSessionView(dir, "s");
    assert.equal((await readSessionChunk(view, 10_000, 1 << 20)).kind, "shrunk");
  });
});

Deno.test("a line longer than a chunk is reported with its end, to be skipped", async () => {
  await withRoot(async (dir) => {
    const long = `${"x".repeat(5000)}\n`;
    Deno.writeTextFileSync(`${dir}/s.jsonl`, `${long}${seqLine(2)}\n`);
    using view = await openSessionView(dir, "s");
    assert.deepEqual(await readSessionChunk(view, 0, 1000), {
      kind: "long-line",
      start: 0,
      end: long.length,
    });
  });
});
