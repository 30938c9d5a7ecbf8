import assert from "node:assert/strict";
import { ResponseCache } from "../../web/response_cache.ts";

Deno.test("a cached body is served only at the same file version", () => {
  const cache = new ResponseCache();
  cache.set("k", "v1", "body-1");
  assert.equal(cache.get("k", "v1"), "body-1");
  assert.equal(cache.get("k", "v2"), undefined);
  assert.equal(cache.get("k", "v1"), undefined, "a stale entry is dropped once seen");
});

Deno.test("the cache evicts the least recently used entry beyond its entry budget", () => {
  const cache = new ResponseCache({ maxEntries: 2 });
  cache.set("a", "v", "A");
  cache.set("b", "v", "B");
  assert.equal(cache.get("a", "v"), "A");
  cache.set("c", "v", "C");
  assert.equal(cache.get("b", "v"), undefined, "b was least recently used");
  assert.equal(cache.get("a", "v"), "A");
  assert.equal(cache.size, 2);
});

Deno.test("the cache keeps its byte budget and skips bodies too large to be worth it", () => {
  const cache = new ResponseCache({ maxBytes: 100 });
  cache.set("big", "v", "x".repeat(26));
  assert.equal(cache.get("big", "v"), undefined);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, "v", "y".repeat(20));
  assert.ok(cache.size <= 5, `size ${cache.size}`);
  assert.equal(cache.get("k9", "v"), "y".repeat(20));
});

/** A computation that counts its runs and answers `body-<run>`. */
function counter(): { compute: () => Promise<string>; runs: () => number } {
  let runs = 0;
  return { compute: () => Promise.resolve(`body-${++runs}`), runs: () => runs };
}

/** Run `body` with the path of a file in a fresh directory (not created), removed afterwards. */
async function withFilePath(body: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await body(`${dir}/s.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("getOrCompute serves the cached body while the file is unchanged, recomputes after a change", async () => {
  await withFilePath(async (path) => {
    await Deno.writeTextFile(path, "a\n");
    const cache = new ResponseCache();
    const { compute, runs } = counter();
    assert.equal(await cache.getOrCompute(path, "k", compute), "body-1");
    assert.equal(await cache.getOrCompute(path, "k", compute), "body-1");
    assert.equal(await cache.getOrCompute(path, "other", compute), "body-2", "keys are apart");
    await Deno.writeTextFile(path, "b\n", { append: true });
    assert.equal(await cache.getOrCompute(path, "k", compute), "body-3");
    assert.equal(runs(), 3);
  });
});

Deno.test("getOrCompute shares one computation between identical concurrent requests", async () => {
  await withFilePath(async (path) => {
    await Deno.writeTextFile(path, "a\n");
    const cache = new ResponseCache();
    const { compute, runs } = counter();
    const bodies = await Promise.all(
      Array.from({ length: 5 }, () => cache.getOrCompute(path, "k", compute)),
    );
    assert.deepEqual(bodies, Array(5).fill("body-1"));
    assert.equal(runs(), 1);
  });
});

Deno.test("getOrCompute caches nothing for a missing file or one that changed while computed", async () => {
  await withFilePath(async (path) => {
    const cache = new ResponseCache();
    const { compute, runs } = counter();
    await cache.getOrCompute(path, "k", compute);
    await cache.getOrCompute(path, "k", compute);
    assert.equal(runs(), 2, "no file, no version to validate against");
    await Deno.writeTextFile(path, "a\n");
    const appending = async () => {
      await Deno.writeTextFile(path, "b\n", { append: true });
      return "body-during-append";
    };
    assert.equal(await cache.getOrCompute(path, "k", appending), "body-during-append");
    assert.equal(cache.size, 0);
  });
});
