import assert from "node:assert/strict";
import { type DashboardServer, runServeCommand } from "../../cli/serve.ts";
import { memoryIo } from "../../cli/io.ts";
import { runStartCommand } from "../../cli/start.ts";
import { withLogDir } from "../routes/fixtures.ts";
import { listening } from "./helpers.ts";

Deno.test("serve --help prints the options and exits 0", async () => {
  const io = memoryIo();
  assert.equal(await runServeCommand(["--help"], io), 0);
  for (const flag of ["--port", "--hostname", "--log-dir", "--token", "PEAK_DASHBOARD_TOKEN"]) {
    assert.ok(io.stdout().includes(flag), flag);
  }
});

Deno.test("serve exits 2 on bad flags with a message naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["--port", "http"], /--port must be an integer from 0 to 65535/],
    [["--port", "70000"], /--port must be an integer/],
    [["--port"], /--port needs a value/],
    [["--bogus"], /unknown option "--bogus"/],
    [["--token="], /--token must not be empty/],
    [["--token", "my secret"], /--token: must be printable ASCII without spaces/],
    [["--token", "caf\u00e9"], /--token: must be printable ASCII without spaces/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runServeCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message);
  }
});

Deno.test("serve refuses a non-loopback hostname without a token and says how to fix it", async () => {
  for (const hostname of ["0.0.0.0", "192.168.1.10", "::"]) {
    const io = memoryIo();
    assert.equal(await runServeCommand(["--hostname", hostname], io), 2);
    assert.match(io.stderr(), /refusing to serve on .* without a token/);
    assert.match(io.stderr(), /--token/);
    assert.match(io.stderr(), /PEAK_DASHBOARD_TOKEN/);
  }
});

Deno.test("serve on a loopback port 0 prints the URL, answers, and stops on the signal", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(["--port", "0", "--log-dir", dir], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    try {
      const { url } = await listening(exit, started.promise);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.ok(io.stdout().includes(`Dashboard: ${url}`), io.stdout());
      const res = await fetch(new URL("/healthz", url));
      assert.equal(res.status, 200);
      assert.equal((await res.json()).status, "ok");
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
    assert.match(io.stdout(), /Dashboard stopped/);
  });
});

