import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { readCompressedLines } from "../../ops/compressed_lines.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peak-ops-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function lines(count: number, from = 0): string {
  return Array.from({ length: count }, (_, i) => `{"kind":"intent","seq":${from + i + 1}}\n`).join(
    "",
  );
}

Deno.test("every member of a multi-member gzip segment is read, in order", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/000001.jsonl.gz`;
    await Deno.writeFile(
      path,
      new Uint8Array([...gzipSync(lines(3)), ...gzipSync(lines(2, 3))]),
    );
    const seen: string[] = [];
    for await (const batch of readCompressedLines(path)) {
      for (const line of batch) seen.push(new TextDecoder().decode(line.bytes));
    }
    assert.equal(seen.length, 5);
    assert.equal(seen[4], '{"kind":"intent","seq":5}');
  });
});

Deno.test("stopping early closes the file (no leaked resource)", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/big.jsonl.gz`;
    await Deno.writeFile(path, gzipSync(lines(50_000)));
    let read = 0;
    for await (const batch of readCompressedLines(path)) {
      read += batch.length;
      break;
    }
    assert.ok(read > 0 && read < 50_000);
  });
});

Deno.test("a missing file or a link yields nothing", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/real.gz`, gzipSync(lines(1)));
    await Deno.symlink(`${dir}/real.gz`, `${dir}/link.jsonl.gz`);
    for (const path of [`${dir}/none.jsonl.gz`, `${dir}/link.jsonl.gz`]) {
      assert.deepEqual(await Array.fromAsync(readCompressedLines(path)), []);
    }
  });
});

Deno.test("a corrupt gzip stream throws instead of yielding garbage", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/bad.jsonl.gz`;
    const good = gzipSync(lines(100));
    await Deno.writeFile(path, good.subarray(0, 10));
    await assert.rejects(() => Array.fromAsync(readCompressedLines(path)));
  });
});
