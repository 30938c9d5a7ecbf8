import assert from "node:assert/strict";
import { measureFreeSpace, parseDfOutput } from "../../ops/free_space.ts";

Deno.test("df -P -k output is read from the right, so file system names may hold spaces", () => {
  const out = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n" +
    "my disk:/x        1000000    400000    600000      40% /mnt/with space\n";
  assert.deepEqual(parseDfOutput(out), {
    total_bytes: 1_024_000_000,
    avail_bytes: 614_400_000,
    source: "df",
  });
  assert.equal(parseDfOutput("Filesystem\n"), null);
  assert.equal(parseDfOutput("header\nnothing useful here\n"), null);
});

Deno.test("with permission, the free space of an existing directory is measured", async () => {
  // The test runs with every permission: statfs answers.
  const { space, problem } = await measureFreeSpace(Deno.cwd());
  assert.equal(problem, null);
  assert.ok(space !== null && space.total_bytes > 0 && space.avail_bytes <= space.total_bytes);
  assert.equal(space.source, "statfs");
});

Deno.test("without sys and run permissions the space is unknown, and the reason says what to grant", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/measure.ts`;
    await Deno.writeTextFile(
      script,
      `import { measureFreeSpace } from "${
        new URL("../../ops/free_space.ts", import.meta.url).href
      }";
console.log(JSON.stringify(await measureFreeSpace(".")));`,
    );
    const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-read", script],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const result = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(result.space, null);
    assert.match(result.problem, /--allow-sys=statfs/);
    assert.match(result.problem, /--allow-run=df/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
