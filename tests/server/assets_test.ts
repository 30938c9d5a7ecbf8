import assert from "node:assert/strict";
import { ensureIslandBundle, readStaticAsset } from "../../server/assets.ts";

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

Deno.test("on a fresh checkout without static/islands.js the build writes it", async () => {
  const root = new URL("../../", import.meta.url);
  const listed = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: root,
    stdout: "piped",
  }).output();
  assert.ok(listed.success, "git ls-files failed");
  const files = new TextDecoder().decode(listed.stdout).split("\0")
    .filter((f) => f !== "" && !f.startsWith("static/islands."));
  const checkout = await Deno.makeTempDir({ prefix: "peak-fresh-checkout-" });
  try {
    for (const file of files) {
      const target = `${checkout}/${file}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.copyFile(new URL(file, root), target);
    }
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["task", "build"],
      cwd: checkout,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    assert.match(new TextDecoder().decode(build.stdout), /static\/islands\.js: built/);
    assert.match(await Deno.readTextFile(`${checkout}/static/islands.js`), /__islands/);
  } finally {
    await Deno.remove(checkout, { recursive: true });
  }
});
