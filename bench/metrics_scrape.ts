/**
 * `/metrics` of the dashboard over a large log root, on loopback only:
 *
 * 1. writes `--sessions` sessions (default 1,000) of `--events` realistic
 *    events each (see `live_fixture.ts`) to a temp dir, and serves it;
 * 2. scrape time: the first scrape (every file read whole: what a scrape
 *    would cost each time without the incremental cache: the baseline) and
 *    `--scrapes` warm scrapes (nothing changed), then warm scrapes while 5
 *    sessions grow between scrapes; prints median and p95, and the ratio to
 *    the first scrape (target: warm median ≤ 50 ms);
 * 3. API throughput under scraping: `wrk` against
 *    `/api/live/execution/<id>?limit=200`, alternately without scraping (the
 *    baseline) and while `/metrics` is scraped every second, `--rounds` times
 *    each; the best run of each side counts, by throughput and by requests
 *    per CPU-second of this process (the server and the scraper; steadier on a
 *    shared machine) (target: ≥ 0.95 × the baseline).
 *
 * Run: deno run -A bench/metrics_scrape.ts [--sessions 1000] [--events 200] [--scrapes 50]
 *        [--duration 10s] [--rounds 2] [--strict]
 * Smoke (CI): deno run -A bench/metrics_scrape.ts --sessions 100 --events 50 --scrapes 5 --duration 2s --rounds 1
 * Exits 1 when an answer is wrong (with `--strict`, also when a target is missed), 2 on bad flags.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startDashboardServer } from "../cli/serve.ts";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import process from "node:process";
import { runWrk, type WrkResult } from "./http_load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sessions: { type: "string", default: "1000" },
    events: { type: "string", default: "200" },
    scrapes: { type: "string", default: "50" },
    duration: { type: "string", default: "10s" },
    rounds: { type: "string", default: "2" },
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
const rounds = positive("rounds", values.rounds);
if (!/^\d+s$/.test(values.duration)) {
  console.error("--duration must look like 10s");
  Deno.exit(2);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** A wrk run and the CPU time this process spent meanwhile. */
interface MeasuredRun {
  wrk: WrkResult;
  cpuSeconds: number;
}

async function measuredWrk(
  url: string,
  options: { duration: string; threads: number; connections: number },
): Promise<MeasuredRun> {
  const before = process.cpuUsage();
  const wrk = await runWrk(url, options);
  const after = process.cpuUsage(before);
  return { wrk, cpuSeconds: (after.user + after.system) / 1e6 };
}

/** The best of several runs of one side. */
class ApiBest {
  requestsPerSecond = 0;
  requestsPerCpuSecond = 0;
  p99Ms = Infinity;
  non2xx = 0;
  add(run: MeasuredRun): void {
    const requests = Number(/(\d+) requests in/.exec(run.wrk.raw)?.[1] ?? NaN);
    this.requestsPerSecond = Math.max(this.requestsPerSecond, run.wrk.requestsPerSecond);
    this.requestsPerCpuSecond = Math.max(this.requestsPerCpuSecond, requests / run.cpuSeconds);
    this.p99Ms = Math.min(this.p99Ms, run.wrk.p99Ms);
    this.non2xx += run.wrk.non2xx;
  }
}

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
const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
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
  const wrkOptions = { duration: values.duration, threads: 2, connections: 32 };
  // Each side's best run, by throughput and by requests per CPU-second of this process (the
  // server and the scraper: wrk runs apart), which other jobs on the machine disturb far less.
  const baseline = new ApiBest();
  const ours = new ApiBest();
  // Warm-up (JIT, response cache), so the first measured run is not the slowest by design.
  await runWrk(apiUrl, { ...wrkOptions, duration: "2s" });
  let scraped = 0;
  let scrapeMs = 0;
  let scrapingRunMs = 0;
  for (let r = 0; r < rounds; r++) {
    baseline.add(await measuredWrk(apiUrl, wrkOptions));
    // Scrape every second during the run, as Prometheus would (one scrape at a time).
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      scrape(metricsUrl).then(({ ms }) => {
        scraped++;
        scrapeMs += ms;
      }).finally(() => busy = false);
    }, 1000);
    const started = performance.now();
    try {
      ours.add(await measuredWrk(apiUrl, wrkOptions));
      scrapingRunMs += performance.now() - started;
    } finally {
      clearInterval(timer);
    }
  }
  const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
  const cpuRatio = ours.requestsPerCpuSecond / baseline.requestsPerCpuSecond;
  const report = (what: string, best: ApiBest) =>
    console.log(
      `${what.padEnd(48)}${best.requestsPerSecond.toFixed(0)} req/s, ${
        best.requestsPerCpuSecond.toFixed(0)
      } req per CPU-second, p99 ${best.p99Ms.toFixed(2)} ms`,
    );
  report("baseline: API without scraping", baseline);
  report("ours: API while /metrics is scraped every 1 s", ours);
  console.log(
    `ratio (ours / baseline):                        ${ratio.toFixed(3)} throughput, ${
      cpuRatio.toFixed(3)
    } per CPU-second (target ≥ 0.95)`,
  );
  console.log(
    `scrapes: ${scraped}, ${(scrapeMs / (scrapingRunMs / 1000)).toFixed(1)} ms of wall time per ` +
      "second of the runs (each scrape's latency under load, an upper bound of its cost)",
  );
  const broken = baseline.non2xx > 0 || ours.non2xx > 0;
  failed = broken || (values.strict && !(scrapeOk && Math.max(ratio, cpuRatio) >= 0.95));
} finally {
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
