/**
 * Load figure of live follow in the browser (issue 12): a writer appends a
 * burst to a large session while a Chromium page follows it live.
 *
 * - the session holds `--prefill` events (default 100,000) before the page loads;
 * - the page turns live follow on, then a writer appends `--rate` events/s
 *   for `--seconds` s (in 10 ms ticks);
 * - meanwhile `page.evaluate` round trips are timed (the page stays
 *   responsive: target p99 ≤ 100 ms);
 * - every event must reach the page exactly once (compared by `seq`, as the
 *   page's stream delivers them), the table must show the newest event, and
 *   the page's JS heap and table stay bounded.
 *
 * Usage (needs Debian's chromium):
 *   deno run -A bench/browser_burst.ts [--prefill 100000] [--rate 5000] [--seconds 30]
 * The browser test runs a smaller burst through the same code
 * (`tests/browser/live_burst_test.ts`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";

const TICK_MS = 10;
const encoder = new TextEncoder();

/** What {@linkcode measureBurst} found. */
export interface BurstReport {
  /** Events appended during the burst. */
  written: number;
  /** Events the page's stream delivered (every `seq` counted). */
  delivered: number;
  /** Distinct `seq`s delivered. */
  distinct: number;
  /** `seq`s delivered out of order or twice (the first few). */
  violations: string[];
  /** Round trips of `page.evaluate` during the burst, ms. */
  roundTrips: number[];
  /** Milliseconds from the writer's end until the page had every event. */
  catchUpMs: number;
  /** The page's used JS heap after the burst, MB. */
  heapMb: number;
  /** Rows in the table after the burst. */
  tableRows: number;
  /** Whether the table's newest row is the last event written. */
  newestShown: boolean;
  /** The writer's achieved rate, events/s. */
  rate: number;
}

/** Options of {@linkcode measureBurst}. */
export interface BurstOptions {
  /** A launched Chromium. */
  browser: Browser;
  /** The dashboard's base URL. */
  baseUrl: string;
  /** The log root the dashboard serves. */
  dir: string;
  /** The session followed (its file holds `prefill` events of `burstLine`'s shape). */
  sessionId: string;
  /** Events already in the session (the burst continues their `seq`). */
  prefill: number;
  /** Events per second during the burst. */
  rate: number;
  /** Length of the burst, seconds. */
  seconds: number;
  /** Longest wait for the page to receive everything after the burst, ms. */
  catchUpTimeoutMs?: number;
}

/** One wire line of the burst (about 250 bytes), `seq` given, `ts` now. */
export function burstLine(sessionId: string, seq: number, micros: number): string {
  const kinds = ["intent", "gate", "order", "fill"];
  const kind = kinds[seq % 4];
  const d = new Date(Math.floor(micros / 1000));
  const ts = d.toISOString().slice(0, 19) + "." + String(micros % 1_000_000).padStart(6, "0") +
    "+00:00";
  const payload = kind === "gate"
    ? `{"gate_name":"LotSize","passed":${
      seq % 10 !== 1
    },"code":"QTY_ROUNDS_TO_ZERO","reason":"burst","modified_qty":null}`
    : kind === "fill"
    ? `{"client_id":"c${seq}","side":"buy","filled_quantity":0.25,"fill_price":100010.5,"fill_notional":25002.625,"fill_fee":2.5}`
    : `{"side":"buy","quantity":0.25,"current_price":100000,"strategy_key":"momentum_v2"}`;
  return `{"ts":"${ts}","session_id":"${sessionId}","symbol":"BTC-USD","mode":"paper","kind":"${kind}","payload":${payload},"seq":${seq}}\n`;
}

