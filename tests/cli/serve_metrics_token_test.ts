import assert from "node:assert/strict";
import { type DashboardServer, runServeCommand } from "../../cli/serve.ts";
import { memoryIo } from "../../cli/io.ts";
import { withLogDir } from "../routes/fixtures.ts";

Deno.test("serve --help documents --metrics-token and PEAK_METRICS_TOKEN", async () => {
  const io = memoryIo();
  assert.equal(await runServeCommand(["--help"], io), 0);
  assert.match(io.stdout(), /--metrics-token T/);
  assert.match(io.stdout(), /PEAK_METRICS_TOKEN/);
});

Deno.test("serve exits 2 on a bad metrics token, naming where it came from", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--metrics-token="], {}, /--metrics-token must not be empty/],
    [["--metrics-token"], {}, /--metrics-token needs a value/],
    [["--metrics-token", "two words"], {}, /--metrics-token: must be printable ASCII/],
    [[], { PEAK_METRICS_TOKEN: "caf\u00e9" }, /PEAK_METRICS_TOKEN: must be printable ASCII/],
  ];
  for (const [args, env, message] of cases) {
    const io = memoryIo({ env });
    assert.equal(await runServeCommand(["--port", "0", ...args], io), 2, args.join(" "));
    assert.match(io.stderr(), message);
  }
});

Deno.test("serve with PEAK_METRICS_TOKEN protects /metrics and leaves the rest as it was", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo({ env: { PEAK_METRICS_TOKEN: "prom-token-0123456789" } });
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(["--port", "0", "--log-dir", dir], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    try {
      const { url } = await Promise.race([
        started.promise,
        exit.then((code) => Promise.reject(new Error(`exited with ${code}`))),
      ]);
      const denied = await fetch(new URL("/metrics", url));
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const allowed = await fetch(new URL("/metrics", url), {
        headers: { authorization: "Bearer prom-token-0123456789" },
      });
      assert.equal(allowed.status, 200);
      assert.match(await allowed.text(), /^# HELP peak_exec_events_total/);
      const api = await fetch(new URL("/api/live/sessions", url));
      assert.equal(api.status, 200, "no dashboard token: the API stays open on loopback");
      await api.body?.cancel();
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("serve --metrics-token alone does not allow a non-loopback hostname", async () => {
  const io = memoryIo();
  const code = await runServeCommand(
    ["--hostname", "0.0.0.0", "--metrics-token", "prom-token-0123456789"],
    io,
  );
  assert.equal(code, 2);
  assert.match(io.stderr(), /refusing to serve on 0\.0\.0\.0 without a token/);
});
