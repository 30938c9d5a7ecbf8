/**
 * The scans against the physical limit, in one run (issue 11, goals 3 and 6's
 * memory), on generated session files (`live_fixture.ts`: this product's wire
 * lines, one `error` per 10,000 events), page cache warm:
 *
 * - cold summary, in this process (the cache cleared each round), against
 *   `cat FILE > /dev/null` in a subprocess: target ours ≤ 3× cat; measured
 *   as a one-shot script reads (the split read's worker started per read),
 *   then as the dashboard server reads (a worker kept warm,
 *   `holdSummaryWorker`);
 * - the rare-filter timeline (`kind=error`, `symbol=BTC-USD`, every match),
 *   in this process, against `grep -F '"kind":"error"' FILE | grep -F
 *   '"symbol":"BTC-USD"'`: target ours ≤ grep (the row counts must agree);
 * - peak resident memory of `main.ts summary` (target ≤ 80 MiB) and of the
 *   rare-filter `main.ts timeline`, each file, fresh processes (`/usr/bin/time
 *   -f %M`): the same for every size when reading is flat in memory.
 *
 * Rounds alternate ours and the peer; each figure is the median of the
 * rounds, with CPU time (user + system, every thread; every process of the
 * peer's pipeline) beside the wall clock; the peer is timed by bash's `time`. `uptime` is printed before and after: on a
 * shared machine the wall-clock ratio moves with the load, the CPU figures
 * much less.
 *
 * Usage:
 *   deno run -A bench/scan_load.ts [--events 1000000,5000000] [--rounds 5] [--dir DIR]
 * CI smoke check:
 *   deno run -A bench/scan_load.ts --events 20000 --rounds 1
 *
 * With `--dir`, the files are kept there (and reused by the next run).
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { clearSummaryCache, getExecutionSummary, holdSummaryWorker } from "../live/summary.ts";
import { getExecutionTimeline } from "../live/timeline.ts";
import { median } from "./measure.ts";

const SESSION = "load-1";
const TIME = "/usr/bin/time";
const KIND_NEEDLE = '"kind":"error"';
const SYMBOL = "BTC-USD";
const SYMBOL_NEEDLE = `"symbol":"${SYMBOL}"`;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Run `fn` in this process: wall clock and this process's CPU time (all threads). */
async function ours<T>(fn: () => Promise<T>): Promise<[Sample, T]> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  return [{ wallMs: performance.now() - t0, cpuMs: cpuMsSince(cpu) }, value];
}

/**
 * Run a shell command timed by bash's `time` (millisecond resolution, the
 * command alone): its wall clock, CPU time (every process of it) and standard
 * output.
 */
