// Faults mid-stream against a real nats-server (file storage), with the real writer still
// writing: a shipper killed with SIGKILL and restarted, a collector killed with SIGKILL and
// restarted, the server stopped for 5 s and started again, and sessions rotating into compressed
// segments while they are shipped. Each time the central sessions must equal the host's byte for
// byte: nothing lost, nothing duplicated.
import assert from "node:assert/strict";
import { runScenario } from "./fleet_scenario.ts";

// Small batches keep the shipper busy long enough for the fault to land mid-stream.
const SLOW_SHIP = ["--batch-kb", "8"];

Deno.test("a shipper killed with SIGKILL mid-stream resumes from its checkpoint: nothing lost or repeated", async () => {
  await runScenario({
    events: 15_000,
    shipFlags: SLOW_SHIP,
    async fault(ctx) {
      await ctx.centralAtLeast(200_000);
      assert.ok(ctx.writing(), "the fault lands while the writer writes");
      ctx.ship.kill("SIGKILL");
      assert.equal((await ctx.ship.status).signal, "SIGKILL");
      ctx.restartShip();
    },
  });
});

Deno.test("a collector killed with SIGKILL mid-stream is restarted and writes each line once", async () => {
  const { collect } = await runScenario({
    events: 15_000,
    shipFlags: SLOW_SHIP,
    async fault(ctx) {
      await ctx.centralAtLeast(200_000);
      assert.ok(ctx.writing(), "the fault lands while the writer writes");
      ctx.collect.kill("SIGKILL");
      assert.equal((await ctx.collect.status).signal, "SIGKILL");
      ctx.restartCollect();
    },
  });
  assert.match(collect, /connected to/);
});

Deno.test("nats-server stopped for 5 s mid-stream and started again: shipping resumes, nothing lost", async () => {
  const { ship } = await runScenario({
    events: 15_000,
    shipFlags: SLOW_SHIP,
    async fault(ctx) {
      await ctx.centralAtLeast(200_000);
      assert.ok(ctx.writing(), "the fault lands while the writer writes");
      await ctx.server.stop();
      // The outage itself is the scenario: five seconds without a server.
      await new Promise((r) => setTimeout(r, 5000));
      await ctx.server.start();
    },
  });
  assert.match(ship, /publish failed|cannot connect/, "the shipper noticed the outage");
});

Deno.test("sessions rotating into compressed segments while shipped (and a shipper restart) lose nothing", async () => {
  await runScenario({
    events: 12_000,
    shipFlags: SLOW_SHIP,
    writer: { rotateBytes: 256 * 1024 },
    async fault(ctx) {
      await ctx.centralAtLeast(100_000);
      await ctx.rotate("s1");
      ctx.ship.kill("SIGKILL");
      await ctx.ship.status;
      await ctx.rotate("s2");
      ctx.restartShip();
    },
  });
});
