/**
 * Whole-system load check of the dashboard API, on loopback only:
 *
 * 1. writes a session of `--events` realistic events (default 1,000,000; see
 *    `live_fixture.ts`) to a temp dir;
 * 2. serves the dashboard on 127.0.0.1, port 0;
 * 3. runs `wrk -t2 -c32 -d<duration> --latency` against
 *    `/api/live/execution/<id>?limit=200` and reports requests/s and p99
 *    (targets: ≥ 1,000 req/s, p99 ≤ 50 ms);
 * 4. runs wrk again while a writer appends `--append-rate` events/s (each
 *    append invalidates the cached answers; informational);
 * 5. opens `--sse-clients` (default 100) event streams, appends one event and
 *    reports how long until every client has it (target ≤ 1 s).
 *
 * Run: `deno run -A bench/http_load.ts` (full), or
 * `deno run -A bench/http_load.ts --events 10000 --duration 2s` (smoke).
 * Exits 1 when an answer is wrong or an SSE client misses the event (with
 * `--strict`, also when a speed target is missed), 2 on bad flags.
 *
 * @module
 */
import { startDashboardServer } from "../cli/serve.ts";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { markerArrivals, openSseStreams } from "./sse_clients.ts";

interface LoadOptions {
  events: number;
  duration: string;
  connections: number;
  threads: number;
  sseClients: number;
  appendRate: number;
  strict: boolean;
}

const USAGE = `Usage: deno run -A bench/http_load.ts [--events N] [--duration 10s]
  [--connections 32] [--threads 2] [--sse-clients 100] [--append-rate 100] [--strict]`;

