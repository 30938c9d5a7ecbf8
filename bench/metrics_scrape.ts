/**
 * `/metrics` of the dashboard over a large log root, on loopback only:
 *
 * 1. writes `--sessions` sessions (default 1,000) of `--events` realistic
 *    events each (see `live_fixture.ts`) to a temp dir, and serves it;
 * 2. scrape time: the first scrape (every file read whole: what a scrape
 *    would cost each time without the incremental cache: the baseline) and
 *    `--scrapes` warm scrapes (nothing changed), then warm scrapes while 5
 *    sessions grow between scrapes; median and p95 of wall time, median of
 *    CPU time, and the ratio to the first scrape (target: warm median
 *    ≤ 50 ms);
 * 3. API throughput under scraping: one `wrk -t2 -c32` run of `--duration`
 *    against `/api/live/execution/<id>?limit=200`, during which scraping
 *    `/metrics` every second is switched on and off every 2 s; the server
 *    counts the API answers of each window. Medians of the windows without
 *    scraping (the baseline) and with it, per second and per CPU-second of
 *    this process (target: ≥ 0.95 × the baseline). Other jobs on a shared
 *    machine come and go in bursts; many short alternating windows spread
 *    them over both sides.
 *
 * Run: deno run -A bench/metrics_scrape.ts [--sessions 1000] [--events 200] [--scrapes 50]
 *        [--duration 40s] [--strict]
 * Smoke (CI): deno run -A bench/metrics_scrape.ts --sessions 100 --events 50 --scrapes 5 --duration 4s
 * Exits 1 when an answer is wrong (with `--strict`, also when a target is missed), 2 on bad flags.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createApp } from "../server/app.ts";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import process from "node:process";
import { runWrk } from "./http_load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sessions: { type: "string", default: "1000" },
    events: { type: "string", default: "200" },
    scrapes: { type: "string", default: "50" },
    duration: { type: "string", default: "40s" },
    strict: { type: "boolean", default: false },
  },
  strict: true,
});
const positive = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
    Deno.exit(2);
  }
  return n;
};
const sessions = positive("sessions", values.sessions);
const events = positive("events", values.events);
const scrapes = positive("scrapes", values.scrapes);
if (!/^\d+s$/.test(values.duration)) {
  console.error("--duration must look like 40s");
  Deno.exit(2);
}
const durationSeconds = Number(values.duration.slice(0, -1));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** API answers of one window, per second and per CPU-second of this process. */
interface WindowFigures {
  perSecond: number;
  perCpuSecond: number;
}

/** Length of one on or off window of the throughput comparison. */
const WINDOW_SECONDS = 2;

/** Time one scrape: wall clock, CPU time of this process (server and client), and the body. */
async function scrape(url: string): Promise<{ ms: number; cpuMs: number; text: string }> {
  const start = performance.now();
  const before = process.cpuUsage();
  const res = await fetch(url);
  const text = await res.text();
  const cpu = process.cpuUsage(before);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return { ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, text };
}

