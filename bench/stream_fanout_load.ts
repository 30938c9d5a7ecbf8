/**
 * Load figure of the live stream's fan-out (issue 10): many SSE clients on one
 * session while a writer appends at a steady rate.
 *
 * - a dashboard server (`main.ts serve`) in its own process, its RSS sampled;
 * - `--clients` SSE clients spread over `--procs` client processes, each
 *   checking that it receives every event, in order, none twice (by `seq`),
 *   and how long after its write each batch arrived (the oldest row of a
 *   batch is its latest: its `ts` is the write time);
 * - a writer appending `--rate` events/s for `--seconds` s (in 10 ms ticks);
 * - `/healthz` probed every 50 ms throughout.
 *
 * The client processes run at `--client-nice` (default 19, the lowest CPU
 * priority): on a 2-core machine, 200 clients parsing a million rows a
 * second would otherwise take the cores the server needs, where a real
 * deployment's viewers are browsers on other machines. They still have to
 * keep up: an event that reaches a client late counts against the 2 s target.
 * Each client reads bytes, finds message ends natively and decodes each
 * message once (no text stream, no string concatenation).
 *
 * Targets (issue 10): every client receives every event in order, none twice,
 * each within 2 s of its write; server RSS ≤ 400 MB; `/healthz` p99 ≤ 50 ms.
 * Exits 1 when an event is missing, repeated or out of order, and with
 * `--strict` also when a timing or memory target is missed.
 *
 * Usage:
 *   deno run -A bench/stream_fanout_load.ts [--clients 200] [--rate 5000] [--seconds 30] [--procs 4]
 *     [--client-nice 19] [--strict]
 * CI smoke check:
 *   deno run -A bench/stream_fanout_load.ts --clients 8 --rate 500 --seconds 2 --procs 1
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { cpuMs } from "./measure.ts";

const SESSION = "fanout-1";
const TICK_MS = 10;
const encoder = new TextEncoder();

/** What one client process reports. */
interface ClientReport {
  clients: number;
  complete: number;
  rows: number;
  violations: string[];
  maxLatencyMs: number;
  latencies: number[];
  /** CPU time of the client process, whole run (ms, every thread). */
  cpuMs: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

/** One wire line with `ts` = now (epoch µs) and the given seq. */
function line(seq: number, nowMicros: number): string {
  const kinds = ["intent", "gate", "order", "fill"];
  const kind = kinds[seq % 4];
  const d = new Date(Math.floor(nowMicros / 1000));
  const ts = d.toISOString().slice(0, 19) + "." + String(nowMicros % 1_000_000).padStart(6, "0") +
    "+00:00";
  const payload = kind === "gate"
    ? `{"gate_name":"LotSize","passed":true,"code":"OK","reason":"within limits","modified_qty":null}`
    : kind === "fill"
    ? `{"client_id":"c${seq}","side":"buy","filled_quantity":0.25,"fill_price":100010.5,"fill_notional":25002.625,"fill_fee":2.5}`
    : `{"side":"buy","quantity":0.25,"current_price":100000,"strategy_key":"momentum_v2"}`;
  return `{"ts":"${ts}","session_id":"${SESSION}","symbol":"BTC-USD","mode":"paper","kind":"${kind}","payload":${payload},"seq":${seq}}\n`;
}

const NEWLINE = 10;
const decoder = new TextDecoder();

/** `pieces` as one array. */
function concat(pieces: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** Child mode: `count` SSE clients from `from`, until `total` events each or `deadlineMs`. */
async function runClients(url: string, count: number, total: number, deadlineMs: number) {
  const report: ClientReport = {
    clients: count,
    complete: 0,
    rows: 0,
    violations: [],
    maxLatencyMs: 0,
    latencies: [],
    cpuMs: 0,
  };
  const stop = AbortSignal.timeout(deadlineMs);
  async function client(index: number): Promise<void> {
    let expected = 1;
    let lastId = "0";
    const checkBatch = (message: string, receivedAt: number): void => {
      const idAt = message.indexOf("\nid: ");
      lastId = message.slice(idAt + 5, message.indexOf("\n", idAt + 5));
      // Rows are oldest first: the first row's ts is the batch's longest wait.
      const tsAt = message.indexOf('"ts":"');
      if (tsAt !== -1) {
        const ts = Date.parse(message.slice(tsAt + 6, tsAt + 6 + 23) + "Z") * 1000 +
          Number(message.slice(tsAt + 6 + 23, tsAt + 6 + 26));
        const latency = (receivedAt - ts) / 1000;
        report.latencies.push(latency);
        if (latency > report.maxLatencyMs) report.maxLatencyMs = latency;
      }
      // Each row's `"seq":N`. Searched for as `q":` and checked backwards: a search led by a
      // rare character runs at memchr speed, one led by `"` (every key) about 8 times slower.
      let at = 0;
      while ((at = message.indexOf('q":', at)) !== -1) {
        at += 3;
        if (message.charCodeAt(at - 4) !== 101 || message.charCodeAt(at - 5) !== 115) continue;
        if (message.charCodeAt(at - 6) !== 34) continue; // `"seq":`, not `"xseq":`
        let seq = 0;
        while (message.charCodeAt(at) >= 48 && message.charCodeAt(at) <= 57) {
          seq = seq * 10 + message.charCodeAt(at) - 48;
          at++;
        }
        report.rows++;
        if (seq !== expected && report.violations.length < 20) {
          report.violations.push(`client ${index}: seq ${seq}, expected ${expected}`);
        }
        expected = seq + 1;
      }
    };
    let reconnects = 0;
    while (expected <= total && !stop.aborted) {
      let res: Response;
      try {
        res = await fetch(url, { headers: { "last-event-id": lastId }, signal: stop });
      } catch {
        break;
      }
      if (!res.ok || res.body === null) {
        report.violations.push(`client ${index}: HTTP ${res.status}`);
        await res.body?.cancel();
        break;
      }
      const reader = res.body.getReader();
      // A message's bytes arrive in pieces: kept as they came and joined once it is complete.
      let pieces: Uint8Array[] = [];
      let previousLast = 0; // the last byte of the previous piece (a "\n\n" may straddle two)
      try {
        while (expected <= total) {
          const chunk = await reader.read();
          if (chunk.done) break;
          const bytes = chunk.value;
          let from = 0;
          let newline = bytes.indexOf(NEWLINE);
          while (newline !== -1) {
            // A message ends at "\n\n": the byte before this newline, when it is still part of
            // the message being read (in this chunk from `from` on, or the pending pieces').
            const before = newline > from
              ? bytes[newline - 1]
              : newline === 0 && pieces.length > 0
              ? previousLast
              : -1;
            if (before === NEWLINE) {
              pieces.push(bytes.subarray(from, newline + 1));
              const receivedAt = Date.now() * 1000;
              const message = decoder.decode(pieces.length === 1 ? pieces[0] : concat(pieces));
              pieces = [];
              from = newline + 1;
              if (message.startsWith("event: batch")) checkBatch(message, receivedAt);
            }
            newline = bytes.indexOf(NEWLINE, newline + 1);
          }
          if (from < bytes.length) pieces.push(bytes.subarray(from));
          previousLast = bytes[bytes.length - 1];
        }
      } catch {
        // the deadline or a disconnect: reconnect below when events are missing
      } finally {
        await reader.cancel().catch(() => {});
      }
      if (expected <= total && !stop.aborted) reconnects++;
    }
    if (expected > total) report.complete++;
    else report.violations.push(`client ${index}: stopped at seq ${expected - 1} of ${total}`);
    if (reconnects > 0) report.violations.push(`client ${index}: ${reconnects} reconnects`);
  }
  await Promise.all(Array.from({ length: count }, (_, i) => client(i)));
  // Keep the report small: a sample of latencies is enough for the percentiles.
  const step = Math.max(1, Math.floor(report.latencies.length / 20_000));
  report.latencies = report.latencies.filter((_, i) => i % step === 0);
  report.cpuMs = cpuMs();
  console.log(JSON.stringify(report));
}

async function startServer(dir: string): Promise<{ url: string; child: Deno.ChildProcess }> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "serve", "--port", "0", "--log-dir", dir],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/http:\/\/127\.0\.0\.1:\d+/.test(text)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the server exited before listening:\n${text}`);
    text += chunk.value;
  }
  // Keep draining its output so it never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return { url: /http:\/\/127\.0\.0\.1:\d+/.exec(text)![0], child };
}

/** CPU time (user + system, ms) of process `pid` so far, from /proc (Linux; NaN elsewhere). */
function processCpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

function rssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      clients: { type: "string", default: "200" },
      rate: { type: "string", default: "5000" },
      seconds: { type: "string", default: "30" },
      procs: { type: "string", default: "4" },
      "client-nice": { type: "string", default: "19" },
      strict: { type: "boolean", default: false },
      "child-url": { type: "string" },
      "child-count": { type: "string" },
      "child-total": { type: "string" },
      "child-deadline": { type: "string" },
    },
  }).values;
  if (args["child-url"] !== undefined) {
    await runClients(
      args["child-url"],
      Number(args["child-count"]),
      Number(args["child-total"]),
      Number(args["child-deadline"]),
    );
    return;
  }
  const clients = Number(args.clients);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const procs = Math.max(1, Math.min(Number(args.procs), clients));
  const clientNice = Number(args["client-nice"]);
  if (!Number.isInteger(clientNice) || clientNice < 0 || clientNice > 19) {
    throw new RangeError(`--client-nice: expected 0 to 19, got ${args["client-nice"]}`);
  }
  for (const [name, value] of Object.entries({ clients, rate, seconds, procs })) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name}: expected > 0`);
  }
  const total = Math.round(rate * seconds);
  const dir = await Deno.makeTempDir({ prefix: "fanout_load_" });
  const path = join(dir, `${SESSION}.jsonl`);
  await Deno.writeTextFile(path, "");
  const { url, child: server } = await startServer(dir);
  const clientProcs: Deno.ChildProcess[] = [];
  try {
    const streamUrl = `${url}/api/live/execution/${SESSION}/stream?from=0`;
    const deadline = (seconds * 3 + 30) * 1000;
    for (let p = 0; p < procs; p++) {
      const count = Math.floor(clients / procs) + (p < clients % procs ? 1 : 0);
      clientProcs.push(
        new Deno.Command(clientNice > 0 ? "nice" : Deno.execPath(), {
          args: [
            ...(clientNice > 0 ? ["-n", String(clientNice), Deno.execPath()] : []),
            "run",
            "-A",
            new URL(import.meta.url).pathname,
            "--child-url",
            streamUrl,
            "--child-count",
            String(count),
            "--child-total",
            String(total),
            "--child-deadline",
            String(deadline),
          ],
          stdout: "piped",
          stderr: "inherit",
        }).spawn(),
      );
    }
    // Wait until every client is connected (the server counts open streams).
    const connectBy = Date.now() + 30_000;
    while (true) {
      const health = await (await fetch(`${url}/healthz`)).json() as { open_streams: number };
      if (health.open_streams >= clients) break;
      if (Date.now() > connectBy) throw new Error(`only ${health.open_streams} clients connected`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    console.error(`${clients} clients connected; writing ${total} events`);
    let maxRss = rssMb(server.pid);
    const serverCpuStart = processCpuMs(server.pid);
    const loadStart = performance.now();
    const healthMs: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t0 = performance.now();
        await (await fetch(`${url}/healthz`)).body?.cancel();
        healthMs.push(performance.now() - t0);
        maxRss = Math.max(maxRss, rssMb(server.pid));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // The writer: `rate` events per second in 10 ms ticks, each tick one append.
    const file = await Deno.open(path, { append: true });
    const started = performance.now();
    let written = 0;
    let lag = 0;
    try {
      for (let tick = 1; written < total; tick++) {
        const due = Math.min(total, Math.round(rate * tick * TICK_MS / 1000));
        let text = "";
        const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
        while (written < due) text += line(++written, now);
        const bytes = encoder.encode(text);
        let done = 0;
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
        const wait = started + tick * TICK_MS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        else lag = Math.max(lag, -wait);
      }
    } finally {
      file.close();
    }
    const writeSeconds = (performance.now() - started) / 1000;
    console.error(`writer done after ${writeSeconds.toFixed(1)} s; waiting for the clients`);

    const reports: ClientReport[] = [];
    // A client process that is still reading long after its deadline is stopped and counted
    // as having missed everything it did not report.
    const killer = setTimeout(() => {
      for (const proc of clientProcs) {
        try {
          proc.kill();
        } catch {
          // already exited
        }
      }
    }, deadline + 15_000);
    for (const [p, proc] of clientProcs.entries()) {
      const out = await proc.output();
      try {
        reports.push(JSON.parse(new TextDecoder().decode(out.stdout)) as ClientReport);
      } catch {
        const count = Math.floor(clients / procs) + (p < clients % procs ? 1 : 0);
        reports.push({
          clients: count,
          complete: 0,
          rows: 0,
          violations: [`client process ${p} did not finish`],
          maxLatencyMs: Infinity,
          latencies: [],
          cpuMs: NaN,
        });
      }
    }
    clearTimeout(killer);
    probing = false;
    await prober;
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const serverCpu = processCpuMs(server.pid) - serverCpuStart;
    const clientCpu = reports.reduce((n, r) => n + r.cpuMs, 0);

    const complete = reports.reduce((n, r) => n + r.complete, 0);
    const rows = reports.reduce((n, r) => n + r.rows, 0);
    const violations = reports.flatMap((r) => r.violations);
    const latencies = reports.flatMap((r) => r.latencies);
    const maxLatency = Math.max(...reports.map((r) => r.maxLatencyMs));
    const healthP99 = percentile(healthMs, 0.99);
    console.log(
      `writer: ${total.toLocaleString("en-US")} events in ${writeSeconds.toFixed(1)} s ` +
        `(${(total / writeSeconds).toFixed(0)}/s, worst tick lag ${lag.toFixed(0)} ms)`,
    );
    // Where the 2 cores went: the server from the first write to the last client's report, the
    // client processes over their whole run (their start and connecting are a small part).
    console.log(
      `CPU: server ${(serverCpu / 1000).toFixed(1)} s (${
        (serverCpu / 1000 / loadSeconds).toFixed(2)
      } cores over ${loadSeconds.toFixed(1)} s), client processes ${
        (clientCpu / 1000).toFixed(1)
      } s (${(clientCpu / 1000 / loadSeconds).toFixed(2)} cores)`,
    );
    const row = (label: string, value: string, target: string, ok: boolean) =>
      console.log(`${label.padEnd(40)} ${value.padStart(16)}  ${target} ${ok ? "ok" : "MISSED"}`);
    const allDelivered = complete === clients && rows === clients * total &&
      violations.length === 0;
    row(
      "clients with every event, in order",
      `${complete}/${clients}`,
      `${rows.toLocaleString("en-US")} of ${(clients * total).toLocaleString("en-US")} rows`,
      allDelivered,
    );
    row(
      "batch latency p50 / p99 / max",
      `${percentile(latencies, 0.5).toFixed(0)}/${percentile(latencies, 0.99).toFixed(0)}/${
        maxLatency.toFixed(0)
      } ms`,
      "target max ≤ 2000 ms",
      maxLatency <= 2000,
    );
    row("server RSS (max)", `${maxRss.toFixed(0)} MB`, "target ≤ 400 MB", maxRss <= 400);
    row(
      "/healthz p50 / p90 / p99 (max)",
      `${percentile(healthMs, 0.5).toFixed(1)}/${percentile(healthMs, 0.9).toFixed(1)}/${
        healthP99.toFixed(1)
      } (${Math.max(...healthMs).toFixed(0)}) ms`,
      "target ≤ 50 ms",
      healthP99 <= 50,
    );
    for (const v of violations.slice(0, 10)) console.log(`  ${v}`);
    // Delivery is always judged; the timing figures only with --strict (a shared CI machine).
    if (!allDelivered) Deno.exitCode = 1;
    if (args.strict && (maxLatency > 2000 || maxRss > 400 || healthP99 > 50)) Deno.exitCode = 1;
  } finally {
    for (const proc of clientProcs) {
      try {
        proc.kill();
      } catch {
        // already exited
      }
    }
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