async function timed(command: string): Promise<Sample & { stdout: string }> {
  const out = await new Deno.Command("bash", {
    args: ["-c", `TIMEFORMAT='@@ %3R %3U %3S'; time { ${command} ; }`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
  const report = stderr.findLast((l) => l.startsWith("@@ "));
  if (!out.success || report === undefined) {
    throw new Error(`${command} failed: ${stderr.join(" ")}`);
  }
  const [wall, user, system] = report.slice(3).split(" ").map(Number);
  return {
    wallMs: wall * 1000,
    cpuMs: (user + system) * 1000,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

/** Peak resident memory (KiB) and wall time of a shell command, by `/usr/bin/time -f %M`. */
async function peakRss(command: string): Promise<{ maxRssKib: number; wallMs: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(TIME, {
    args: ["-f", "%M", "sh", "-c", command],
    stdout: "null",
    stderr: "piped",
  }).output();
  const last = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
  if (!out.success || !/^\d+$/.test(last)) throw new Error(`${command} failed: ${last}`);
  return { maxRssKib: Number(last), wallMs: performance.now() - t0 };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

async function uptime(): Promise<string> {
  const out = await new Deno.Command("uptime", { stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

function row(label: string, ours: Sample, peer: Sample, target: string): void {
  const ratio = (a: number, b: number) => b > 0 ? (a / b).toFixed(2) + "×" : "n/a";
  console.log(
    `${label.padEnd(40)} ours ${ours.wallMs.toFixed(0).padStart(6)} ms (cpu ${
      ours.cpuMs.toFixed(0).padStart(6)
    })  peer ${peer.wallMs.toFixed(0).padStart(6)} ms (cpu ${
      peer.cpuMs.toFixed(0).padStart(6)
    })  ratio ${ratio(ours.wallMs, peer.wallMs).padStart(7)} wall, ${
      ratio(ours.cpuMs, peer.cpuMs).padStart(7)
    } cpu  ${target}`,
  );
}

function medians(samples: Sample[]): Sample {
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
  };
}

async function ensureFile(dir: string, events: number): Promise<string> {
  const path = join(dir, `${SESSION}.jsonl`);
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(dir, { recursive: true });
  const t0 = performance.now();
  await writeSessionFile(path, events, new SessionLineGenerator(SESSION));
  console.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}

/**
 * The cold summary against `cat`, twice: as a one-shot script reads it (the
 * split read's worker started for the read and ended after it), then as the
 * dashboard server reads it (a worker kept warm by `holdSummaryWorker`).
 */
async function coldSummary(dir: string, path: string, events: number, rounds: number) {
  const cat = `cat ${shellQuote(path)} > /dev/null`;
  await timed(cat); // page cache warm
  const measure = async (label: string) => {
    const mine: Sample[] = [];
    const peer: Sample[] = [];
    for (let round = 0; round <= rounds; round++) {
      const p = await timed(cat);
      clearSummaryCache();
      const [sample, summary] = await ours(() => getExecutionSummary(SESSION, { baseDir: dir }));
      if (summary.event_count !== events) {
        throw new Error(`summary counted ${summary.event_count} events, expected ${events}`);
      }
      if (round === 0) continue; // warm-up round: code compiled, kernel tiered up
      peer.push(p);
      mine.push(sample);
    }
    row(label, medians(mine), medians(peer), "target ≤ 3× wall");
  };
  await measure("cold summary, one-shot vs cat");
  using _warm = holdSummaryWorker();
  await measure("cold summary, server vs cat");
}

async function rareTimeline(dir: string, path: string, rounds: number) {
  const grep = `grep -F ${shellQuote(KIND_NEEDLE)} ${shellQuote(path)} | grep -F ${
    shellQuote(SYMBOL_NEEDLE)
  }`;
  const mine: Sample[] = [];
  const peer: Sample[] = [];
  let rows = 0;
  let lines = 0;
  for (let round = 0; round <= rounds; round++) {
    const p = await timed(grep);
    lines = p.stdout.split("\n").filter((l) => l !== "").length;
    const [sample, page] = await ours(() =>
      getExecutionTimeline(SESSION, {
        baseDir: dir,
        kinds: ["error"],
        symbol: SYMBOL,
        limit: 1_000_000,
      })
    );
    rows = page.timeline.length;
    if (round === 0) continue;
    peer.push(p);
    mine.push(sample);
  }
  if (rows !== lines) throw new Error(`timeline found ${rows} rows, grep ${lines} lines`);
  row(
    `timeline kind=error symbol (${rows} rows) vs grep|grep`,
    medians(mine),
    medians(peer),
    "target ≤ 1× wall",
  );
}

/** Peak RSS of the CLI's `summary` and rare-filter `timeline` of `dir`'s session, fresh processes. */
async function cliMemory(dir: string) {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const cli = `${shellQuote(Deno.execPath())} run -A ${shellQuote(main)}`;
  const logDir = `--log-dir ${shellQuote(dir)}`;
  const summary = await peakRss(`${cli} summary ${SESSION} ${logDir} --json`);
  const timeline = await peakRss(
    `${cli} timeline ${SESSION} ${logDir} --kind error --symbol ${SYMBOL} --limit 1000000`,
  );
  const floor = await peakRss(`${cli} --version`);
  const mib = (kib: number) => (kib / 1024).toFixed(1) + " MiB";
  console.log(
    `${"main.ts summary: peak RSS".padEnd(40)} ${mib(summary.maxRssKib)} in ${
      (summary.wallMs / 1000).toFixed(2)
    } s; rare-filter timeline ${mib(timeline.maxRssKib)} in ${
      (timeline.wallMs / 1000).toFixed(2)
    } s (main.ts --version ${mib(floor.maxRssKib)})  target ≤ 80 MiB`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "1000000,5000000" },
      rounds: { type: "string", default: "5" },
      dir: { type: "string" },
    },
  }).values;
  const sizes = args.events.split(",").map(Number);
  const rounds = Number(args.rounds);
  if (!sizes.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new RangeError(`--events: expected positive integers, got ${args.events}`);
  }
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new RangeError(`--rounds: expected a positive integer, got ${args.rounds}`);
  }
  const root = args.dir ?? await Deno.makeTempDir({ prefix: "scan_load_" });
  console.log(`uptime: ${await uptime()}`);
  try {
    for (const events of sizes) {
      const dir = join(root, String(events));
      const path = await ensureFile(dir, events);
      const size = (await Deno.stat(path)).size;
      console.log(
        `${events.toLocaleString("en-US")} events, ${(size / 1e6).toFixed(1)} MB, ` +
          `medians of ${rounds} alternating rounds:`,
      );
      await coldSummary(dir, path, events, rounds);
      if (events === Math.max(...sizes)) await rareTimeline(dir, path, rounds);
      await cliMemory(dir);
    }
  } finally {
    if (args.dir === undefined) await Deno.remove(root, { recursive: true });
  }
  console.log(`uptime: ${await uptime()}`);
}

if (import.meta.main) await main();
