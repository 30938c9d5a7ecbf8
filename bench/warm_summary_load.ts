/**
 * The warm summary of one big session file: after a cold summary of
 * `--events` events (5,000,000 by default, about 1.2 GB), 1,000 more events
 * are appended and the summary is taken again, ten times (issue 11 target:
 * ≤ 5 ms at 5,000,000 events). With over 65,536 intent→fill pairs the latency
 * percentiles come from the mergeable histogram, so the cost does not grow
 * with the session.
 *
 * Usage:
 *   deno run -A bench/warm_summary_load.ts [--events 5000000]
 *   deno run -A bench/warm_summary_load.ts --events 20000          (smoke)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeSessionFile } from "./live_fixture.ts";
import { getExecutionSummary } from "../live/summary.ts";

const SESSION = "load-1";
const args = parseArgs({
  args: Deno.args,
  options: { events: { type: "string", default: "5000000" } },
});
const events = Number(args.values.events);

const dir = await Deno.makeTempDir({ prefix: "warm_summary_" });
try {
  const path = `${dir}/${SESSION}.jsonl`;
  const generator = await writeSessionFile(path, events);
  const t0 = performance.now();
  const cold = await getExecutionSummary(SESSION, { baseDir: dir });
  const coldMs = performance.now() - t0;
  const warm: number[] = [];
  let expected = cold.event_count;
  for (let round = 0; round < 10; round++) {
    await writeSessionFile(path, 1000, generator);
    expected += 1000;
    const t = performance.now();
    const summary = await getExecutionSummary(SESSION, { baseDir: dir });
    warm.push(performance.now() - t);
    if (summary.event_count !== expected) throw new Error("the warm summary miscounted");
  }
  const median = [...warm].sort((a, b) => a - b)[5];
  console.log(`events                                   ${events.toLocaleString("en-US")}`);
  console.log(
    `file size (MiB)                          ${(Deno.statSync(path).size / 2 ** 20).toFixed(0)}`,
  );
  console.log(
    `intent→fill pairs                        ${cold.latency_ms?.count.toLocaleString("en-US")}`,
  );
  console.log(`cold summary (s, two cores)              ${(coldMs / 1000).toFixed(2)}`);
  console.log(
    `warm summary after 1,000 appended (ms)   ${median.toFixed(2)}  target ≤ 5 ms (${
      (median / 5).toFixed(2)
    }× the target)`,
  );
  const load = new TextDecoder().decode(
    (await new Deno.Command("uptime", { stdout: "piped" }).output()).stdout,
  ).trim();
  console.log(`uptime: ${load}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