/** Write `count` burst lines (seq 1…count) to a new session file. */
export async function prefillSession(path: string, sessionId: string, count: number) {
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  try {
    const start = Date.now() * 1000 - count * 1000;
    let text = "";
    for (let seq = 1; seq <= count; seq++) {
      text += burstLine(sessionId, seq, start + seq * 1000);
      if (text.length > 4_000_000 || seq === count) {
        const bytes = encoder.encode(text);
        let done = 0;
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
        text = "";
      }
    }
  } finally {
    file.close();
  }
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

/** Run one burst against a followed page and measure it (see the module's description). */
export async function measureBurst(options: BurstOptions): Promise<BurstReport> {
  const { browser, sessionId, prefill, rate, seconds } = options;
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    // Count every row the page's stream delivers, by seq, without parsing the JSON twice.
    await page.addInitScript(() => {
      const w = globalThis as unknown as { __seqs: number[]; EventSource: typeof EventSource };
      w.__seqs = [];
      const Original = w.EventSource;
      w.EventSource = class extends Original {
        constructor(url: string | URL, init?: EventSourceInit) {
          super(url, init);
          this.addEventListener("batch", (m) => {
            for (const match of (m as MessageEvent<string>).data.matchAll(/"seq":(\d+)/g)) {
              w.__seqs.push(Number(match[1]));
            }
          });
        }
      };
    });
    await page.goto(new URL(`/live/execution/${sessionId}`, options.baseUrl).href);
    await page.waitForSelector('.timeline-island[data-hydrated="true"]', { timeout: 30_000 });
    await page.check('input[name="follow"]');
    await page.waitForSelector(".connection-connected", { timeout: 30_000 });

    const total = Math.round(rate * seconds);
    const path = `${options.dir}/${sessionId}.jsonl`;
    const roundTrips: number[] = [];
    let writing = true;
    const prober = (async () => {
      while (writing) {
        const t0 = performance.now();
        await page.evaluate(() => 1);
        roundTrips.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const file = await Deno.open(path, { append: true });
    const started = performance.now();
    let written = 0;
    try {
      for (let tick = 1; written < total; tick++) {
        const due = Math.min(total, Math.round(rate * tick * TICK_MS / 1000));
        const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
        let text = "";
        while (written < due) text += burstLine(sessionId, prefill + ++written, now);
        const bytes = encoder.encode(text);
        let done = 0;
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
        const wait = started + tick * TICK_MS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      file.close();
    }
    const writeSeconds = (performance.now() - started) / 1000;
    const writerDone = performance.now();
    try {
      await page.waitForFunction(
        (n) => (globalThis as unknown as { __seqs: number[] }).__seqs.length >= n,
        total,
        { timeout: options.catchUpTimeoutMs ?? 60_000, polling: 100 },
      );
    } catch {
      // Reported below: delivered < written.
    }
    const catchUpMs = performance.now() - writerDone;
    writing = false;
    await prober;
    const seqs = await page.evaluate(() => (globalThis as unknown as { __seqs: number[] }).__seqs);
    const violations: string[] = [];
    let expected = prefill + 1;
    for (const seq of seqs) {
      if (seq !== expected && violations.length < 10) {
        violations.push(`seq ${seq} where ${expected} was due`);
      }
      expected = seq + 1;
    }
    // The newest event's line starts one line before the end (the same seq gives the same length).
    const size = (await Deno.stat(path)).size;
    const newestOffset = size - burstLine(sessionId, prefill + total, 0).length;
    // Streamed rows are applied a moment after they arrive: wait for the table to show the last.
    const newestShown = await page.waitForFunction(
      (offset) =>
        document.querySelector("table.timeline tbody tr")?.getAttribute("data-offset") ===
          String(offset),
      newestOffset,
      { timeout: 10_000 },
    ).then(() => true, () => false);
    const page_ = await page.evaluate(() => ({
      rows: document.querySelectorAll("table.timeline tbody tr").length,
      heap: (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
        ?.usedJSHeapSize ?? NaN,
    }));
    return {
      written: total,
      delivered: seqs.length,
      distinct: new Set(seqs).size,
      violations,
      roundTrips,
      catchUpMs,
      heapMb: page_.heap / 1e6,
      tableRows: page_.rows,
      newestShown,
      rate: total / writeSeconds,
    };
  } finally {
    await page.close();
  }
}

/** Summary lines of a report, each with its target and whether it was met. */
export function reportLines(report: BurstReport, p99TargetMs: number): [string, boolean][] {
  const p99 = percentile(report.roundTrips, 0.99);
  const exactlyOnce = report.delivered === report.written && report.distinct === report.written &&
    report.violations.length === 0;
  return [
    [
      `writer: ${report.written.toLocaleString("en-US")} events at ${
        report.rate.toFixed(0)
      }/s; page had them all ${report.catchUpMs.toFixed(0)} ms after the writer stopped`,
      true,
    ],
    [
      `every event exactly once, in order: ${report.delivered.toLocaleString("en-US")} delivered, ${
        report.distinct.toLocaleString("en-US")
      } distinct ${report.violations.slice(0, 3).join("; ")}`,
      exactlyOnce,
    ],
    [
      `page.evaluate round trip p50/p99/max: ${percentile(report.roundTrips, 0.5).toFixed(1)}/${
        p99.toFixed(1)
      }/${Math.max(...report.roundTrips).toFixed(0)} ms (target p99 ≤ ${p99TargetMs} ms)`,
      p99 <= p99TargetMs,
    ],
    [
      `bounded: ${report.tableRows} table rows, JS heap ${report.heapMb.toFixed(0)} MB`,
      report.tableRows <= 1000 && report.heapMb <= 200,
    ],
    [`the newest event is the table's first row`, report.newestShown],
  ];
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      prefill: { type: "string", default: "100000" },
      rate: { type: "string", default: "5000" },
      seconds: { type: "string", default: "30" },
    },
  }).values;
  const prefill = Number(args.prefill);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const { launchChromium } = await import("../tests/browser/chromium.ts");
  const { startDashboardServer } = await import("../cli/serve.ts");
  const dir = await Deno.makeTempDir({ prefix: "browser_burst_" });
  const sessionId = "burst-1";
  await prefillSession(`${dir}/${sessionId}.jsonl`, sessionId, prefill);
  const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
  const browser = await launchChromium();
  try {
    const report = await measureBurst({
      browser,
      baseUrl: server.url,
      dir,
      sessionId,
      prefill,
      rate,
      seconds,
      catchUpTimeoutMs: 120_000,
    });
    let ok = true;
    for (const [line, met] of reportLines(report, 100)) {
      console.log(`${met ? "ok    " : "MISSED"} ${line}`);
      ok &&= met;
    }
    if (!ok) Deno.exitCode = 1;
  } finally {
    await browser.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
