import assert from "node:assert/strict";
import {
  completeLinesEndSync,
  FileShrankError,
  readLinesBackward,
  retryWhileShrinking,
} from "../../live/backward_lines.ts";
import { SessionLogChangedError } from "../../live/log_changed_error.ts";
import { append, sessionLines, withTempDir } from "./helpers.ts";
import { lineKernel } from "../../execution/wire/line_kernel.ts";

Deno.test("readLinesBackward throws FileShrankError when the file shrinks between blocks", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, sessionLines("s", 2000)); // several 64 KiB blocks
    using file = await Deno.open(path, { read: true });
    const lines = readLinesBackward(file, (await file.stat()).size);
    const first = await lines.next();
    assert.equal(first.done, false, "the newest block was read");
    await Deno.truncate(path, 1000);
    await assert.rejects(async () => {
      while (!(await lines.next()).done);
    }, FileShrankError);
  });
});

Deno.test("retryWhileShrinking reads again after the file shrank and returns that read", async () => {
  let calls = 0;
  const result = await retryWhileShrinking("s", () => {
    calls++;
    return calls < 3 ? Promise.reject(new FileShrankError(0)) : Promise.resolve("page");
  });
  assert.equal(result, "page");
  assert.equal(calls, 3);
});

Deno.test("retryWhileShrinking gives up with SessionLogChangedError after its attempts", async () => {
  let calls = 0;
  const error = await retryWhileShrinking("rotating", () => {
    calls++;
    return Promise.reject(new FileShrankError(0));
  }).then(() => null, (err: unknown) => err);
  assert.ok(error instanceof SessionLogChangedError);
  assert.equal(error.code, "SESSION_LOG_CHANGED");
  assert.equal(error.sessionId, "rotating");
  assert.match(error.message, /rotating shrank while it was read \(3 attempts\)/);
  assert.equal(calls, 3);
});

Deno.test("retryWhileShrinking passes other errors through at once", async () => {
  let calls = 0;
  await assert.rejects(
    () =>
      retryWhileShrinking("s", () => {
        calls++;
        return Promise.reject(new Deno.errors.PermissionDenied("no"));
      }),
    Deno.errors.PermissionDenied,
  );
  assert.equal(calls, 1);
});

Deno.test("completeLinesEndSync finds the end of the last complete line before a torn tail", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const whole = sessionLines("s", 1000); // longer than one 64 KiB block
    await append(path, whole + '{"kind":"or' + "x".repeat(70_000));
    using file = Deno.openSync(path, { read: true });
    const size = file.statSync().size;
    assert.equal(completeLinesEndSync(file, size), new TextEncoder().encode(whole).length);
    assert.equal(completeLinesEndSync(file, 10), 0, "no newline in the first 10 bytes");
  });
});

Deno.test("readLinesBackward hands a block of many short lines out in parts, so a reader can yield", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/junk.jsonl`;
    await append(path, "x\n".repeat(200_000));
    using file = await Deno.open(path, { read: true });
    let lines = 0;
    let largest = 0;
    for await (const batch of readLinesBackward(file, (await file.stat()).size)) {
      lines += batch.length;
      largest = Math.max(largest, batch.length);
    }
    assert.equal(lines, 200_000);
    assert.ok(largest <= 4096, `a batch of ${largest} lines`);
  });
});

/** Every line handed out with `mustContain` (text, offset, status), newest first. */
async function linesWith(
  path: string,
  needles: string[],
  maxLineBytes?: number,
): Promise<string[]> {
  using file = await Deno.open(path, { read: true });
  const out: string[] = [];
  for await (
    const batch of readLinesBackward(file, (await file.stat()).size, maxLineBytes, needles)
  ) {
    for (const line of batch) {
      out.push(`${line.offset}:${line.status}:${new TextDecoder().decode(line.bytes)}`);
    }
  }
  return out;
}

Deno.test("a needle search gives the same lines with the kernel's buffer and without it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const lines = sessionLines("s", 30_000).split("\n").filter((l) => l !== "");
    // Rare matches across blocks, an escaped kind, a long line and a torn tail.
    lines[10] = lines[10].replace('"kind":"order"', '"kind":"error"');
    lines[20_002] = lines[20_002].replace('"kind":"order"', '"kind":"err\\u006fr"');
    lines[25_000] = `{"kind":"error","payload":"${"y".repeat(300_000)}"}`;
    lines[29_990] = lines[29_990].replace('"kind":"order"', '"kind":"error"');
    await append(path, lines.join("\n") + "\n" + '{"kind":"error"');
    const needles = ['"error"', "\\"];
    const withKernel = await linesWith(path, needles, 100_000);
    const kernel = lineKernel();
    const leased: Array<{ release(): void }> = [];
    for (let lease = kernel.lease(1); lease !== null; lease = kernel.lease(1)) leased.push(lease);
    let without: string[];
    try {
      without = await linesWith(path, needles, 100_000);
    } finally {
      leased.forEach((l) => l.release());
    }
    assert.deepEqual(withKernel, without);
    assert.deepEqual(withKernel.map((l) => l.split(":")[1]), [
      "torn",
      "line",
      "oversized",
      "line",
      "line",
    ]);
  });
});
