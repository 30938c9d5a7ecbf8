/**
 * Hostile files against the live readers (issue 10, item 6):
 *
 * - 1,000,000 garbage lines: `timeline --limit 5` must skip them at byte-scan speed, and the
 *   read must leave the event loop free (the longest gap between 1 ms timer ticks while it runs
 *   is what `/healthz` would wait at most);
 * - a 20 MB torn tail after 10,000 events: the summary must not read it again on every call.
 *
 * Usage: `deno run -A bench/hostile_files_load.ts [--garbage 1000000] [--tail-mb 20]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { getExecutionTimeline } from "../live/timeline.ts";
import { getExecutionSummary } from "../live/summary.ts";
import { writeSessionFile } from "./live_fixture.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    garbage: { type: "string", default: "1000000" },
    "tail-mb": { type: "string", default: "20" },
  },
});
const garbage = Number(args.values.garbage);
const tailMb = Number(args.values["tail-mb"]);

/** Run `fn` while a 1 ms interval ticks; returns its time and the longest gap between ticks. */
async function withStallMeter<T>(fn: () => Promise<T>): Promise<{ ms: number; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  return { ms, stallMs: stall };
}

const dir = await Deno.makeTempDir({ prefix: "hostile_" });
try {
  const junk = `${dir}/junk.jsonl`;
  const file = await Deno.open(junk, { create: true, write: true });
  const encoder = new TextEncoder();
  for (let i = 0; i < garbage; i += 10_000) {
    let chunk = "";
    for (let j = i; j < Math.min(garbage, i + 10_000); j++) chunk += `garbage line ${j} !!\n`;
    await file.write(encoder.encode(chunk));
  }
  file.close();
  const page = await withStallMeter(() => getExecutionTimeline("junk", { baseDir: dir, limit: 5 }));
  console.log(
    `timeline --limit 5 over ${garbage.toLocaleString("en-US")} garbage lines: ` +
      `${page.ms.toFixed(0)} ms, longest event-loop stall ${page.stallMs.toFixed(1)} ms`,
  );

  const whole = await withStallMeter(() => getExecutionSummary("junk", { baseDir: dir }));
  console.log(
    `summary over the same garbage: ${whole.ms.toFixed(0)} ms, longest event-loop stall ` +
      `${whole.stallMs.toFixed(1)} ms`,
  );

  const torn = `${dir}/torn.jsonl`;
  await writeSessionFile(torn, 10_000);
  await Deno.writeFile(
    torn,
    encoder.encode('{"kind":"fill","payload":"' + "x".repeat(tailMb * 2 ** 20)),
    {
      append: true,
    },
  );
  const cold = await withStallMeter(() => getExecutionSummary("torn", { baseDir: dir }));
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const summary = await getExecutionSummary("torn", { baseDir: dir });
    warm.push(performance.now() - t0);
    if (summary.torn_lines !== 1 || summary.event_count !== 10_000) throw new Error("miscounted");
  }
  console.log(
    `summary with a ${tailMb} MB torn tail: first ${cold.ms.toFixed(1)} ms, then ` +
      `${[...warm].sort((a, b) => a - b)[5].toFixed(2)} ms (median of 10)`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
