import assert from "node:assert/strict";
import { ensureIslandBundle, readStaticAsset } from "../../web/assets.ts";

const BUNDLE = new URL("../../static/islands.js", import.meta.url);

Deno.test("the island bundle is rebuilt when older than its sources, then reported fresh", async () => {
  await ensureIslandBundle();
  const old = new Date(2000, 0, 1);
  await Deno.utime(BUNDLE, old, old);
  assert.equal(await ensureIslandBundle(), "built");
  const rebuilt = (await Deno.stat(BUNDLE)).mtime!;
  assert.ok(rebuilt.getTime() > old.getTime());
  assert.equal(await ensureIslandBundle(), "fresh");
  const code = await Deno.readTextFile(BUNDLE);
  assert.match(code, /__islands/);
  assert.ok(!code.includes("Deno."), "the browser bundle holds no server code");
});

Deno.test("only the known static assets are served", async () => {
  for (const name of ["../deno.json", "islands.js.map", "secret", ""]) {
    assert.equal(await readStaticAsset(name), null, name);
  }
  const css = await readStaticAsset("styles.css");
  assert.ok(css);
  await css.body?.cancel();
});
