/**
 * The scans against the physical limit, in one run (issue 11, goals 3 and 6's
 * memory), on generated session files (`live_fixture.ts`: this product's wire
 * lines, one `error` per 10,000 events), page cache warm:
 *
 * - cold summary, in this process (the cache cleared each round), against
 *   `cat FILE > /dev/null` in a subprocess: target ours ≤ 3× cat;
 * - the rare-filter timeline (`kind=error`, `symbol=BTC-USD`, every match),
 *   in this process, against `grep -F '"kind":"error"' FILE | grep -F
 *   '"symbol":"BTC-USD"'`: target ours ≤ grep (the row counts must agree);
 * - peak resident memory of `main.ts summary` of the largest file in a fresh
 *   process (`/usr/bin/time -f %M`): target ≤ 80 MiB.
 *
 * Rounds alternate ours and the peer; each figure is the median of the
 * rounds, with CPU time (user + system, every thread; the peer's children
 * included) beside the wall clock. `uptime` is printed before and after: on a
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
import { clearSummaryCache, getExecutionSummary } from "../live/summary.ts";
import { getExecutionTimeline } from "../live/timeline.ts";

const SESSION = "load-1";
const TIME = "/usr/bin/time";
const KIND_NEEDLE = '"kind":"error"';
const SYMBOL = "BTC-USD";
const SYMBOL_NEEDLE = `"symbol":"${SYMBOL}"`;

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
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
 * Run a shell command under `/usr/bin/time`: its wall clock, CPU time (children
 * included), peak RSS of the largest process (KiB) and standard output.
 */
async function timed(command: string): Promise<Sample & { maxRssKib: number; stdout: string }> {
  const out = await new Deno.Command(TIME, {
    args: ["-f", "%e %U %S %M", "sh", "-c", command],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
  const [wall, user, system, rss] = stderr.at(-1)!.split(" ").map(Number);
  if (!out.success || !Number.isFinite(wall)) {
    throw new Error(`${command} failed: ${stderr.join(" ")}`);
  }
  return {
    wallMs: wall * 1000,
    cpuMs: (user + system) * 1000,
    maxRssKib: rss,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

async function uptime(): Promise<string> {
  const out = await new Deno.Command("uptime", { stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

function row(label: string, ours: Sample, peer: Sample, target: string): void {
  const ratio = (a: number, b: number) => (a / b).toFixed(2) + "×";
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

async function coldSummary(dir: string, path: string, events: number, rounds: number) {
  const cat = `cat ${shellQuote(path)} > /dev/null`;
  await timed(cat); // page cache warm
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
  row(`cold summary vs cat`, medians(mine), medians(peer), "target ≤ 3× wall");
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

async function summaryMemory(dir: string) {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const deno = shellQuote(Deno.execPath());
  const summary = await timed(
    `${deno} run -A ${shellQuote(main)} summary ${SESSION} --log-dir ${
      shellQuote(dir)
    } --json > /dev/null`,
  );
  const floor = await timed(`${deno} run -A ${shellQuote(main)} --version > /dev/null`);
  console.log(
    `${"main.ts summary: peak RSS".padEnd(40)} ${(summary.maxRssKib / 1024).toFixed(1)} MiB in ${
      (summary.wallMs / 1000).toFixed(2)
    } s (main.ts --version: ${(floor.maxRssKib / 1024).toFixed(1)} MiB)  target ≤ 80 MiB`,
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
      if (events === Math.max(...sizes)) {
        await rareTimeline(dir, path, rounds);
        await summaryMemory(dir);
      }
    }
  } finally {
    if (args.dir === undefined) await Deno.remove(root, { recursive: true });
  }
  console.log(`uptime: ${await uptime()}`);
}

if (import.meta.main) await main();
