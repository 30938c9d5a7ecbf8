import assert from "node:assert/strict";
import type { DashboardServer } from "../../cli/serve.ts";
import { runStartCommand } from "../../cli/start.ts";
import { memoryIo } from "../../cli/io.ts";
import { withLogDir } from "../routes/fixtures.ts";
import { listening } from "./helpers.ts";
import { readSegmentManifest } from "../../execution/telemetry/segments.ts";

Deno.test("start runs the demo into a fresh session and prints that session's page URL", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runStartCommand(["--port", "0", "--log-dir", dir], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    try {
      await listening(exit, started.promise);
      const pageUrl = /Dashboard: (\S+)/.exec(io.stdout())?.[1];
      assert.ok(pageUrl, io.stdout());
      const sessionId = /\/live\/execution\/([A-Za-z0-9._-]+)$/.exec(pageUrl)?.[1];
      assert.ok(sessionId, pageUrl);
      // Dot-entries are the server's own state (health snapshots), not sessions.
      const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.startsWith("."));
      assert.deepEqual(files, [`${sessionId}.jsonl`]);
      const res = await fetch(pageUrl);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /data-island/);
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("start exits 2 on bad flags before writing anything", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    assert.equal(await runStartCommand(["--port", "x", "--log-dir", dir], io), 2);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("start exits 2 before serving when the demo session cannot be written", async () => {
  await withLogDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    const io = memoryIo();
    // Should it start serving anyway, stop it at once so the failure is an assertion, not a hang.
    const stop = new AbortController();
    const code = await runStartCommand(["--port", "0", "--log-dir", file], io, {
      signal: stop.signal,
      onListen: () => stop.abort(),
    });
    assert.equal(code, 2);
    assert.equal(io.stdout(), "", "no 'written to' claim, no dashboard");
    assert.match(
      io.stderr(),
      /cannot write the demo session: .*file exists but is not a directory/,
    );
    assert.equal(await Deno.readTextFile(file), "x\n");
  });
});

Deno.test("start answers a bad flag with one line and a pointer to --help", async () => {
  const io = memoryIo();
  assert.equal(await runStartCommand(["--colour"], io), 2);
  assert.equal(
    io.stderr(),
    'peak-trade start: unknown option "--colour" ' +
      "(see `peak-trade start --help` or `deno task start --help`)\n",
  );
  assert.equal(io.stdout(), "");
});

Deno.test("start exits 2 when the port is taken, before writing any session", async () => {
  await withLogDir(async (dir) => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const io = memoryIo();
    const stop = new AbortController();
    const code = await runStartCommand(["--port", String(port), "--log-dir", dir], io, {
      signal: stop.signal,
      onListen: () => stop.abort(),
    });
    assert.equal(code, 2);
    assert.match(
      io.stderr(),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
    );
    assert.equal(io.stdout(), "", "no 'written to' claim");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no demo session was written");
  });
});

Deno.test("start's demo writer rotates as the --config file's [execution.telemetry.rotation] says", async () => {
  await withLogDir(async (dir) => {
    const config = `${dir}/rotation.toml`;
    await Deno.writeTextFile(
      config,
      "[execution.telemetry.rotation]\nmax_bytes = 4096\ndaily = false\n",
    );
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runStartCommand(["--port", "0", "--log-dir", dir, "--config", config], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    let sessionId: string | undefined;
    try {
      await listening(exit, started.promise);
      sessionId = /Demo session (\S+) written/.exec(io.stdout())?.[1];
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
    assert.ok(sessionId, io.stdout());
    const manifest = await readSegmentManifest(dir, sessionId);
    assert.ok(manifest !== null && manifest.segments.length >= 1, "the demo session rotated");
  });
});