Deno.test("serve takes the token from PEAK_DASHBOARD_TOKEN and protects the API", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo({ env: { PEAK_DASHBOARD_TOKEN: "env-token-0123456789" } });
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(["--port", "0", "--hostname", "0.0.0.0", "--log-dir", dir], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    try {
      const { port } = await listening(exit, started.promise);
      const denied = await fetch(`http://127.0.0.1:${port}/api/live/sessions`);
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const allowed = await fetch(`http://127.0.0.1:${port}/api/live/sessions`, {
        headers: { authorization: "Bearer env-token-0123456789" },
      });
      assert.equal(allowed.status, 200);
      await allowed.body?.cancel();
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("serve refuses a PEAK_DASHBOARD_TOKEN that cannot travel in a bearer header", async () => {
  const io = memoryIo({ env: { PEAK_DASHBOARD_TOKEN: "two words" } });
  assert.equal(await runServeCommand(["--port", "0"], io), 2);
  assert.match(io.stderr(), /PEAK_DASHBOARD_TOKEN: must be printable ASCII without spaces/);
});

Deno.test("a login whose next path holds DEL or non-ASCII redirects (encoded) and the server lives on", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(
      ["--port", "0", "--token", "t0ken-0123456789abcdef", "--log-dir", dir],
      io,
      {
        signal: stop.signal,
        onListen: started.resolve,
      },
    );
    try {
      const { port } = await listening(exit, started.promise);
      for (
        const [next, location] of [
          ["/\x7f", "/%7F"],
          ["/\u20ac?x=\u00e9", "/%E2%82%AC?x=%C3%A9"],
          ["/live/execution/demo?kind=fill", "/live/execution/demo?kind=fill"],
        ]
      ) {
        const res = await fetch(`http://127.0.0.1:${port}/login`, {
          method: "POST",
          body: new URLSearchParams({ token: "t0ken-0123456789abcdef", next }),
          redirect: "manual",
        });
        await res.body?.cancel();
        assert.equal(res.status, 303, JSON.stringify(next));
        assert.equal(res.headers.get("location"), location);
        assert.match(res.headers.get("set-cookie") ?? "", /HttpOnly/);
      }
      const health = await fetch(`http://127.0.0.1:${port}/healthz`, {
        headers: { authorization: "Bearer t0ken-0123456789abcdef" },
      });
      assert.equal(health.status, 200, "the server still answers");
      await health.body?.cancel();
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("serve exits 2 when the port is in use, naming the address and the fix", async () => {
  await withLogDir(async (dir) => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const io = memoryIo();
    assert.equal(await runServeCommand(["--port", String(port), "--log-dir", dir], io), 2);
    assert.match(
      io.stderr(),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
    );
    assert.match(io.stderr(), /--port 0 for a free one/);
    assert.doesNotMatch(io.stderr(), /os error/);
  });
});

Deno.test("serve says when the log root does not exist yet", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const missing = `${dir}/not-yet`;
    const exit = runServeCommand(["--port", "0", "--log-dir", missing], io, {
      signal: stop.signal,
      onListen: started.resolve,
    });
    try {
      await listening(exit, started.promise);
      assert.ok(
        io.stdout().includes(`Log root: ${missing} (does not exist yet: the index is empty`),
        io.stdout(),
      );
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("serve on 0.0.0.0 says to use the host's own name from other machines", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(
      ["--port", "0", "--hostname", "0.0.0.0", "--token", "t-0123456789abcdef", "--log-dir", dir],
      io,
      { signal: stop.signal, onListen: started.resolve },
    );
    try {
      await listening(exit, started.promise);
      assert.match(io.stdout(), /Listening on every interface: .* instead of 0\.0\.0\.0/);
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});

Deno.test("serve answers a bad flag with one line and a pointer to --help", async () => {
  const io = memoryIo();
  assert.equal(await runServeCommand(["--colour"], io), 2);
  assert.equal(
    io.stderr(),
    'peak-trade serve: unknown option "--colour" ' +
      "(see `peak-trade serve --help` or `deno task serve --help`)\n",
  );
  assert.equal(io.stdout(), "");
  const task = memoryIo({ program: "deno task" });
  assert.equal(await runServeCommand(["--colour"], task), 2);
  assert.match(task.stderr(), /\(see `deno task serve --help`\)\n$/);
});

Deno.test("serve exits 2 before listening when the log directory is a file", async () => {
  await withLogDir(async (dir) => {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "x\n");
    const io = memoryIo();
    // Should it serve anyway, stop it at once so the failure is an assertion, not a hang.
    const stop = new AbortController();
    const code = await runServeCommand(["--port", "0", "--log-dir", file], io, {
      signal: stop.signal,
      onListen: () => stop.abort(),
    });
    assert.equal(code, 2);
    assert.equal(io.stdout(), "");
    assert.match(io.stderr(), /^peak-trade serve: .*file exists but is not a directory; pass/);
  });
});

Deno.test("serve refuses bad schedule flags and a bad config, naming them", async () => {
  await withLogDir(async (dir) => {
    const bad = `${dir}/bad.toml`;
    await Deno.writeTextFile(bad, "[execution.alerts]\nevaluate_every = 30\n");
    const cases: [string[], RegExp][] = [
      [["--snapshot-interval", "soon"], /--snapshot-interval: expected a duration/],
      [["--alerts-interval", "500ms"], /--alerts-interval: must be at least 1s \(or off\)/],
      [
        ["--config", bad],
        /bad\.toml:2:18: execution\.alerts\.evaluate_every: expected a duration string/,
      ],
      [["--config", `${dir}/none.toml`], /config file not found/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIo();
      assert.equal(
        await runServeCommand(["--port", "0", "--log-dir", dir, ...args], io),
        2,
        args.join(" "),
      );
      assert.match(io.stderr(), message);
    }
  });
});

Deno.test("serve with --config evaluates the alert rules on its schedule and says so", async () => {
  await withLogDir(async (dir) => {
    const config = `${dir}/ops.toml`;
    await Deno.writeTextFile(config, '[execution.alerts]\nevaluate_every = "1h"\n');
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(
      ["--port", "0", "--log-dir", dir, "--config", config, "--snapshot-interval", "off"],
      io,
      { signal: stop.signal, onListen: (s) => started.resolve(s) },
    );
    const server = await listening(exit, started.promise);
    const res = await fetch(new URL("/api/telemetry/health", server.url));
    assert.equal(res.status, 200);
    await res.body?.cancel();
    stop.abort();
    assert.equal(await exit, 0);
    assert.match(io.stdout(), /Telemetry: health snapshots off; alert rules evaluated every 1h/);
  });
});

Deno.test("serve and start refuse a token shorter than 16 characters, from the flag or the environment", async () => {
  for (const [run, name] of [[runServeCommand, "serve"], [runStartCommand, "start"]] as const) {
    const flag = memoryIo();
    assert.equal(await run(["--token", "a", "--port", "0"], flag), 2);
    assert.match(
      flag.stderr(),
      new RegExp(`^peak-trade ${name}: --token: must be at least 16 characters \\(got 1\\)`),
    );
    assert.match(flag.stderr(), /openssl rand -hex 32/);
    const env = memoryIo({ env: { PEAK_DASHBOARD_TOKEN: "short-token" } });
    assert.equal(await run(["--port", "0"], env), 2);
    assert.match(env.stderr(), /PEAK_DASHBOARD_TOKEN: must be at least 16 characters \(got 11\)/);
  }
});

Deno.test("serve --help lists every limit flag with its default", async () => {
  const io = memoryIo();
  assert.equal(await runServeCommand(["--help"], io), 0);
  for (
    const line of [
      /--max-connections N .*\n.*at most 1024/,
      /--max-streams N .*default 1024/,
      /--idle-timeout S .*default 30\)/,
      /--header-timeout S .*default 10\)/,
      /--request-timeout S .*default 30\)/,
      /--shutdown-timeout S .*default 3\)/,
    ]
  ) {
    assert.match(io.stdout(), line);
  }
});

Deno.test("serve refuses a bad limit value with a message naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["--max-connections", "0"], /--max-connections must be a whole number from 1/],
    [["--max-connections", "ten"], /--max-connections must be a whole number/],
    [["--max-streams", "-1"], /--max-streams must be a whole number/],
    [["--idle-timeout", "0"], /--idle-timeout must be seconds, more than 0/],
    [["--header-timeout", "1e3"], /--header-timeout must be seconds/],
    [["--request-timeout", "100000"], /--request-timeout must be seconds, .*at most 86400/],
    [["--shutdown-timeout"], /--shutdown-timeout needs a value/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runServeCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message);
  }
});

