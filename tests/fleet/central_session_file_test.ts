import assert from "node:assert/strict";
import {
  type AppendOutcome,
  CentralSessionFile,
  UnsafeCentralFileError,
} from "../../fleet/central_session_file.ts";
import { centralTailKey } from "../../fleet/central_tail_key.ts";
import { readSessionLayoutSync } from "../../execution/telemetry/segments.ts";
import { makeBatch, seqLine, sessionBytes } from "./helpers.ts";

const decoder = new TextDecoder();

async function withRoot(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "central_file_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function lines(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => seqLine(from + i));
}

async function text(dir: string, id: string): Promise<string> {
  return decoder.decode(await sessionBytes(dir, id));
}

const writeAll = () => "write" as const;

Deno.test("a batch is appended byte for byte", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    const outcome = await file.append(
      makeBatch("h1", "s1", lines(1, 3)),
      writeAll,
    ) as AppendOutcome;
    file.close();
    assert.equal(outcome.written, 3);
    assert.equal(outcome.gap, null);
    assert.equal(await text(dir, "h1.s1"), lines(1, 3).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a batch delivered again is not written again", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    const batch = makeBatch("h1", "s1", lines(1, 3));
    await file.append(batch, writeAll);
    const again = await file.append(batch, writeAll) as AppendOutcome;
    file.close();
    assert.equal(again.written, 0);
    assert.equal(again.duplicates, 3);
    assert.equal(await text(dir, "h1.s1"), lines(1, 3).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a batch cut differently after a restart writes only its new lines", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    await file.append(makeBatch("h1", "s1", lines(1, 3)), writeAll);
    const overlap = await file.append(
      makeBatch("h1", "s1", lines(2, 6), { seq: 1, n: 0 }),
      writeAll,
    ) as AppendOutcome;
    file.close();
    assert.equal(overlap.duplicates, 2);
    assert.equal(overlap.written, 3);
    assert.equal(await text(dir, "h1.s1"), lines(1, 6).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a second writer's lines are recognised: a new instance reads the file's last key", async () => {
  await withRoot(async (dir) => {
    const a = new CentralSessionFile(dir, "h1.s1", Infinity);
    const b = new CentralSessionFile(dir, "h1.s1", Infinity);
    await a.append(makeBatch("h1", "s1", lines(1, 3)), writeAll);
    await b.append(makeBatch("h1", "s1", lines(4, 5), { seq: 3, n: 0 }), writeAll);
    const late = await a.append(makeBatch("h1", "s1", lines(4, 6), { seq: 3, n: 0 }), writeAll);
    a.close();
    b.close();
    assert.equal((late as AppendOutcome).written, 1);
    assert.equal(await text(dir, "h1.s1"), lines(1, 6).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a batch that does not follow on waits when told to, and writes nothing", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    await file.append(makeBatch("h1", "s1", lines(1, 3)), writeAll);
    let seen = null;
    const result = await file.append(makeBatch("h1", "s1", lines(6, 7), { seq: 5, n: 0 }), (p) => {
      seen = p;
      return "wait";
    });
    file.close();
    assert.equal(result, "wait");
    assert.deepEqual(seen, { seq: 3, n: 0 });
    assert.equal(await text(dir, "h1.s1"), lines(1, 3).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a gap written past is reported with the keys around it", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    await file.append(makeBatch("h1", "s1", lines(1, 3)), writeAll);
    const outcome = await file.append(makeBatch("h1", "s1", lines(6, 7), null), writeAll);
    file.close();
    assert.deepEqual((outcome as AppendOutcome).gap, {
      after: { seq: 3, n: 0 },
      first: { seq: 6, n: 0 },
    });
    assert.equal(
      await text(dir, "h1.s1"),
      [...lines(1, 3), ...lines(6, 7)].map((l) => `${l}\n`).join(""),
    );
  });
});

Deno.test("lines without a seq are kept in place and not repeated", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    await file.append(makeBatch("h1", "s1", [seqLine(1), "garbage a"]), writeAll);
    const again = await file.append(
      makeBatch("h1", "s1", ["garbage a", "garbage b", seqLine(2)], { seq: 1, n: 0 }),
      writeAll,
    ) as AppendOutcome;
    file.close();
    assert.equal(again.duplicates, 1);
    assert.equal(again.written, 2);
    assert.equal(
      await text(dir, "h1.s1"),
      [seqLine(1), "garbage a", "garbage b", seqLine(2)].map((l) => `${l}\n`).join(""),
    );
    assert.deepEqual(await centralTailKey(dir, "h1.s1"), { seq: 2, n: 0 });
  });
});

Deno.test("a torn last line left by a crash is cut before the next write", async () => {
  await withRoot(async (dir) => {
    const torn = `${seqLine(1)}\n${seqLine(2).slice(0, 30)}`;
    Deno.writeTextFileSync(`${dir}/h1.s1.jsonl`, torn);
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    const outcome = await file.append(
      makeBatch("h1", "s1", lines(2, 3), { seq: 1, n: 0 }),
      writeAll,
    );
    file.close();
    assert.equal((outcome as AppendOutcome).repairedBytes, 30);
    assert.equal(await text(dir, "h1.s1"), lines(1, 3).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a central file rotates into a segment and the next batch continues after it", async () => {
  await withRoot(async (dir) => {
    const file = new CentralSessionFile(dir, "h1.s1", 500);
    const first = await file.append(makeBatch("h1", "s1", lines(1, 4)), writeAll) as AppendOutcome;
    assert.equal(first.rotatedInto, 1);
    await file.append(makeBatch("h1", "s1", lines(1, 6)), writeAll);
    file.close();
    assert.equal(readSessionLayoutSync(dir, "h1.s1").segments.length, 1);
    assert.equal(await text(dir, "h1.s1"), lines(1, 6).map((l) => `${l}\n`).join(""));
  });
});

Deno.test("a central file that is a symbolic link is never written through", async () => {
  await withRoot(async (dir) => {
    Deno.writeTextFileSync(`${dir}/target`, "");
    Deno.symlinkSync(`${dir}/target`, `${dir}/h1.s1.jsonl`);
    const file = new CentralSessionFile(dir, "h1.s1", Infinity);
    await assert.rejects(
      file.append(makeBatch("h1", "s1", lines(1, 1)), writeAll),
      UnsafeCentralFileError,
    );
    file.close();
    assert.equal(Deno.readTextFileSync(`${dir}/target`), "");
  });
});
