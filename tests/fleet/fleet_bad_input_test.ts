// Bad input for the fleet commands: a NATS URL where nothing listens (a clear error and a retry
// loop, not a crash), and messages on the fleet's subjects that are not our format (counted and
// skipped, and the batches around them still written).
import assert from "node:assert/strict";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { startNatsServer } from "./nats_server.ts";
import { makeBatch, seqLine, sessionBytes, spawnCli, waitFor } from "./helpers.ts";
import { FLEET_BATCH_HEADERS, fleetBatchHeaders } from "../../execution/fleet/batch_message.ts";
import { fleetSubject } from "../../execution/fleet/subjects.ts";

/** A loopback port where nothing listens (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

for (const command of ["ship", "collect"]) {
  Deno.test(`${command} with an unreachable URL says so plainly and keeps retrying until stopped`, async () => {
    const dir = await Deno.makeTempDir();
    const port = closedPort();
    const hostFlags = command === "ship" ? ["--host-id", "h1"] : [];
    await using proc = spawnCli([
      command,
      "--nats",
      `127.0.0.1:${port}`,
      ...hostFlags,
      "--log-dir",
      dir,
    ]);
    try {
      await waitFor(
        "the first failed attempt",
        () =>
          /cannot connect: nothing listens at 127\.0\.0\.1:\d+\b.*retrying in \d+\.\d s/.test(
            proc.stderr(),
          ),
        30_000,
      );
      // Retries come every few hundred milliseconds at first (repeats are logged once per 30 s):
      // still running well after that is a retry loop, not a crash.
      const stillRunning = await Promise.race([
        proc.status.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 1500)),
      ]);
      assert.ok(stillRunning, `${command} must not exit:\n${proc.stderr()}`);
      proc.kill("SIGTERM");
      assert.equal((await proc.status).code, 0, proc.stderr());
      assert.doesNotMatch(proc.stderr(), /Uncaught|stack| {4}at /);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("collect counts and skips messages that are not fleet batches, and writes the batches around them", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startNatsServer();
  await using collect = spawnCli(["collect", "--nats", server.url, "--log-dir", dir]);
  const nc = await connect({ servers: server.url });
  try {
    await waitFor(
      "the consumer",
      () => /durable consumer .* created/.test(collect.stderr()),
      30_000,
    );
    const js = jetstream(nc);
    const subject = fleetSubject("h1", "s1");
    const publishBatch = async (batch: ReturnType<typeof makeBatch>, id: string) => {
      const h = headers();
      for (const [name, value] of fleetBatchHeaders(batch)) h.set(name, value);
      await js.publish(subject, batch.body, { msgID: id, headers: h });
    };
    await publishBatch(makeBatch("h1", "s1", [seqLine(1), seqLine(2)]), "a");
    // Another producer's message on our subject, and one of our format whose body was damaged.
    await js.publish(subject, new TextEncoder().encode('{"price": 1}\n'));
    const damaged = headers();
    for (
      const [name, value] of fleetBatchHeaders(
        makeBatch("h1", "s1", [seqLine(3)], { seq: 2, n: 0 }),
      )
    ) {
      damaged.set(name, value);
    }
    damaged.set(FLEET_BATCH_HEADERS.lines, "7");
    await js.publish(subject, new TextEncoder().encode(`${seqLine(3)}\n`), { headers: damaged });
    await publishBatch(makeBatch("h1", "s1", [seqLine(3), seqLine(4)], { seq: 2, n: 0 }), "b");
    const expected = [1, 2, 3, 4].map((s) => `${seqLine(s)}\n`).join("");
    await waitFor("the two batches", async () => {
      try {
        return new TextDecoder().decode(await sessionBytes(dir, "h1.s1")) === expected;
      } catch {
        return false;
      }
    }, 30_000);
    collect.kill("SIGTERM");
    assert.equal((await collect.status).code, 0);
    assert.match(
      collect.stderr(),
      /skipped a message on peak\.exec\.h1\.s1 that is not a fleet batch \(no Peak-Format header\)/,
    );
    assert.match(collect.stderr(), /wrote 4 lines .* 2 foreign messages/);
  } catch (err) {
    console.error(collect.stderr());
    throw err;
  } finally {
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  }
});
