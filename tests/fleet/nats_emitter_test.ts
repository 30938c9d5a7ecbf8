// NatsExecutionEmitter against a real nats-server: events arrive in the central root through
// collect; a new emitter (a restarted process) continues the session's seq from the stream; with
// no server, events wait in memory, flush gives up at its timeout and close counts them as lost.
import assert from "node:assert/strict";
import { NatsExecutionEmitter } from "../../execution/fleet/nats_emitter.ts";
import type { TelemetryErrorReport } from "../../execution/telemetry/problem_reporter.ts";
import { startNatsServer } from "./nats_server.ts";
import { makeBatch, runCollector, seqLine, sessionBytes, testEvent, waitFor } from "./helpers.ts";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { ensureFleetStream } from "../../execution/fleet/fleet_stream.ts";
import { fleetBatchHeaders } from "../../execution/fleet/batch_message.ts";
import { fleetSubject } from "../../execution/fleet/subjects.ts";
import { encodeEventLine } from "../../execution/telemetry/line_encoder.ts";

const encoder = new TextEncoder();

function seqs(bytes: Uint8Array): number[] {
  return [...new TextDecoder().decode(bytes).matchAll(/"seq":(\d+)\}\n/g)].map((m) => Number(m[1]));
}

Deno.test("events published by the emitter reach the central root, and a restarted emitter continues the seq", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startNatsServer();
  const collector = runCollector(dir, server.url);
  try {
    for (const round of [0, 1]) {
      const emitter = new NatsExecutionEmitter({ servers: server.url, hostId: "proc-1" });
      for (let i = 0; i < 1000; i++) emitter.emit(testEvent("live-1", round * 1000 + i));
      await emitter.flush();
      assert.equal(emitter.stats.acknowledged, 1000);
      await emitter.close();
      assert.equal(emitter.stats.dropped, 0);
    }
    const expected = Array.from({ length: 2000 }, (_, i) => i + 1);
    await waitFor("2000 events in the central root", async () => {
      try {
        return seqs(await sessionBytes(dir, "proc-1.live-1")).length === 2000;
      } catch {
        return false;
      }
    }, 30_000);
    assert.deepEqual(seqs(await sessionBytes(dir, "proc-1.live-1")), expected);
  } finally {
    await collector.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("interleaved sessions emitted while batches are in flight arrive whole, each in seq order", async () => {
  const dir = await Deno.makeTempDir();
  await using server = await startNatsServer();
  const collector = runCollector(dir, server.url);
  // Small batches: most events are queued behind a batch that is being published.
  const emitter = new NatsExecutionEmitter({
    servers: server.url,
    hostId: "proc-2",
    batchBytes: 4096,
  });
  try {
    const sessions = ["a", "b", "c"];
    for (let i = 0; i < 3000; i++) {
      emitter.emit(testEvent(sessions[i % 3], i));
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await emitter.flush();
    assert.equal(emitter.stats.acknowledged, 3000);
    const expected = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const session of sessions) {
      const name = `proc-2.${session}`;
      await waitFor(`1000 events of ${name}`, async () => {
        try {
          return seqs(await sessionBytes(dir, name)).length === 1000;
        } catch {
          return false;
        }
      }, 30_000);
      const bytes = await sessionBytes(dir, name);
      assert.deepEqual(seqs(bytes), expected);
      // Every line is the event as emitted (the i-th event of the session is testEvent(…, 3i + k)).
      const lines = new TextDecoder().decode(bytes).trimEnd().split("\n");
      const k = sessions.indexOf(session);
      for (const [n, line] of lines.entries()) {
        const { seq: _seq, ...event } = JSON.parse(line);
        assert.deepEqual(event, testEvent(session, 3 * n + k));
      }
    }
  } finally {
    await emitter.close();
    await collector.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the memory cap holds after the queue was renumbered to continue a long stream", async () => {
  await using server = await startNatsServer();
  // The stream holds this host's session up to seq 10^12: queued lines get 13-digit numbers.
  const nc = await connect({ servers: server.url });
  try {
    await ensureFleetStream(nc, { stream: "PEAK_EXEC" }, fleetSubject("proc-3", "long"));
    const batch = makeBatch("proc-3", "long", [seqLine(1e12)], { seq: 1e12 - 1, n: 0 });
    const h = headers();
    for (const [name, value] of fleetBatchHeaders(batch)) h.set(name, value);
    await jetstream(nc).publish(fleetSubject("proc-3", "long"), batch.body, { headers: h });
  } finally {
    await nc.close();
  }
  const cap = 40_000;
  const emitter = new NatsExecutionEmitter({
    servers: server.url,
    hostId: "proc-3",
    maxBufferedBytes: cap,
    timeoutMs: 200,
    onError: () => {},
  });
  try {
    // Queued before the stream's last key is known (numbered 1, 2, …), renumbered after it.
    for (let i = 0; i < 100; i++) emitter.emit(testEvent("long", i));
    await emitter.flush();
    assert.equal(emitter.stats.acknowledged, 100);
    // Now fill the memory in one synchronous burst (nothing is published meanwhile): what is
    // accepted must fit the cap.
    let i = 100;
    while (emitter.stats.dropped === 0) emitter.emit(testEvent("long", i++));
    let bytes = 0;
    for (let k = 100; k < i - 1; k++) {
      bytes += encoder.encode(encodeEventLine(testEvent("long", k), 1e12 + k + 1)).length;
    }
    assert.ok(bytes <= cap, `${bytes} bytes accepted under a cap of ${cap}`);
    assert.ok(bytes > cap - 1_000, `only ${bytes} bytes accepted under a cap of ${cap}`);
  } finally {
    await emitter.close({ timeoutMs: 100 });
  }
});

Deno.test("without a server, the emitter keeps events in memory, flush gives up at its timeout, close counts them lost", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const reports: TelemetryErrorReport[] = [];
  const emitter = new NatsExecutionEmitter({
    servers: `127.0.0.1:${port}`,
    hostId: "proc-1",
    timeoutMs: 200,
    onError: (r) => reports.push(r),
  });
  for (let i = 0; i < 3; i++) emitter.emit(testEvent("live-1", i));
  await emitter.flush(300);
  assert.equal(emitter.stats.buffered, 3, "still waiting in memory");
  assert.equal(emitter.stats.acknowledged, 0);
  await emitter.close({ timeoutMs: 100 });
  assert.equal(emitter.stats.dropped, 3);
  assert.equal(emitter.stats.buffered, 0);
  emitter.emit(testEvent("live-1", 3));
  assert.equal(emitter.stats.dropped, 4, "an event after close() is dropped and counted");
  assert.ok(reports.some((r) => /cannot publish to NATS \(nothing listens at/.test(r.message)));
});

Deno.test("the emitter drops and counts events beyond its memory cap", () => {
  const emitter = new NatsExecutionEmitter({
    servers: "127.0.0.1:1",
    hostId: "proc-1",
    maxBufferedBytes: 600,
    onError: () => {},
  });
  for (let i = 0; i < 10; i++) emitter.emit(testEvent("live-1", i));
  const stats = emitter.stats;
  assert.ok(stats.dropped > 0 && stats.emitted > 0, JSON.stringify(stats));
  assert.equal(stats.emitted + stats.dropped, 10);
  return emitter.close({ timeoutMs: 10 });
});

Deno.test("the emitter refuses an invalid host id at construction and counts invalid session ids", async () => {
  assert.throws(
    () => new NatsExecutionEmitter({ servers: "127.0.0.1:1", hostId: "a.b" }),
    /invalid host id/,
  );
  const emitter = new NatsExecutionEmitter({
    servers: "127.0.0.1:1",
    hostId: "h",
    onError: () => {},
  });
  emitter.emit({ ...testEvent("x", 0), session_id: "../etc" });
  assert.equal(emitter.stats.refused, 1);
  await emitter.close({ timeoutMs: 10 });
});
