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