function eventsTotal(text: string): number {
  let sum = 0;
  for (const m of text.matchAll(/^peak_exec_events_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}

const dir = await Deno.makeTempDir({ prefix: "peak-metrics-scrape-" });
// The dashboard app on loopback, with a count of the API answers it completed (read per window).
const app = createApp({ logDir: dir });
let apiAnswers = 0;
const httpServer = Deno.serve(
  { port: 0, hostname: "127.0.0.1", onListen: () => {} },
  async (req) => {
    const res = await app.fetch(req);
    if (new URL(req.url).pathname.startsWith("/api/")) apiAnswers++;
    return res;
  },
);
const server = { url: `http://127.0.0.1:${httpServer.addr.port}/` };
let failed = false;
try {
  const t = performance.now();
  const generators: SessionLineGenerator[] = [];
  for (let i = 0; i < sessions; i++) {
    const id = `bench-${String(i).padStart(5, "0")}`;
    generators.push(
      await writeSessionFile(`${dir}/${id}.jsonl`, events, new SessionLineGenerator(id)),
    );
  }
  console.log(
    `log root: ${sessions.toLocaleString("en")} sessions × ${events} events, written in ${
      ((performance.now() - t) / 1000).toFixed(1)
    } s`,
  );
  const metricsUrl = new URL("/metrics", server.url).href;

  const cold = await scrape(metricsUrl);
  if (eventsTotal(cold.text) !== sessions * events) {
    throw new Error(`first scrape counted ${eventsTotal(cold.text)} events`);
  }
  // A few unmeasured scrapes first: the JIT compiles the scrape path.
  for (let i = 0; i < 5; i++) await scrape(metricsUrl);
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let i = 0; i < scrapes; i++) {
    const { ms, cpuMs } = await scrape(metricsUrl);
    warm.push(ms);
    warmCpu.push(cpuMs);
  }
  warm.sort((a, b) => a - b);
  warmCpu.sort((a, b) => a - b);
  const growing: number[] = [];
  const growingCpu: number[] = [];
  let appended = 0;
  for (let i = 0; i < scrapes; i++) {
    for (let s = 0; s < 5; s++) {
      const g = generators[(i * 5 + s) % sessions];
      await Deno.writeTextFile(
        `${dir}/bench-${String((i * 5 + s) % sessions).padStart(5, "0")}.jsonl`,
        g.next(),
        {
          append: true,
        },
      );
      appended++;
    }
    const { ms, cpuMs, text } = await scrape(metricsUrl);
    growing.push(ms);
    growingCpu.push(cpuMs);
    if (i === scrapes - 1 && eventsTotal(text) !== sessions * events + appended) {
      throw new Error(`the last scrape counted ${eventsTotal(text)} events`);
    }
  }
  growing.sort((a, b) => a - b);
  growingCpu.sort((a, b) => a - b);
  const warmMedian = percentile(warm, 0.5);
  console.log(`baseline: first scrape (every file read whole)   ${cold.ms.toFixed(1)} ms`);
  console.log(
    `ours: warm scrape, nothing changed               median ${warmMedian.toFixed(1)} ms, p95 ${
      percentile(warm, 0.95).toFixed(1)
    } ms, CPU median ${
      percentile(warmCpu, 0.5).toFixed(1)
    } ms (${scrapes} scrapes; target ≤ 50 ms)`,
  );
  console.log(
    `ours: warm scrape, 5 sessions grew in between    median ${
      percentile(growing, 0.5).toFixed(1)
    } ms, p95 ${percentile(growing, 0.95).toFixed(1)} ms, CPU median ${
      percentile(growingCpu, 0.5).toFixed(1)
    } ms`,
  );
  console.log(
    `ratio (warm median / first scrape):              ${(warmMedian / cold.ms).toFixed(3)}`,
  );
  const scrapeOk = warmMedian <= 50;

  const apiUrl = new URL(`/api/live/execution/bench-00000?limit=200`, server.url).href;
  await (await fetch(apiUrl)).body?.cancel();
  // One long wrk run; scraping is switched on and off every window, and the API answers of
  // each window are counted in the server. Other jobs on the machine come and go in bursts: with
  // many short alternating windows they fall on both sides alike, and the medians compare.
  const windows = Math.max(2, 2 * Math.round(durationSeconds / WINDOW_SECONDS / 2));
  await runWrk(apiUrl, { duration: "2s", threads: 2, connections: 32 }); // warm-up: JIT, caches
  const load = runWrk(apiUrl, {
    duration: `${windows * WINDOW_SECONDS + 2}s`,
    threads: 2,
    connections: 32,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // wrk connected and running
  const off: WindowFigures[] = [];
  const on: WindowFigures[] = [];
  let scraped = 0;
  for (let w = 0; w < windows; w++) {
    const scraping = w % 2 === 1;
    const answersBefore = apiAnswers;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = started + WINDOW_SECONDS * 1000;
    let nextScrape = started;
    while (performance.now() < end) {
      if (scraping && performance.now() >= nextScrape) {
        await scrape(metricsUrl);
        scraped++;
        nextScrape += 1000; // every second, as Prometheus would
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const answers = apiAnswers - answersBefore;
    (scraping ? on : off).push({
      perSecond: answers / seconds,
      perCpuSecond: answers / ((cpu.user + cpu.system) / 1e6),
    });
  }
  const wrk = await load;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const offRate = median(off.map((f) => f.perSecond));
  const onRate = median(on.map((f) => f.perSecond));
  const offCpu = median(off.map((f) => f.perCpuSecond));
  const onCpu = median(on.map((f) => f.perCpuSecond));
  const ratio = onRate / offRate;
  const cpuRatio = onCpu / offCpu;
  console.log(
    `API under wrk -t2 -c32, ${windows} alternating ${WINDOW_SECONDS} s windows (medians):`,
  );
  console.log(
    `baseline: windows without scraping              ${offRate.toFixed(0)} req/s, ${
      offCpu.toFixed(0)
    } req per CPU-second`,
  );
  console.log(
    `ours: windows with a scrape every second        ${onRate.toFixed(0)} req/s, ${
      onCpu.toFixed(0)
    } req per CPU-second (${scraped} scrapes)`,
  );
  console.log(
    `ratio (ours / baseline):                        ${ratio.toFixed(3)} throughput, ${
      cpuRatio.toFixed(3)
    } per CPU-second (target ≥ 0.95)`,
  );
  console.log(
    `wrk overall: ${wrk.requestsPerSecond.toFixed(0)} req/s, p99 ${wrk.p99Ms.toFixed(2)} ms`,
  );
  const broken = wrk.non2xx > 0;
  failed = broken || (values.strict && !(scrapeOk && Math.max(ratio, cpuRatio) >= 0.95));
} finally {
  await httpServer.shutdown();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
