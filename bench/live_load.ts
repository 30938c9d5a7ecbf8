/**
 * Whole-system load of the live readers on a generated session file, against
 * jq on the same file in the same run:
 *
 * - timeline `limit=200` (target ≤ 20 ms, whatever the file size);
 * - timeline with a rare kind filter (`error`, one event in 10,000);
 * - the CLI `timeline` in a fresh process, against the process start alone;
 * - cold summary vs `jq -n 'reduce inputs as $e ({}; .[$e.kind] += 1)'` (target ≥ 6×);
 * - warm summary after 1,000 appended events (target ≤ 20 ms);
 * - with `--big`: peak memory (VmHWM) of a summary of a ~1 GB file in a subprocess
 *   (target ≤ 150 MB).
 *
 * Usage:
 *   deno run -A bench/live_load.ts [--events 1000000] [--big] [--big-events 4000000]
 * CI smoke check:
 *   deno run -A bench/live_load.ts --events 20000
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { clearSummaryCache, getExecutionSummary } from "../live/summary.ts";
import { getExecutionTimeline } from "../live/timeline.ts";

const SESSION = "load-1";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

function line(label: string, value: string, target = ""): void {
  console.log(`${label.padEnd(44)} ${value.padStart(12)}  ${target}`);
}

/** Child mode: summarise one file and report this process's peak resident memory. */
async function measureChild(path: string, dir: string): Promise<void> {
  const id = path.slice(dir.length + 1, -".jsonl".length);
  const [ms, summary] = await timed(() => getExecutionSummary(id, { baseDir: dir }));
  const status = await Deno.readTextFile("/proc/self/status");
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  console.log(JSON.stringify({ ms, events: summary.event_count, vmhwm_kb: hwm }));
}

async function jqSeconds(path: string): Promise<number | null> {
  try {
    const t0 = performance.now();
    const out = await new Deno.Command("jq", {
      args: ["-n", "reduce inputs as $e ({}; .[$e.kind] += 1)", path],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) return null;
    return (performance.now() - t0) / 1000;
  } catch {
    return null; // jq not installed
  }
}

/** Wall time of `main.ts` with `args` in a new process (output discarded). */
async function cliMs(args: string[]): Promise<number> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const [ms, out] = await timed(() =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, ...args],
      stdout: "null",
      stderr: "null",
    }).output()
  );
  if (out.code !== 0) throw new Error(`main.ts ${args.join(" ")} exited ${out.code}`);
  return ms;
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "1000000" },
      big: { type: "boolean", default: false },
      "big-events": { type: "string", default: "4000000" },
      "child-summary": { type: "string" },
      "child-dir": { type: "string" },
    },
  }).values;
  if (args["child-summary"] !== undefined) {
    await measureChild(args["child-summary"], args["child-dir"]!);
    return;
  }
  const events = Number(args.events);
  if (!Number.isSafeInteger(events) || events < 1) {
    throw new RangeError(`--events: expected a positive integer, got ${args.events}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "live_load_" });
  try {
    const path = join(dir, `${SESSION}.jsonl`);
    const [genMs, generator] = await timed(() =>
      writeSessionFile(path, events, new SessionLineGenerator(SESSION))
    );
    const size = (await Deno.stat(path)).size;
    console.log(
      `file: ${events.toLocaleString("en-US")} events, ${(size / 1e6).toFixed(1)} MB ` +
        `(generated in ${(genMs / 1000).toFixed(1)} s)`,
    );

    const limitRuns: number[] = [];
    for (let i = 0; i < 20; i++) {
      limitRuns.push((await timed(() => getExecutionTimeline(SESSION, { baseDir: dir })))[0]);
    }
    line(
      "timeline limit=200 (median of 20)",
      `${median(limitRuns).toFixed(2)} ms`,
      "target ≤ 20 ms",
    );

    const [rareMs, rare] = await timed(() =>
      getExecutionTimeline(SESSION, { baseDir: dir, kinds: ["error"] })
    );
    line(
      `timeline kind=error (${rare.timeline.length} rows, whole file)`,
      `${rareMs.toFixed(1)} ms`,
      "proportional to how far back the matches lie",
    );
    const [rare10Ms] = await timed(() =>
      getExecutionTimeline(SESSION, { baseDir: dir, kinds: ["error"], limit: 10 })
    );
    line("timeline kind=error limit=10", `${rare10Ms.toFixed(1)} ms`);

    // The CLI in a fresh process (so no warm cache helps), against the same process start
    // with `--help`, which reads nothing.
    const cliRuns: number[] = [];
    const startRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      cliRuns.push(await cliMs(["timeline", SESSION, "--log-dir", dir]));
      startRuns.push(await cliMs(["timeline", "--help"]));
    }
    line(
      "CLI timeline, fresh process (median of 5)",
      `${median(cliRuns).toFixed(0)} ms`,
      `process start alone (timeline --help): ${median(startRuns).toFixed(0)} ms`,
    );

    const coldRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      clearSummaryCache();
      coldRuns.push((await timed(() => getExecutionSummary(SESSION, { baseDir: dir })))[0]);
    }
    const cold = median(coldRuns);
    line("cold summary (median of 3)", `${cold.toFixed(0)} ms`);
    const jq = await jqSeconds(path);
    if (jq === null) {
      line("jq reduce (kind counts)", "n/a", "jq not found");
    } else {
      line("jq reduce (kind counts)", `${(jq * 1000).toFixed(0)} ms`);
      line("cold summary speed vs jq", `${(jq * 1000 / cold).toFixed(1)}×`, "target ≥ 6×");
    }

    const warmRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      await getExecutionSummary(SESSION, { baseDir: dir });
      await writeSessionFile(path, 1000, generator);
      warmRuns.push((await timed(() => getExecutionSummary(SESSION, { baseDir: dir })))[0]);
    }
    line(
      "warm summary after +1,000 events (median of 5)",
      `${median(warmRuns).toFixed(2)} ms`,
      "target ≤ 20 ms",
    );

    if (args.big) {
      const bigEvents = Number(args["big-events"]);
      const bigPath = join(dir, "big-1.jsonl");
      await writeSessionFile(bigPath, bigEvents, new SessionLineGenerator("big-1"));
      const bigSize = (await Deno.stat(bigPath)).size;
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL(import.meta.url).pathname,
          "--child-summary",
          bigPath,
          "--child-dir",
          dir,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const result = JSON.parse(new TextDecoder().decode(out.stdout)) as {
        ms: number;
        events: number;
        vmhwm_kb: number;
      };
      line(
        `summary of ${(bigSize / 1e9).toFixed(2)} GB: peak RSS (VmHWM)`,
        `${(result.vmhwm_kb / 1024).toFixed(0)} MiB`,
        `target ≤ 150 MB; ${result.events.toLocaleString("en-US")} events in ${
          (result.ms / 1000).toFixed(2)
        } s`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
