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
 *    each; the best run of each side counts (target: ≥ 0.95 × the baseline).
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

/** Time one scrape; returns its duration and body. */
async function scrape(url: string): Promise<{ ms: number; text: string }> {
  const start = performance.now();
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return { ms: performance.now() - start, text };
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
  const warm: number[] = [];
  for (let i = 0; i < scrapes; i++) warm.push((await scrape(metricsUrl)).ms);
  warm.sort((a, b) => a - b);
  const growing: number[] = [];
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
    const { ms, text } = await scrape(metricsUrl);
    growing.push(ms);
    if (i === scrapes - 1 && eventsTotal(text) !== sessions * events + appended) {
      throw new Error(`the last scrape counted ${eventsTotal(text)} events`);
    }
  }
  growing.sort((a, b) => a - b);
  const warmMedian = percentile(warm, 0.5);
  console.log(`baseline: first scrape (every file read whole)   ${cold.ms.toFixed(1)} ms`);
  console.log(
    `ours: warm scrape, nothing changed               median ${warmMedian.toFixed(1)} ms, p95 ${
      percentile(warm, 0.95).toFixed(1)
    } ms (${scrapes} scrapes; target ≤ 50 ms)`,
  );
  console.log(
    `ours: warm scrape, 5 sessions grew in between    median ${
      percentile(growing, 0.5).toFixed(1)
    } ms, p95 ${percentile(growing, 0.95).toFixed(1)} ms`,
  );
  console.log(
    `ratio (warm median / first scrape):              ${(warmMedian / cold.ms).toFixed(3)}`,
  );
  const scrapeOk = warmMedian <= 50;

  const apiUrl = new URL(`/api/live/execution/bench-00000?limit=200`, server.url).href;
  await (await fetch(apiUrl)).body?.cancel();
  const wrkOptions = { duration: values.duration, threads: 2, connections: 32 };
  let baseline: WrkResult | null = null;
  let ours: WrkResult | null = null;
  let scraped = 0;
  let scrapeMs = 0;
  let scrapingRunMs = 0;
  for (let r = 0; r < rounds; r++) {
    const plain = await runWrk(apiUrl, wrkOptions);
    if (baseline === null || plain.requestsPerSecond > baseline.requestsPerSecond) baseline = plain;
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
      const run = await runWrk(apiUrl, wrkOptions);
      scrapingRunMs += performance.now() - started;
      if (ours === null || run.requestsPerSecond > ours.requestsPerSecond) ours = run;
    } finally {
      clearInterval(timer);
    }
  }
  const ratio = ours!.requestsPerSecond / baseline!.requestsPerSecond;
  console.log(
    `baseline: API without scraping                  ${
      baseline!.requestsPerSecond.toFixed(0)
    } req/s, p99 ${baseline!.p99Ms.toFixed(2)} ms`,
  );
  console.log(
    `ours: API while /metrics is scraped every 1 s   ${
      ours!.requestsPerSecond.toFixed(0)
    } req/s, p99 ${ours!.p99Ms.toFixed(2)} ms (${scraped} scrapes)`,
  );
  console.log(
    `ratio (ours / baseline):                         ${ratio.toFixed(3)} (target ≥ 0.95)`,
  );
  // The scrapes' own share of the server's time: steadier than the ratio on a shared machine.
  console.log(
    `scraping took ${(scrapeMs / (scrapingRunMs / 1000)).toFixed(1)} ms per second of the runs ` +
      `(${(scrapeMs / scrapingRunMs * 100).toFixed(2)} % of the time; latency under load included)`,
  );
  const broken = baseline!.non2xx > 0 || ours!.non2xx > 0;
  failed = broken || (values.strict && !(scrapeOk && ratio >= 0.95));
} finally {
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
