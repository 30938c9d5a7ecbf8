// A real gap (lines that never reached the stream) is reported and recorded, and the lines after
// it are written; a batch that repeats lines already written is not written again.
import assert from "node:assert/strict";
import { connect, headers } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { readCentralSessionMeta } from "../../fleet/collect_state.ts";
import { fleetBatchHeaders } from "../../execution/fleet/batch_message.ts";
import { fleetSubject } from "../../execution/fleet/subjects.ts";
import { ensureFleetStream } from "../../execution/fleet/fleet_stream.ts";
import { startNatsServer } from "./nats_server.ts";
import {
  makeBatch,
  runCollector,
  type RunningCollector,
  seqLine,
  sessionBytes,
  waitFor,
} from "./helpers.ts";

Deno.test("collect reports and records a gap in seq, writes on after it, and skips repeated lines", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  const logged: string[] = [];
  const { collector, stop } = runCollector(dir, server.url, (line) => logged.push(line));
  try {
    await ensureFleetStream(nc, { stream: "PEAK_EXEC" }, fleetSubject("h1", "s1"));
    const js = jetstream(nc);
    const publish = async (batch: ReturnType<typeof makeBatch>) => {
      const h = headers();
      for (const [name, value] of fleetBatchHeaders(batch)) h.set(name, value);
      await js.publish(fleetSubject("h1", "s1"), batch.body, { headers: h });
    };
    await publish(makeBatch("h1", "s1", [seqLine(1), seqLine(2)]));
    // Lines 3 and 4 never reach the stream (deleted on the host before shipping, say).
    await publish(makeBatch("h1", "s1", [seqLine(5), seqLine(6)], { seq: 4, n: 0 }));
    // A shipper restarted from an old checkpoint sends 5 and 6 again, and 7.
    await publish(makeBatch("h1", "s1", [seqLine(5), seqLine(6), seqLine(7)], { seq: 4, n: 0 }));
    const expected = [1, 2, 5, 6, 7].map((s) => `${seqLine(s)}\n`).join("");
    await waitFor("the lines after the gap", async () => {
      try {
        return new TextDecoder().decode(await sessionBytes(dir, "h1.s1")) === expected;
      } catch {
        return false;
      }
    }, 30_000);
    assert.ok(
      logged.some((l) => /h1\.s1: gap: the lines after key 2 and before 5 never arrived/.test(l)),
    );
    const meta = readCentralSessionMeta(dir, "h1.s1")!;
    assert.equal(meta.gap_count, 1);
    assert.deepEqual(meta.gaps.map((g) => [g.after, g.first]), [["2", "5"]]);
    assert.equal(collector.stats.duplicateLines, 2);
    assert.equal(collector.stats.gaps, 1);
  } finally {
    await stop();
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a batch delivered before the one it follows is preceded by that one, read from the stream", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  let running: RunningCollector | null = null;
  try {
    await ensureFleetStream(nc, { stream: "PEAK_EXEC" }, fleetSubject("h1", "s1"));
    const js = jetstream(nc);
    for (
      const batch of [
        makeBatch("h1", "s1", [seqLine(1), seqLine(2)]),
        makeBatch("h1", "s1", [seqLine(3), seqLine(4)], { seq: 2, n: 0 }),
      ]
    ) {
      const h = headers();
      for (const [name, value] of fleetBatchHeaders(batch)) h.set(name, value);
      await js.publish(fleetSubject("h1", "s1"), batch.body, { headers: h });
    }
    // Another client takes the first batch and neither acknowledges it nor dies: it is
    // redelivered only after the ack wait (30 s), long after this test is done.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add("PEAK_EXEC", {
      durable_name: "c",
      ack_policy: AckPolicy.Explicit,
      filter_subject: "peak.exec.>",
      ack_wait: 30_000_000_000, // nanoseconds
    });
    const taken = await (await js.consumers.get("PEAK_EXEC", "c")).fetch({ max_messages: 1 });
    for await (const m of taken) assert.equal(m.info.streamSequence, 1);
    running = runCollector(dir, server.url);
    const { collector } = running;
    const expected = [1, 2, 3, 4].map((s) => `${seqLine(s)}\n`).join("");
    await waitFor("all four lines, in order", async () => {
      try {
        return new TextDecoder().decode(await sessionBytes(dir, "h1.s1")) === expected;
      } catch {
        return false;
      }
    }, 20_000);
    assert.equal(collector.stats.filled, 1);
    assert.equal(collector.stats.gaps, 0);
  } finally {
    await running?.stop();
    await nc.close();
    await Deno.remove(dir, { recursive: true });
  }
});
