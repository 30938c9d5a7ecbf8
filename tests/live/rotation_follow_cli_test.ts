import assert from "node:assert/strict";

Deno.test("timeline --follow --json in another process gets every event once while the writer rotates", async () => {
  // The done-when check of the rotation work at CI size (bench/rotation_follow_load.ts runs it
  // with 1,000,000 events and 8 MiB segments).
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../../bench/rotation_follow_load.ts", import.meta.url).pathname,
      "--events",
      "20000",
      "--rotate-bytes",
      String(256 * 1024),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.deepEqual(
    [
      result.delivered,
      result.distinct,
      result.duplicates,
      result.out_of_order,
      result.summary_events,
    ],
    [20000, 20000, 0, 0, 20000],
  );
  assert.ok(result.segments >= 10, `${result.segments} segments`);
});
