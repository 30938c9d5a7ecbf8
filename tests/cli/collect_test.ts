import assert from "node:assert/strict";
import { runCollectCommand } from "../../cli/collect.ts";
import { memoryIo } from "../../cli/io.ts";

Deno.test("collect --help prints the usage and the session id mapping, exit 0", async () => {
  const io = memoryIo();
  assert.equal(await runCollectCommand(["--help"], io), 0);
  assert.match(io.stdout(), /Usage: peak-trade collect --nats URL --log-dir CENTRAL/);
  assert.match(io.stdout(), /host H's session S becomes the session\s+H\.S/);
});

Deno.test("collect refuses bad flags with one line naming the flag, exit 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--nats: missing the NATS server URL/],
    [["--nats", "127.0.0.1:4222", "--durable", "a.b"], /--durable: "a.b" is not a consumer name/],
    [
      ["--nats", "127.0.0.1:4222", "--host", "h1", "--filter", "peak.exec.>"],
      /--host or --filter, not both/,
    ],
    [["--nats", "127.0.0.1:4222", "--host", "a.b"], /--host: invalid host id/],
    [["--nats", "127.0.0.1:4222", "--filter", "orders.>"], /is not a subject of the fleet/],
    [["--nats", "127.0.0.1:4222", "--rotate-mb", "-1"], /--rotate-mb: expected a positive number/],
    [["--nats", "127.0.0.1:4222", "--replicas", "1.5"], /--replicas: expected a positive integer/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runCollectCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message, args.join(" "));
  }
});
