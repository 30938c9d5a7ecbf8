import assert from "node:assert/strict";
import { cachedJsonAnswer, ifNoneMatches } from "../../web/cached_answer.ts";
import { asciiJson } from "../../web/ascii_json.ts";
import { entityTag, ResponseCache } from "../../web/response_cache.ts";
import { SECURITY_HEADERS } from "../../web/security_headers.ts";

Deno.test("If-None-Match names the tag alone, in a list, weakly, or as *", () => {
  assert.equal(ifNoneMatches('"a1"', '"a1"'), true);
  assert.equal(ifNoneMatches('"x", "a1"', '"a1"'), true);
  assert.equal(ifNoneMatches('W/"a1"', '"a1"'), true);
  assert.equal(ifNoneMatches("*", '"a1"'), true);
});

Deno.test("If-None-Match with other tags, or none, does not match", () => {
  assert.equal(ifNoneMatches(null, '"a1"'), false);
  assert.equal(ifNoneMatches('"a2"', '"a1"'), false);
  assert.equal(ifNoneMatches("a1", '"a1"'), false);
  assert.equal(ifNoneMatches('"a1", W/"b"', '"b1"'), false);
});

Deno.test("a cached answer is 200 with its ETag and every security header", async () => {
  const answer = { body: '{"ok":true}', etag: '"t1"' };
  const res = cachedJsonAnswer(new Request("http://localhost/api"), answer);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("etag"), '"t1"');
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("cache-control"), "no-store");
  for (const [name, value] of SECURITY_HEADERS) assert.equal(res.headers.get(name), value);
  assert.equal(await res.text(), '{"ok":true}');
});

Deno.test("a request naming the answer's tag gets 304 without a body", async () => {
  const answer = { body: '{"ok":true}', etag: '"t1"' };
  const req = new Request("http://localhost/api", { headers: { "if-none-match": '"t1"' } });
  const res = cachedJsonAnswer(req, answer);
  assert.equal(res.status, 304);
  assert.equal(res.headers.get("etag"), '"t1"');
  assert.equal(await res.text(), "");
});

Deno.test("asciiJson escapes every non-ASCII character and keeps the value", () => {
  const json = JSON.stringify({ reason: "Rounded 0.400000 → 0.400000", s: "é😀日\u2028" });
  const ascii = asciiJson(json);
  assert.ok(![...ascii].some((c) => c.charCodeAt(0) > 0x7f), ascii);
  assert.deepEqual(JSON.parse(ascii), JSON.parse(json));
  assert.equal(asciiJson('{"a":1}'), '{"a":1}');
});

Deno.test("the entity tag follows the body: equal bodies, equal tags; another body, another tag", async () => {
  assert.equal(await entityTag("{}"), await entityTag("{}"));
  assert.notEqual(await entityTag("{}"), await entityTag('{"a":1}'));
  assert.match(await entityTag("{}"), /^"[A-Za-z0-9_-]{16}"$/);
});

Deno.test("answer() tags a cached body, keeps the tag while the file is unchanged and changes it after an append", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.jsonl`;
    await Deno.writeTextFile(path, "a\n");
    const cache = new ResponseCache();
    let runs = 0;
    const compute = () => Promise.resolve(JSON.stringify({ n: ++runs, r: "→" }));
    const first = await cache.answer(path, "k", compute);
    const again = await cache.answer(path, "k", compute);
    assert.deepEqual([again.body, again.etag], [first.body, first.etag]);
    assert.equal(first.body, '{"n":1,"r":"\\u2192"}');
    assert.equal(first.etag, await entityTag(first.body));
    await Deno.writeTextFile(path, "b\n", { append: true });
    const changed = await cache.answer(path, "k", compute);
    assert.equal(JSON.parse(changed.body).n, 2);
    assert.notEqual(changed.etag, first.etag);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
