/**
 * The cached API answer against its limit, in one run, on loopback:
 *
 * - ours behind the guard: `startDashboardServer` (the connection guard in
 *   front of the app, as `serve` runs it: a repeated read is answered by the
 *   guard's door from the app's cache), and the same with `doorAnswers:
 *   false` (every request through the app, as before the door);
 * - ours without the guard: the same app on a bare `Deno.serve`;
 * - the peer: a bare `Deno.serve` answering the very bytes of that answer
 *   (with its content type), nothing else; and the same with every header
 *   our answer has (the same response on the wire);
 * - the limit of a socket written from JavaScript: `Deno.listen`, every
 *   request answered with the same response bytes, prepared once;
 *
 * each measured with `wrk -t<threads> -c<connections>` against
 * `/api/live/execution/<id>?limit=200` of a session of `--events` events
 * (the file unchanged during the runs), in rounds that alternate which
 * server goes first; figures are medians. Besides requests per second, the
 * CPU time of this process (all three servers live here; wrk is another
 * process) per request is measured, which other jobs on a shared machine
 * disturb less. Then the same with `If-None-Match` (our `304`), and the
 * live follow: `--sse-clients` streams, one append, the slowest arrival, in
 * `--sse-rounds` alternating rounds: ours (the guard writes each stream to
 * its client), ours with `guardWritesStreams: false` (each stream through
 * the HTTP server and the guard's copy loop, as before), and the limit of a
 * JavaScript server: one `Deno.watchFs` watcher whose handler reads the new
 * bytes and writes them to every client's socket, nothing else.
 *
 * Run: deno run -A bench/api_cache_load.ts [--events 1000000] [--duration 5s] [--rounds 3]
 *      [--connections 32] [--threads 2] [--sse-clients 100] [--sse-rounds 5]
 * Smoke: deno run -A bench/api_cache_load.ts --events 10000 --duration 1s --rounds 1 --sse-clients 10
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { startDashboardServer } from "../server/dashboard_server.ts";
import { createApp } from "../server/app.ts";
import { runWrk, type WrkResult } from "./http_load.ts";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { markerArrivals, openSseStreams } from "./sse_clients.ts";
import { loadAverage, median } from "./measure.ts";

// The child process of the SSE check (see sseFanOut).
if (Deno.args[0] === "--sse-client") {
  await sseClientMain(Deno.args[1], Number(Deno.args[2]), Deno.args[3]);
  Deno.exit(0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "1000000" },
    duration: { type: "string", default: "5s" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
    threads: { type: "string", default: "2" },
    "sse-clients": { type: "string", default: "100" },
    "sse-rounds": { type: "string", default: "5" },
  },
  strict: true,
});
function positive(name: string, text: string): number {
  const n = Number(text.replaceAll(/[,_]/g, ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    Deno.exit(2);
  }
  return n;
}
const events = positive("events", values.events);
const rounds = positive("rounds", values.rounds);
const sseClients = positive("sse-clients", values["sse-clients"]);
const sseRounds = positive("sse-rounds", values["sse-rounds"]);
if (!/^\d+s$/.test(values.duration)) {
  console.error(`--duration must look like 5s, got ${JSON.stringify(values.duration)}`);
  Deno.exit(2);
}
const wrkOptions = {
  duration: values.duration,
  connections: positive("connections", values.connections),
  threads: positive("threads", values.threads),
};

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Measured {
  wrk: WrkResult;
  /** CPU time of this process per request, µs. */
  cpuUs: number;
}

async function measure(url: string, headers: string[] = []): Promise<Measured> {
  const cpu = cpuMs();
  const wrk = await runWrk(url, { ...wrkOptions, headers });
  const requests = wrk.requestsPerSecond * Number(values.duration.slice(0, -1));
  return { wrk, cpuUs: ((cpuMs() - cpu) * 1000) / Math.max(1, requests) };
}

/**
 * The client side of the SSE check, run in a child process (so the server's
 * thread does only the server's work): open `clients` streams, print
 * `ready`, then print, for each client, the wall-clock time (epoch ms) at
 * which the line with `marker` arrived, one per line.
 */
async function sseClientMain(url: string, clients: number, marker: string): Promise<void> {
  const streams = await openSseStreams(url, clients);
  console.log("ready");
  const arrivals = await markerArrivals(streams, marker, 10_000);
  console.log(arrivals.map((t) => performance.timeOrigin + t).join("\n"));
  await streams.close();
}