function parseArgs(args: string[]): LoadOptions {
  const options: LoadOptions = {
    events: 1_000_000,
    duration: "10s",
    connections: 32,
    threads: 2,
    sseClients: 100,
    appendRate: 100,
    strict: false,
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--strict") {
      options.strict = true;
      continue;
    }
    const [flag, inline] = args[i].split("=", 2);
    const known = ["--events", "--duration", "--connections", "--threads", "--sse-clients"];
    if (![...known, "--append-rate"].includes(flag)) throw new Error(`unknown option ${flag}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const int = (): number => {
      const n = Number(value.replaceAll(/[,_]/g, ""));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
      return n;
    };
    switch (flag) {
      case "--events":
        options.events = int();
        break;
      case "--duration":
        if (!/^\d+[smh]?$/.test(value)) throw new Error("--duration must look like 10s");
        options.duration = value;
        break;
      case "--connections":
        options.connections = int();
        break;
      case "--threads":
        options.threads = int();
        break;
      case "--sse-clients":
        options.sseClients = int();
        break;
      case "--append-rate":
        options.appendRate = value === "0" ? 0 : int();
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

/** Convert a wrk latency such as `812.00us`, `3.21ms` or `1.02s` to milliseconds. */
function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (m === null) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** What one wrk run measured (also used by `metrics_scrape.ts`). */
export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  raw: string;
}

/** Run wrk against `url` with the options' duration, threads and connections (and headers). */
export async function runWrk(
  url: string,
  options: Pick<LoadOptions, "duration" | "threads" | "connections"> & { headers?: string[] },
): Promise<WrkResult> {
  const seconds = Number(options.duration.replace(/[smh]$/, "")) *
    (options.duration.endsWith("m") ? 60 : options.duration.endsWith("h") ? 3600 : 1);
  const output = await new Deno.Command("/usr/bin/wrk", {
    args: [
      `-t${options.threads}`,
      `-c${options.connections}`,
      `-d${options.duration}`,
      "--timeout",
      "5s",
      "--latency",
      ...(options.headers ?? []).flatMap((header) => ["-H", header]),
      url,
    ],
    stdout: "piped",
    stderr: "piped",
    // Bounded: wrk's own duration plus a margin.
    signal: AbortSignal.timeout((seconds + 30) * 1000),
  }).output();
  const raw = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(raw)?.[1] ?? NaN),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(raw)?.[1] ?? ""),
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(raw)?.[1] ?? ""),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(raw)?.[1] ?? 0),
    raw,
  };
}

/** Open `clients` streams, append `line`, and time its arrival at every client. */
async function sseFanOut(
  baseUrl: string,
  path: string,
  sessionId: string,
  line: string,
  clients: number,
): Promise<{ maxMs: number; received: number }> {
  // Connect every client and wait for its greeting, so all follow before the append.
  const streams = await openSseStreams(
    new URL(`/api/live/execution/${sessionId}/stream`, baseUrl),
    clients,
  );
  try {
    const marker = `"seq":${JSON.parse(line).seq},`;
    Deno.writeTextFileSync(path, line, { append: true });
    const started = performance.now();
    const times = (await markerArrivals(streams, marker, 5_000)).map((t) => t - started);
    return {
      maxMs: Math.max(...times),
      received: times.filter((t) => Number.isFinite(t)).length,
    };
  } finally {
    await streams.close();
  }
}

async function main(): Promise<number> {
  let options: LoadOptions;
  try {
    options = parseArgs(Deno.args);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const dir = await Deno.makeTempDir({ prefix: "peak-http-load-" });
  const sessionId = "bench-load";
  const path = `${dir}/${sessionId}.jsonl`;
  const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
  try {
    let t = performance.now();
    const lines = await writeSessionFile(
      path,
      options.events,
      new SessionLineGenerator(sessionId),
    );
    const size = (await Deno.stat(path)).size;
    console.log(
      `session: ${options.events.toLocaleString("en")} events, ${
        (size / 1e6).toFixed(1)
      } MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const url = new URL(`/api/live/execution/${sessionId}?limit=200`, server.url).href;
    t = performance.now();
    const warm = await fetch(url);
    const body = await warm.json();
    console.log(
      `first request (cold summary of the whole file): ${(performance.now() - t).toFixed(0)} ms, ` +
        `count ${body.count}, event_count ${body.summary.event_count}`,
    );
    if (body.count !== 200 || body.summary.event_count !== options.events) {
      throw new Error("the API did not answer the expected page");
    }

    const wrk = await runWrk(url, options);
    console.log(wrk.raw.trim());
    const httpOk = wrk.requestsPerSecond >= 1000 && wrk.p99Ms <= 50 && wrk.non2xx === 0;
    console.log(
      `HTTP: ${wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${wrk.p50Ms.toFixed(2)} ms, ` +
        `p99 ${wrk.p99Ms.toFixed(2)} ms (targets ≥ 1000 req/s, p99 ≤ 50 ms): ${
          httpOk ? "PASS" : "FAIL"
        }`,
    );

    if (options.appendRate > 0) {
      // Second run while a writer appends: every append invalidates cached answers.
      let appended = 0;
      const interval = setInterval(() => {
        Deno.writeTextFileSync(path, lines.next(), { append: true });
        appended++;
      }, 1000 / options.appendRate);
      let live: WrkResult;
      try {
        live = await runWrk(url, options);
      } finally {
        clearInterval(interval);
      }
      console.log(
        `HTTP while appending ~${options.appendRate} events/s: ${
          live.requestsPerSecond.toFixed(0)
        } req/s, p50 ${live.p50Ms.toFixed(2)} ms, p99 ${live.p99Ms.toFixed(2)} ms ` +
          `(${appended} events appended; informational)`,
      );
    }

    const sse = await sseFanOut(
      server.url,
      path,
      sessionId,
      lines.next(),
      options.sseClients,
    );
    const sseOk = sse.received === options.sseClients && sse.maxMs <= 1000;
    console.log(
      `SSE: ${sse.received}/${options.sseClients} clients got the appended event, slowest after ${
        sse.maxMs.toFixed(1)
      } ms (target ≤ 1000 ms): ${sseOk ? "PASS" : "FAIL"}`,
    );
    // Broken answers always fail; missed speed targets only with --strict (a busy CI runner
    // running the smoke check should not fail on speed).
    const broken = wrk.non2xx > 0 || sse.received !== options.sseClients;
    return broken || (options.strict && !(httpOk && sseOk)) ? 1 : 0;
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
