/**
 * CLI start (issue 11, goal 6): fresh processes of the reading commands
 * against an empty Deno script, in one run. Every command runs `--runs`
 * times after `--warmup` runs, in rounds that visit the commands in turn
 * (each round starting with another one), so a slow spell of the machine
 * spreads over all of them; the figures are medians of wall-clock time from
 * spawn to exit, and each command's ratio to the empty script.
 *
 * Also run, for scale: a script that only imports `node:fs` (the reading
 * commands open files with `O_NOFOLLOW | O_NONBLOCK` through it, see
 * `execution/wire/regular_file.ts`), and `main.ts --version`.
 *
 * Usage:
 *   deno run -A bench/cli_start.ts [--runs 20] [--warmup 3] [--events 10000]
 *   deno run -A bench/cli_start.ts --runs 2 --warmup 1 --events 1000      (smoke)
 *
 * `--events` is the size of the session `timeline` and `summary` read (7
 * events per execution of the default pipeline, written by the JSONL logger
 * into a temp dir that is removed at the end).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { integerFlag, loadAverage, median } from "./measure.ts";
import {
  buildExecutionPipeline,
  type ExecutionContext,
  JsonlExecutionLogger,
  parseExecutionConfig,
} from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    events: { type: "string", default: "10000" },
  },
  strict: true,
});
const runs = integerFlag("runs", values.runs);
const warmup = integerFlag("warmup", values.warmup, 0);
const events = integerFlag("events", values.events);

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SESSION = "start-bench";

/** A session of about `count` events, as the JSONL logger writes them. */
async function writeSession(baseDir: string, count: number): Promise<void> {
  const logger = new JsonlExecutionLogger({ baseDir, handleSignals: false });
  const pipeline = buildExecutionPipeline(parseExecutionConfig(""), { emitter: logger });
  const ctx: ExecutionContext = {
    mode: "paper",
    symbol: "BTC-USD",
    price: 100_000,
    sessionId: SESSION,
  };
  for (let i = 0; i * 7 < count; i++) {
    await pipeline.execute(i % 2 === 0 ? 0.5 : 0.1, i % 2 === 0 ? 0.1 : 0.5, ctx);
  }
  await logger.close();
}

interface Case {
  label: string;
  args: string[];
}

/** One fresh process: wall-clock milliseconds from spawn to exit; it must succeed. */
async function timeOnce(command: Case): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: command.args,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - start;
  if (!output.success) {
    throw new Error(
      `${command.label} exited with ${output.code}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return ms;
}

const dir = await Deno.makeTempDir({ prefix: "cli_start_" });
try {
  const empty = `${dir}/empty.ts`;
  const nodeFs = `${dir}/node_fs.ts`;
  await Deno.writeTextFile(empty, "");
  await Deno.writeTextFile(nodeFs, 'import "node:fs";\n');
  const logDir = `${dir}/logs`;
  await writeSession(logDir, events);
  const read = ["run", "--allow-read", "--allow-env", MAIN];
  const cases: Case[] = [
    { label: "empty Deno script", args: ["run", empty] },
    { label: 'import "node:fs" only', args: ["run", "--allow-read", nodeFs] },
    { label: "main.ts --version", args: [...read, "--version"] },
    { label: "main.ts timeline", args: [...read, "timeline", SESSION, "--log-dir", logDir] },
    { label: "main.ts summary", args: [...read, "summary", SESSION, "--log-dir", logDir] },
  ];
  console.log(
    `${runs} runs of each after ${warmup} warm-up runs, a session of ${
      events.toLocaleString("en-US")
    } events; load average at start ${loadAverage()}`,
  );
  // Warm-up: the module cache and the page cache, not measured.
  for (let i = 0; i < warmup; i++) for (const c of cases) await timeOnce(c);
  const times = cases.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      times[index].push(await timeOnce(cases[index]));
    }
  }
  const base = median(times[0]);
  for (let i = 0; i < cases.length; i++) {
    const ms = median(times[i]);
    console.log(
      `${cases[i].label.padEnd(24)} ${ms.toFixed(1).padStart(7)} ms  ${
        (ms / base).toFixed(2)
      }x the empty script`,
    );
  }
  console.log(`load average at end ${loadAverage()}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
