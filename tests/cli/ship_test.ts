import assert from "node:assert/strict";
import { runShipCommand } from "../../cli/ship.ts";
import { memoryIo } from "../../cli/io.ts";
import { markShippedRootSync } from "../../execution/fleet/ship_checkpoint.ts";

Deno.test("ship --help prints the usage with the NATS and permission notes, exit 0", async () => {
  const io = memoryIo();
  assert.equal(await runShipCommand(["--help"], io), 0);
  assert.match(io.stdout(), /Usage: peak-trade ship --nats URL --host-id ID/);
  assert.match(io.stdout(), /--allow-net=nats.internal,10.0.0.5:4222/);
});

Deno.test("ship refuses bad flags with one line naming the flag, exit 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--host-id", "h1"], /--nats: missing the NATS server URL/],
    [["--nats", "127.0.0.1:4222"], /--host-id: missing this host's id/],
    [["--nats", "127.0.0.1:4222", "--host-id", "a.b"], /invalid host id "a.b"/],
    [["--nats", "http://x/y", "--host-id", "h1"], /is not a NATS URL/],
    [["--nats", "127.0.0.1:4222", "--host-id", "h1", "--stream", "a.b"], /--stream: "a.b" is not/],
    [
      ["--nats", "127.0.0.1:4222", "--host-id", "h1", "--batch-kb", "0"],
      /--batch-kb: expected a positive integer/,
    ],
    [["--nats", "127.0.0.1:4222", "--host-id", "h1", "--user", "u"], /--user needs --password/],
    [
      ["--nats", "127.0.0.1:4222", "--host-id", "h1", "--creds", "/nonexistent.creds"],
      /--creds: cannot read/,
    ],
    [
      ["--nats", "127.0.0.1:4222", "--host-id", "h1", "--token", "t", "--creds", "/etc/hostname"],
      /one of --token, --user\/--password and --creds/,
    ],
    [
      ["--nats", "127.0.0.1:4222", "--host-id", "h1", "--tls-cert", "/etc/hostname"],
      /--tls-cert and --tls-key go together/,
    ],
    [["--nats", "127.0.0.1:4222", "--host-id", "h1", "extra"], /Unexpected argument 'extra'/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runShipCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message, args.join(" "));
    assert.equal(io.stderr().trim().split("\n").length, 1, "one line");
  }
});

Deno.test("ship takes the URL, host id and token from the environment", async () => {
  // A root shipped as another host stops ship before it connects: the flags were accepted.
  const dir = await Deno.makeTempDir();
  try {
    markShippedRootSync(dir, "other-host", "PEAK_EXEC");
    const io = memoryIo({
      env: { PEAK_NATS_URL: "127.0.0.1:1", PEAK_HOST_ID: "h1", PEAK_NATS_TOKEN: "secret" },
    });
    assert.equal(await runShipCommand(["--log-dir", dir], io), 2);
    assert.match(io.stderr(), /shipping .* as h1 to PEAK_EXEC at 127.0.0.1:1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ship refuses a log root already shipped under another host id, and says how to fix it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    markShippedRootSync(dir, "host-a", "PEAK_EXEC");
    const io = memoryIo();
    const code = await runShipCommand(
      ["--nats", "127.0.0.1:1", "--host-id", "host-b", "--log-dir", dir],
      io,
    );
    assert.equal(code, 2);
    assert.match(io.stderr(), /is shipped as host host-a to stream PEAK_EXEC/);
    assert.match(
      io.stderr(),
      /Pass --host-id host-a --stream PEAK_EXEC, or remove .*\.fleet\/ship/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ship refuses a log root that is a file", async () => {
  const file = await Deno.makeTempFile();
  try {
    const io = memoryIo();
    assert.equal(
      await runShipCommand(["--nats", "127.0.0.1:1", "--host-id", "h1", "--log-dir", file], io),
      2,
    );
    assert.match(io.stderr(), /exists but is not a directory/);
  } finally {
    await Deno.remove(file);
  }
});