/**
 * Open `clients` streams from a child process, append `line`, and time its
 * arrival at every client (wall clock: both processes read the same clock).
 */
async function sseFanOut(
  baseUrl: string,
  path: string,
  sessionId: string,
  line: string,
  clients: number,
): Promise<{ times: number[]; received: number }> {
  const url = new URL(`/api/live/execution/${sessionId}/stream`, baseUrl).href;
  // Only this line is appended while the clients listen: no larger seq can match first.
  const marker = `"seq":${JSON.parse(line).seq}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--sse-client", url, String(clients), marker],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready\n")) {
    const chunk = await lines.read();
    if (chunk.done) throw new Error("the SSE client ended before it was ready");
    text += chunk.value;
  }
  // Let every follower settle (its first look at the file) before the append.
  await new Promise((resolve) => setTimeout(resolve, 300));
  // A synchronous append: the time runs from the moment the line is in the file (an awaited
  // write would add its own trip through the thread pool of this process, the server's).
  Deno.writeTextFileSync(path, line, { append: true });
  const appendedAt = performance.timeOrigin + performance.now();
  text = text.slice(text.indexOf("ready\n") + 6);
  for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) {
    text += chunk.value;
  }
  await child.status;
  const times = text.trim().split("\n").map((t) => Number(t) - appendedAt);
  return { times, received: times.filter((t) => Number.isFinite(t)).length };
}

/**
 * The limit of a live stream served from JavaScript: every connection gets an event-stream
 * head and its `: connected` greeting; one `Deno.watchFs` watcher on the file reads what was
 * appended (synchronously, as our follower reads a live tail) and writes those bytes, as one
 * chunk, to every connection. No parsing, no batching, no filters, no HTTP server.
 */
function watcherServer(file: string): { url: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const encoder = new TextEncoder();
  const CRLF = encoder.encode("\r\n");
  const head = encoder.encode(
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
      "e\r\n: connected\n\n\r\n",
  );
  let position = Deno.statSync(file).size;
  const handle = Deno.openSync(file, { read: true });
  const watcher = Deno.watchFs(file, { recursive: false });
  void (async () => {
    for await (const event of watcher) {
      if (event.kind !== "modify") continue;
      const size = handle.statSync().size;
      if (size <= position) continue;
      const bytes = new Uint8Array(size - position);
      handle.seekSync(position, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < bytes.length) {
        const n = handle.readSync(bytes.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      position += filled;
      // One buffer per append, filled with `set` (the limit must not pay for spreading bytes).
      const sizeLine = encoder.encode(`${filled.toString(16)}\r\n`);
      const chunk = new Uint8Array(sizeLine.length + filled + 2);
      chunk.set(sizeLine);
      chunk.set(bytes.subarray(0, filled), sizeLine.length);
      chunk.set(CRLF, sizeLine.length + filled);
      for (const conn of conns) conn.write(chunk).catch(() => conns.delete(conn));
    }
  })().catch(() => {});
  void (async () => {
    for await (const conn of listener) {
      void (async () => {
        const buf = new Uint8Array(4096);
        // The request head (one read on loopback), then the stream.
        if ((await conn.read(buf).catch(() => null)) === null) return conn.close();
        await conn.write(head);
        conns.add(conn);
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
    close() {
      watcher.close();
      handle.close();
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
    },
  };
}

/** A server that answers every read of a connection with `head` and `body`, in one write. */
function rawBytesServer(head: Uint8Array, body: Uint8Array): { port: number; close(): void } {
  const answer = new Uint8Array(head.length + body.length);
  answer.set(head);
  answer.set(body, head.length);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      open.add(conn);
      (async () => {
        const buf = new Uint8Array(8192);
        try {
          while ((await conn.read(buf)) !== null) {
            for (let written = 0; written < answer.length;) {
              written += await conn.write(answer.subarray(written));
            }
          }
        } catch {
          // The client went away.
        }
        open.delete(conn);
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
    },
  };
}

const dir = await Deno.makeTempDir({ prefix: "peak-api-cache-" });
const sessionId = "bench-cache";
const path = `${dir}/${sessionId}.jsonl`;
const lines = new SessionLineGenerator(sessionId);
await writeSessionFile(path, events, lines);
const apiPath = `/api/live/execution/${sessionId}?limit=200`;

const guarded = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
// The guard as it was before its door (`server/answer_door.ts`) and before it wrote live streams
// itself: every request, streams too, through the HTTP server behind it.
const doorless = await startDashboardServer({
  port: 0,
  hostname: "127.0.0.1",
  logDir: dir,
  doorAnswers: false,
  guardWritesStreams: false,
});
const closing = new AbortController();
const app = createApp({ logDir: dir, signal: closing.signal });
const unguarded = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (req, info) => app.fetch(req, info),
);
let exitCode = 0;
try {
  const guardedUrl = new URL(apiPath, guarded.url).href;
  const doorlessUrl = new URL(apiPath, doorless.url).href;
  const unguardedUrl = `http://127.0.0.1:${unguarded.addr.port}${apiPath}`;
  // The answer, computed once (the cold summary of the whole file), and what the peer serves.
  const t = performance.now();
  const first = await fetch(guardedUrl);
  const bytes = new Uint8Array(await first.arrayBuffer());
  const coldMs = performance.now() - t;
  const etag = first.headers.get("etag");
  const contentType = first.headers.get("content-type") ?? "application/json";
  await (await fetch(unguardedUrl)).arrayBuffer();
  await (await fetch(doorlessUrl)).arrayBuffer();
  // The peer's best: ASCII bytes as a string (Deno.serve sends a one-byte string fastest, and
  // TextDecoder gives one for ASCII), other bytes as they are (a string holding non-ASCII
  // characters would be transcoded on every answer).
  const ascii = bytes.every((byte) => byte < 0x80);
  const text: BodyInit = ascii ? new TextDecoder().decode(bytes) : bytes;
  const peer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(text, { headers: { "content-type": contentType } }),
  );
  const peerUrl = `http://127.0.0.1:${peer.addr.port}${apiPath}`;
  // The same, with every header of our answer: the same response bytes on the wire.
  const ourHeaders = [...first.headers].filter(([name]) =>
    name !== "date" && name !== "content-length" && name !== "vary"
  );
  const peerSameHeaders = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(text, { headers: ourHeaders }),
  );
  const peerSameHeadersUrl = `http://127.0.0.1:${peerSameHeaders.addr.port}${apiPath}`;
  // What a socket written from JavaScript can do: the very response bytes, prepared once, written
  // to every request over `Deno.listen` (wrk sends one request at a time on each connection).
  const rawPeer = rawBytesServer(
    new TextEncoder().encode(
      `HTTP/1.1 200 OK\r\n${
        ourHeaders.map(([name, value]) => `${name}: ${value}\r\n`).join("")
      }content-length: ${bytes.length}\r\ndate: ${new Date().toUTCString()}\r\n\r\n`,
    ),
    bytes,
  );
  const rawPeerUrl = `http://127.0.0.1:${rawPeer.port}${apiPath}`;
  console.log(
    `${events.toLocaleString("en")} events; answer ${bytes.length.toLocaleString("en")} bytes ` +
      `(${ascii ? "ASCII" : "UTF-8, non-ASCII"}; first request ${coldMs.toFixed(0)} ms); etag ${
        etag ?? "none"
      }; wrk -t${wrkOptions.threads} ` +
      `-c${wrkOptions.connections} -d${wrkOptions.duration} × ${rounds} rounds; load average ` +
      loadAverage(),
  );

  const targets: Record<string, { url: string; headers?: string[] }> = {
    "peer: bare Deno.serve, same body": { url: peerUrl },
    "peer: bare Deno.serve, same body and headers": { url: peerSameHeadersUrl },
    "limit: Deno.listen, same bytes from JS": { url: rawPeerUrl },
    "ours without the guard": { url: unguardedUrl },
    "ours behind the guard": { url: guardedUrl },
    "ours behind the guard, no door": { url: doorlessUrl },
    ...(etag === null ? {} : {
      "ours behind the guard, If-None-Match (304)": {
        url: guardedUrl,
        headers: [`If-None-Match: ${etag}`],
      },
      "ours without the guard, If-None-Match (304)": {
        url: unguardedUrl,
        headers: [`If-None-Match: ${etag}`],
      },
    }),
  };
  const names = Object.keys(targets);
  const results = new Map<string, Measured[]>(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      const { url, headers } = targets[name];
      const measured = await measure(url, headers);
      if (measured.wrk.non2xx > 0 && headers === undefined) {
        throw new Error(`${name}: ${measured.wrk.non2xx} answers were not 2xx`);
      }
      results.get(name)!.push(measured);
    }
  }
  const rps = (name: string) => median(results.get(name)!.map((m) => m.wrk.requestsPerSecond));
  const cpu = (name: string) => median(results.get(name)!.map((m) => m.cpuUs));
  const p50 = (name: string) => median(results.get(name)!.map((m) => m.wrk.p50Ms));
  const peerName = names[0];
  for (const name of names) {
    console.log(
      `${name.padEnd(44)} ${Math.round(rps(name)).toLocaleString("en").padStart(7)} req/s  ` +
        `p50 ${p50(name).toFixed(2)} ms  ${cpu(name).toFixed(1).padStart(6)} µs CPU/request  ` +
        `ratio ${(rps(name) / rps(peerName)).toFixed(2)}x (CPU ${
          (cpu(peerName) / cpu(name)).toFixed(2)
        }x)`,
    );
  }

  // The goal's two readings: against the bare peer sending our body with a content type only,
  // and against the bare peer sending the very response bytes ours sends (every header too).
  const ours = rps("ours behind the guard");
  const sameBytes = ours / rps("peer: bare Deno.serve, same body and headers");
  const bodyOnly = ours / rps(peerName);
  const verdict = (ratio: number) => `${ratio.toFixed(2)}x (${ratio >= 0.8 ? "met" : "missed"})`;
  console.log(
    `goal 5 (≥ 0.8x): behind the guard ${verdict(sameBytes)} the same response bytes, ` +
      `${verdict(bodyOnly)} the body-only peer; the guard answered ${
        guarded.connections().answeredAtDoor.toLocaleString("en")
      } requests itself, the door-less guard ${doorless.connections().answeredAtDoor}`,
  );

  // The live follow: each round appends one line per server, in an order that alternates.
  const sseTargets: Record<string, () => { url: string; close(): void }> = {
    "ours (the guard writes the stream)": () => ({ url: guarded.url, close() {} }),
    "ours, streams through the server": () => ({ url: doorless.url, close() {} }),
    "limit: one watcher writing every socket": () => watcherServer(path),
  };
  const sseNames = Object.keys(sseTargets);
  const sseRuns = new Map<string, number[][]>(sseNames.map((n) => [n, []]));
  for (let round = 0; round < sseRounds; round++) {
    for (let k = 0; k < sseNames.length; k++) {
      const name = sseNames[(k + round) % sseNames.length];
      const server = sseTargets[name]();
      try {
        const sse = await sseFanOut(server.url, path, sessionId, lines.next(), sseClients);
        if (sse.received !== sseClients) {
          console.log(`${name}: only ${sse.received}/${sseClients} clients got the event`);
          exitCode = 1;
        }
        sseRuns.get(name)!.push([...sse.times].sort((a, b) => a - b));
      } finally {
        server.close();
      }
    }
  }
  const slowest = (name: string) => median(sseRuns.get(name)!.map((t) => t[t.length - 1]));
  console.log(
    `SSE, ${sseClients} clients, one append, ${sseRounds} rounds (medians: first, median, ` +
      "slowest client):",
  );
  for (const name of sseNames) {
    const runs = sseRuns.get(name)!;
    const at = (pick: (t: number[]) => number) => median(runs.map(pick)).toFixed(1);
    console.log(
      `  ${name.padEnd(42)} first ${at((t) => t[0]).padStart(5)} ms  median ${
        at((t) => median(t)).padStart(5)
      } ms  slowest ${at((t) => t[t.length - 1]).padStart(5)} ms  (each round's slowest: ${
        runs.map((t) => t[t.length - 1].toFixed(1)).join(", ")
      })`,
    );
  }
  const oursSlowest = slowest(sseNames[0]);
  console.log(
    `goal 5 SSE (slowest ≤ 15 ms): ${oursSlowest.toFixed(1)} ms (${
      oursSlowest <= 15 ? "met" : "missed"
    }); ${(oursSlowest / slowest(sseNames[2])).toFixed(2)}x the limit, ${
      (slowest(sseNames[1]) / oursSlowest).toFixed(2)
    }x faster than through the server; the guard wrote ${guarded.connections().servedHere} ` +
      "streams itself",
  );
  console.log(`load average at end ${loadAverage()}`);
  await peer.shutdown();
  await peerSameHeaders.shutdown();
  rawPeer.close();
} finally {
  closing.abort();
  await unguarded.shutdown();
  await guarded.shutdown();
  await doorless.shutdown();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(exitCode);
