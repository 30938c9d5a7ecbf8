import assert from "node:assert/strict";
import { runSessionsCommand } from "../../cli/sessions.ts";
import { memoryIo } from "../../cli/io.ts";
import { append, sessionLines, withTempDir } from "../live/helpers.ts";

Deno.test("sessions lists sessions as a table and as JSON", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/alpha.jsonl`, sessionLines("alpha", 3));
    await append(`${dir}/beta.jsonl`, sessionLines("beta", 5, 50));
    const io = memoryIo();
    assert.equal(await runSessionsCommand(["--log-dir", dir], io), 0);
    const lines = io.stdout().trimEnd().split("\n");
    assert.match(lines[0], /^SESSION\s+EVENTS\s+SIZE\s+FIRST\s+LAST$/);
    assert.match(lines[1], /^beta\s+5\s/);
    assert.match(lines[2], /^alpha\s+3\s/);
    const json = memoryIo();
    assert.equal(await runSessionsCommand(["--log-dir", dir, "--json"], json), 0);
    assert.deepEqual(JSON.parse(json.stdout()).map((s: { session_id: string }) => s.session_id), [
      "beta",
      "alpha",
    ]);
  });
});

Deno.test("sessions exits 2 when there are no logs", async () => {
  await withTempDir(async (dir) => {
    const empty = memoryIo();
    assert.equal(await runSessionsCommand(["--log-dir", dir], empty), 2);
    assert.match(empty.stderr(), /no logs: no <session>\.jsonl files in /);
    const missing = memoryIo();
    assert.equal(await runSessionsCommand(["--log-dir", `${dir}/x`], missing), 2);
    assert.match(missing.stderr(), /does not exist/);
    assert.equal(await runSessionsCommand(["extra"], memoryIo()), 2);
  });
});

Deno.test("sessions answers --help with its options and exit 0", async () => {
  const io = memoryIo();
  assert.equal(await runSessionsCommand(["--help"], io), 0);
  assert.match(io.stdout(), /^Usage: peak-trade /);
  assert.ok(io.stdout().includes("--log-dir"));
});

Deno.test("sessions accepts --path of the original viewer", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 6));
    const sessions = memoryIo();
    assert.equal(await runSessionsCommand(["--path", dir, "--json"], sessions), 0);
    assert.equal(JSON.parse(sessions.stdout())[0].session_id, "s");
  });
});

Deno.test("sessions --log-dir naming a file exits 2 with our own message", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    const io = memoryIo();
    assert.equal(await runSessionsCommand(["--log-dir", file], io), 2);
    assert.match(io.stderr(), /^peak-trade sessions: .*file exists but is not a directory; pass/);
  });
});
