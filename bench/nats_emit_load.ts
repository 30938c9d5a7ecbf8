/**
 * The NATS emitter (`NatsExecutionEmitter`, fleet mode without a local file)
 * against the floor of its transport, in one run with a real nats-server
 * (JetStream, file storage) on loopback:
 *
 * - ours: `--events` fill events over `--sessions` sessions through
 *   `emit()` (chunks of 1,000 with a macrotask yield; waiting for `flush()`
 *   whenever 40,000 events wait, below the emitter's 16 MiB cap), until
 *   `flush()` resolves (every event acknowledged by JetStream);
 * - the floor: the same lines, encoded before the clock starts, published
 *   as batches of the emitter's size with the same headers and message ids,
 *   one acknowledged publish after another per session (what the emitter
 *   does), by the same NATS client.
 *
 * Alternating rounds, medians; CPU time of this process (every thread) per
 * event beside the wall clock, and the ratio. The time inside `emit()` (the
 * caller's cost: the line built and queued; wall clock of the synchronous
 * calls, so this thread only) is printed too.
 *
 * Usage:
 *   deno run -A --lock=bench/deno.lock bench/nats_emit_load.ts [--events 200000] [--sessions 2] [--rounds 3]
 * Smoke (bench-smoke):
 *   deno run -A --lock=bench/deno.lock bench/nats_emit_load.ts --events 5000 --rounds 1
 *
 * nats-server must be installed (Debian: `apt-get install nats-server`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { NatsExecutionEmitter } from "../execution/fleet/nats_emitter.ts";
import { connectNats } from "../execution/fleet/nats_connection.ts";
import { ensureFleetStream } from "../execution/fleet/fleet_stream.ts";
import { fleetSubject } from "../execution/fleet/subjects.ts";
import { fleetBatchHeaders, fleetBatchMessageId } from "../execution/fleet/batch_message.ts";
import { encodeEventLine } from "../execution/telemetry/line_encoder.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { startNatsServer } from "../tests/fleet/nats_server.ts";
import { fillEvent } from "./fill_event.ts";
import { cpuMs, loadAverage, median } from "./measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "200000" },
    sessions: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
  },
});
const EVENTS = Number(values.events);
const SESSIONS = Number(values.sessions);
const ROUNDS = Number(values.rounds);
for (const [name, v] of Object.entries({ EVENTS, SESSIONS, ROUNDS })) {
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`--${name.toLowerCase()}: expected a positive integer`);
    Deno.exit(2);
  }
}
/** The emitter's default batch size. */
const BATCH_BYTES = 256 * 1024;
const CHUNK = 1_000;
/** Events waiting for acknowledgement at which the producer waits (about 10 MiB of lines). */
const HIGH_WATER = 40_000;
const encoder = new TextEncoder();

