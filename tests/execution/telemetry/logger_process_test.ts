import assert from "node:assert/strict";
import { readLines, spawnWriter, waitForLine } from "./fixtures.ts";

const decoder = new TextDecoder();

/** Parse every line; returns the parsed events and the lines that are not JSON. */
function parseAll(path: string): { events: Record<string, unknown>[]; bad: string[] } {
  const events: Record<string, unknown>[] = [];
  const bad: string[] = [];
  for (const line of readLines(path)) {
    try {
      events.push(JSON.parse(line));
    } catch {
      bad.push(line);
    }
  }
  return { events, bad };
}

async function run(args: string[]): Promise<Deno.CommandOutput> {
  return await spawnWriter(args).output();
}

Deno.test("two writer processes x 50,000 events give 100,000 whole lines, none interleaved, seq rising over the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b] = await Promise.all([
      run([dir, "shared", "50000", "close", "A"]),
      run([dir, "shared", "50000", "close", "B"]),
    ]);
    assert.equal(a.code, 0, decoder.decode(a.stderr));
    assert.equal(b.code, 0, decoder.decode(b.stderr));
    const { events, bad } = parseAll(`${dir}/shared.jsonl`);
    assert.deepEqual(bad, []);
    assert.equal(events.length, 100_000);
    for (const writer of ["A", "B"]) {
      const ids = events
        .map((e) => (e.payload as { client_id: string }).client_id)
        .filter((id) => id.startsWith(`${writer}-`));
      assert.equal(ids.length, 50_000);
      // Each writer's own events stay in its emission order.
      ids.forEach((id, i) => assert.equal(id, `${writer}-${i}`));
    }
    // Both writers number their batches after the file's last seq, under the file lock.
    const seqs = events.map((e) => e.seq as number);
    const notRising = seqs.findIndex((seq, i) => i > 0 && !(seq > seqs[i - 1]));
    assert.equal(notRising, -1, `seq ${seqs[notRising]} after ${seqs[notRising - 1]}`);
    assert.equal(seqs[0], 1);
    assert.equal(seqs.at(-1), 100_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a writer killed with SIGKILL leaves only complete lines but perhaps a torn last one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = spawnWriter([dir, "killed", "0", "forever"]);
    await waitForLine(child, "ready");
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
    await child.stderr.cancel();
    const text = Deno.readTextFileSync(`${dir}/killed.jsonl`);
    const lines = text.split("\n");
    const last = lines.pop()!; // "" when the file ends with a newline
    assert.ok(lines.length >= 500, `only ${lines.length} lines`);
    lines.forEach((line, i) => assert.equal(JSON.parse(line).seq, i + 1));
    if (last !== "") {
      // The kill may land inside a write: then the final fragment is cut anywhere, even
      // right before its "\n", in which case it is still the next event.
      let fragment: { seq?: unknown } | null = null;
      try {
        fragment = JSON.parse(last);
      } catch {
        // A torn fragment: allowed as the last line only.
      }
      if (fragment !== null) assert.equal(fragment.seq, lines.length + 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [ending, expectedCode, name] of [
    ["end", 0, "the end of the script"],
    ["exit", 7, "Deno.exit()"],
  ] as const
) {
  Deno.test(`events still buffered at ${name} are written`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      // 3 events stay below the batch size: only the exit hook can write them.
      const out = await run([dir, "bye", "3", ending]);
      assert.equal(out.code, expectedCode, decoder.decode(out.stderr));
      const { events, bad } = parseAll(`${dir}/bye.jsonl`);
      assert.deepEqual(bad, []);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("an event emitted from a later unload listener is still written, after the others", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await run([dir, "late", "3", "emit-in-unload"]);
    assert.equal(out.code, 0, decoder.decode(out.stderr));
    const { events, bad } = parseAll(`${dir}/late.jsonl`);
    assert.deepEqual(bad, []);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const [signal, expectedCode] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  Deno.test(`events still buffered at ${signal} are written and the exit code is ${expectedCode}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const child = spawnWriter([dir, "term", "3", "wait"]);
      await waitForLine(child, "ready");
      child.kill(signal);
      const status = await child.status;
      await child.stderr.cancel();
      assert.equal(status.code, expectedCode);
      const { events, bad } = parseAll(`${dir}/term.jsonl`);
      assert.deepEqual(bad, []);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const durability of ["batched", "fsync"]) {
  Deno.test(`${durability}: Deno.exit() during a flush writes every event exactly once`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = await run([dir, "mid", "5000", "exit-in-flush", "w", durability]);
      assert.equal(out.code, 7, decoder.decode(out.stderr));
      const { events, bad } = parseAll(`${dir}/mid.jsonl`);
      assert.deepEqual(bad, []);
      assert.equal(events.length, 5_100);
      events.forEach((e, i) => assert.equal(e.seq, i + 1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${durability}: Deno.exit() during a flush of several writes' worth writes every event exactly once`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      // 20,000 fill events are about 5 MB: the flush needs several writes of at most 1 MiB.
      const out = await run([dir, "long", "20000", "exit-in-long-flush", "w", durability]);
      assert.equal(out.code, 7, decoder.decode(out.stderr));
      const { events, bad } = parseAll(`${dir}/long.jsonl`);
      assert.deepEqual(bad, []);
      assert.equal(events.length, 20_000);
      events.forEach((e, i) => assert.equal(e.seq, i + 1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${durability}: a large batch buffered at Deno.exit() is written completely, exactly once`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = await run([dir, "big", "20000", "exit", "w", durability]);
      assert.equal(out.code, 7, decoder.decode(out.stderr));
      const { events, bad } = parseAll(`${dir}/big.jsonl`);
      assert.deepEqual(bad, []);
      assert.equal(events.length, 20_000);
      events.forEach((e, i) => assert.equal(e.seq, i + 1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