Deno.test("serve passes its limit flags to the server and prints the limits in force", async () => {
  await withLogDir(async (dir) => {
    const io = memoryIo();
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(
      [
        "--port=0",
        `--log-dir=${dir}`,
        "--max-connections=7",
        "--max-streams",
        "3",
        "--idle-timeout",
        "2.5",
        "--header-timeout=4s",
        "--request-timeout",
        "9",
        "--shutdown-timeout",
        "0.5",
      ],
      io,
      { signal: stop.signal, onListen: started.resolve },
    );
    try {
      const server = await listening(exit, started.promise);
      assert.deepEqual(
        {
          maxConnections: server.limits.maxConnections,
          maxEventStreams: server.limits.maxEventStreams,
          idleTimeoutMs: server.limits.idleTimeoutMs,
          headerTimeoutMs: server.limits.headerTimeoutMs,
          requestTimeoutMs: server.limits.requestTimeoutMs,
          shutdownTimeoutMs: server.limits.shutdownTimeoutMs,
        },
        {
          maxConnections: 7,
          maxEventStreams: 3,
          idleTimeoutMs: 2500,
          headerTimeoutMs: 4000,
          requestTimeoutMs: 9000,
          shutdownTimeoutMs: 500,
        },
      );
      assert.match(
        io.stdout(),
        /Limits: 7 connections \(idle 2\.5 s, header 4 s\), 3 live streams, answers within 9 s\./,
      );
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });
});