function fill(sessionId: string, i: number): ExecutionEvent {
  return fillEvent(sessionId, i, formatWireTimestamp(1_795_599_045_123_456 + i));
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Measured {
  wallMs: number;
  cpuMs: number;
  /** Wall time inside the synchronous `emit()` calls (this thread only). */
  emitMs?: number;
}

/** Ours: emit every event, then wait until JetStream acknowledged them all. */
async function ours(url: string, host: string): Promise<Measured> {
  const events = Array.from(
    { length: EVENTS },
    (_, i) => fill(`s${i % SESSIONS}`, i),
  );
  const emitter = new NatsExecutionEmitter({ servers: url, hostId: host });
  const cpu0 = cpuMs();
  const t0 = performance.now();
  let emitMs = 0;
  for (let at = 0; at < EVENTS; at += CHUNK) {
    const c = performance.now();
    const end = Math.min(EVENTS, at + CHUNK);
    for (let i = at; i < end; i++) emitter.emit(events[i]);
    emitMs += performance.now() - c;
    await yieldTurn();
    // Past its memory cap (16 MiB) the emitter drops: a producer this fast waits for acks.
    if (emitter.stats.buffered >= HIGH_WATER) await emitter.flush();
  }
  await emitter.flush();
  const wallMs = performance.now() - t0;
  const used = cpuMs() - cpu0;
  const { acknowledged, dropped } = emitter.stats;
  await emitter.close();
  if (acknowledged !== EVENTS || dropped !== 0) {
    throw new Error(`ours: ${acknowledged} acknowledged, ${dropped} dropped of ${EVENTS}`);
  }
  return { wallMs, cpuMs: used, emitMs };
}

/** The floor: the same lines, encoded beforehand, published as the emitter's batches. */
async function floor(url: string, host: string): Promise<Measured> {
  const nc = await connectNats({ servers: url, name: "bench floor" });
  try {
    await ensureFleetStream(nc, { stream: "PEAK_EXEC" }, fleetSubject(host, "probe"));
    const js = jetstream(nc);
    const perSession = Array.from({ length: SESSIONS }, (_, s) => {
      const batches: { data: Uint8Array; msgId: string; headers: Array<[string, string]> }[] = [];
      let text = "";
      let seq = 0;
      let first = 1;
      const cut = () => {
        const key = (n: number) => ({ seq: n, n: 0 });
        batches.push({
          data: encoder.encode(text),
          msgId: fleetBatchMessageId(host, `s${s}`, key(first), key(seq)),
          headers: fleetBatchHeaders({
            hostId: host,
            sessionId: `s${s}`,
            prevKey: key(first - 1),
            firstKey: key(first),
            lastKey: key(seq),
            lines: seq - first + 1,
            offset: null,
          }),
        });
        text = "";
        first = seq + 1;
      };
      for (let i = s; i < EVENTS; i += SESSIONS) {
        text += encodeEventLine(fill(`s${s}`, i), ++seq);
        if (text.length >= BATCH_BYTES) cut();
      }
      if (text.length > 0) cut();
      return { subject: fleetSubject(host, `s${s}`), batches };
    });
    const cpu0 = cpuMs();
    const t0 = performance.now();
    await Promise.all(perSession.map(async ({ subject, batches }) => {
      for (const batch of batches) {
        const h = natsHeaders();
        for (const [name, value] of batch.headers) h.set(name, value);
        await js.publish(subject, batch.data, { msgID: batch.msgId, headers: h });
      }
    }));
    return { wallMs: performance.now() - t0, cpuMs: cpuMs() - cpu0 };
  } finally {
    await nc.close();
  }
}

await using server = await startNatsServer();
console.log(
  `nats_emit_load: ${EVENTS.toLocaleString("en")} fill events over ${SESSIONS} sessions, ` +
    `${ROUNDS} rounds; nats-server ${server.url}; load average ${loadAverage()}`,
);
const results = { ours: [] as Measured[], floor: [] as Measured[] };
for (let round = 0; round < ROUNDS; round++) {
  // A fresh host id per run: every run publishes new subjects (no duplicate detection at work).
  const order = round % 2 === 0 ? ["ours", "floor"] as const : ["floor", "ours"] as const;
  for (const name of order) {
    const host = `${name}-${round}`;
    results[name].push(
      name === "ours" ? await ours(server.url, host) : await floor(server.url, host),
    );
  }
}
const us = (ms: number) => (ms * 1000 / EVENTS).toFixed(2);
const wall = (name: keyof typeof results) => median(results[name].map((r) => r.wallMs));
const cpu = (name: keyof typeof results) => median(results[name].map((r) => r.cpuMs));
const emitMs = median(results.ours.map((r) => r.emitMs!));
console.log(
  `ours  (emit → acknowledged)  ${
    Math.round(EVENTS / wall("ours") * 1000).toLocaleString("en")
  } ev/s` +
    `  ${us(cpu("ours"))} µs CPU/event (inside emit() ${us(emitMs)} µs)`,
);
console.log(
  `floor (publish, pre-encoded) ${
    Math.round(EVENTS / wall("floor") * 1000).toLocaleString("en")
  } ev/s  ${us(cpu("floor"))} µs CPU/event`,
);
console.log(
  `ratio ours/floor: wall ${(wall("ours") / wall("floor")).toFixed(2)}×, ` +
    `CPU ${(cpu("ours") / cpu("floor")).toFixed(2)}×`,
);
