import assert from "node:assert/strict";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import { fillEvent, readLines } from "./fixtures.ts";

async function writeEvents(
  dir: string,
  session: string,
  from: number,
  count: number,
): Promise<void> {
  const logger = new JsonlExecutionLogger({ baseDir: dir });
  for (let i = from; i < from + count; i++) logger.emit(fillEvent(session, i));
  await logger.close();
}

function seqs(path: string): number[] {
  return readLines(path).flatMap((line) => {
    try {
      const seq: unknown = JSON.parse(line)?.seq;
      return typeof seq === "number" ? [seq] : [];
    } catch {
      return [];
    }
  });
}

Deno.test("seq continues from the file's last seq when a new logger reopens the session", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 3);
    await writeEvents(dir, "s1", 3, 2);
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), [1, 2, 3, 4, 5]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("seq is counted per session file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    for (let i = 0; i < 6; i++) logger.emit(fillEvent(i % 2 === 0 ? "even" : "odd", i));
    await logger.close();
    assert.deepEqual(seqs(`${dir}/even.jsonl`), [1, 2, 3]);
    assert.deepEqual(seqs(`${dir}/odd.jsonl`), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two loggers appending to one session in turns keep seq rising and every line whole", async () => {
  // Each logger numbers its lines when they are emitted; after the other appended, its next
  // batch and everything queued behind it are renumbered after the file's last seq.
  const dir = await Deno.makeTempDir();
  try {
    const a = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });
    const b = new JsonlExecutionLogger({ baseDir: dir, flushOnExit: false });
    let n = 0;
    for (let round = 0; round < 6; round++) {
      const writer = round % 2 === 0 ? a : b;
      // Queued before the other's flush, written after it: these are renumbered.
      for (let i = 0; i < 3 + round; i++) writer.emit(fillEvent("shared", n++));
      await (round % 2 === 0 ? b : a).flush();
      await writer.flush();
    }
    await a.close();
    await b.close();
    const lines = readLines(`${dir}/shared.jsonl`).map((line) => JSON.parse(line));
    assert.equal(lines.length, n);
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
    assert.deepEqual(
      lines.map((l) => l.payload.client_id).sort(),
      Array.from({ length: n }, (_, i) => `c-${i}`).sort(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("events queued before a logger first opens an existing file are numbered after its last seq", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 100);
    // Queued while the file is not open yet: encoded with seq 1.., renumbered at the first batch.
    const logger = new JsonlExecutionLogger({ baseDir: dir, batchBytes: 2048 });
    for (let i = 100; i < 150; i++) logger.emit(fillEvent("s1", i));
    await logger.close();
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), Array.from({ length: 150 }, (_, i) => i + 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("seq continues across a reopen when the last seq lies beyond a 64 KiB tail of garbage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 2);
    // A huge undecodable line and foreign lines after the last real event.
    const garbage = new Uint8Array(200_000).fill(0xff);
    Deno.writeFileSync(`${dir}/s1.jsonl`, garbage, { append: true });
    Deno.writeTextFileSync(`${dir}/s1.jsonl`, '\n{"seq": "x"}\n[1,2]\nnot json\n', {
      append: true,
    });
    await writeEvents(dir, "s1", 2, 1);
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file written by the original (no seq) starts seq at 1 and is left as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const original =
      '{"ts": "2025-01-01T12:00:00", "session_id": "s1", "symbol": "BTC-USD", "mode": "paper", ' +
      '"kind": "intent", "payload": {"side": "buy", "quantity": 1.0, "current_price": NaN, ' +
      '"strategy_key": null}}\n';
    Deno.writeTextFileSync(`${dir}/s1.jsonl`, original);
    await writeEvents(dir, "s1", 0, 1);
    const text = Deno.readTextFileSync(`${dir}/s1.jsonl`);
    assert.ok(text.startsWith(original));
    assert.equal(JSON.parse(text.slice(original.length)).seq, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a torn tail the first write starts with a newline and the fragment is kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 2);
    const fragment = '{"ts":"2026-11-25T09:30:45.000002+00:00","session_id":"s1","sym';
    Deno.writeTextFileSync(`${dir}/s1.jsonl`, fragment, { append: true });
    const before = Deno.readTextFileSync(`${dir}/s1.jsonl`);
    await writeEvents(dir, "s1", 2, 2);
    const after = Deno.readTextFileSync(`${dir}/s1.jsonl`);
    assert.ok(after.startsWith(before + "\n"), "earlier bytes unchanged, then a newline");
    const lines = readLines(`${dir}/s1.jsonl`);
    assert.equal(lines.length, 5);
    assert.equal(lines[2], fragment);
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), [1, 2, 3, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a torn tail that is itself a complete event still counts for seq", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 2);
    const text = Deno.readTextFileSync(`${dir}/s1.jsonl`);
    Deno.writeTextFileSync(`${dir}/s1.jsonl`, text.slice(0, -1)); // drop the final "\n"
    await writeEvents(dir, "s1", 2, 1);
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), [1, 2, 3]);
    assert.equal(readLines(`${dir}/s1.jsonl`).length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file that ends with a newline gets no blank line on reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeEvents(dir, "s1", 0, 1);
    await writeEvents(dir, "s1", 1, 1);
    assert.doesNotMatch(Deno.readTextFileSync(`${dir}/s1.jsonl`), /\n\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a session file removed while the logger runs is recreated and seq keeps rising", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    logger.emit(fillEvent("s1", 0));
    await logger.flush();
    await Deno.remove(`${dir}/s1.jsonl`);
    logger.emit(fillEvent("s1", 1));
    await logger.close();
    assert.deepEqual(seqs(`${dir}/s1.jsonl`), [2]);
    assert.equal(logger.stats.written, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with more sessions than maxOpenFiles, idle files are closed and seq survives a reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, maxOpenFiles: 2 });
    for (let round = 0; round < 3; round++) {
      for (const session of ["a", "b", "c", "d"]) {
        logger.emit(fillEvent(session, round));
        await logger.flush();
        assert.ok(logger.stats.openFiles <= 2, `${logger.stats.openFiles} files open`);
      }
    }
    await logger.close();
    for (const session of ["a", "b", "c", "d"]) {
      assert.deepEqual(seqs(`${dir}/${session}.jsonl`), [1, 2, 3]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a FIFO swapped in for the session file after the check is never read (the writer does not hang)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/s.jsonl`] }).output()
      .catch(() => null);
    if (made === null || !made.success) return console.log("skipped: no mkfifo");
    await Deno.writeTextFile(`${dir}/regular`, "");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./fifo_writer_helper.ts", import.meta.url).pathname, dir],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const out = await child.output();
    clearTimeout(timer);
    assert.equal(out.signal, null, "the writer blocked on the FIFO and was killed");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), { written: 0, errors: 1 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
