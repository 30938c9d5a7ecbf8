/**
 * Load figure of the charts' series (issue 12): on a generated session
 * (default 1,000,000 events), the cold series, then warm series after 1,000
 * appended events (the aggregate reads only the new bytes; target ≤ 50 ms),
 * zoomed into a tenth of the session, and the match count of a gate filter.
 *
 * Usage:
 *   deno run -A bench/series_load.ts [--events 1000000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { getExecutionSeries } from "../live/series.ts";
import { countTimelineMatches } from "../live/match_count.ts";
import { parseTimelineQuery } from "../live/timeline_query.ts";

const SESSION = "series-1";

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const { events } = parseArgs({
    args: Deno.args,
    options: { events: { type: "string", default: "1000000" } },
  }).values;
  const count = Number(events);
  const dir = await Deno.makeTempDir({ prefix: "series_load_" });
  try {
    const path = join(dir, `${SESSION}.jsonl`);
    const generator = await writeSessionFile(path, count, new SessionLineGenerator(SESSION));
    const size = (await Deno.stat(path)).size;
    console.log(`file: ${count.toLocaleString("en-US")} events, ${(size / 1e6).toFixed(1)} MB`);
    const [coldMs, cold] = await timed(() => getExecutionSeries(SESSION, { baseDir: dir }));
    console.log(
      `cold series (whole file)                 ${
        coldMs.toFixed(0).padStart(8)
      } ms  ${cold.t.length} buckets of ${cold.bucket_ms} ms`,
    );
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      await writeSessionFile(path, 1_000, generator);
      warm.push((await timed(() => getExecutionSeries(SESSION, { baseDir: dir })))[0]);
    }
    const warmMs = median(warm);
    console.log(
      `warm series after +1,000 events (median) ${
        warmMs.toFixed(1).padStart(8)
      } ms  target ≤ 50 ms ${warmMs <= 50 ? "ok" : "MISSED"}`,
    );
    const span = cold.t.length > 0 ? (cold.t.at(-1)! - cold.t[0]) * 1e6 : 0;
    const from = cold.t[0] * 1e6 + span * 0.45;
    const [zoomMs, zoom] = await timed(() =>
      getExecutionSeries(SESSION, {
        baseDir: dir,
        sinceMicros: from,
        untilMicros: from + span / 10,
      })
    );
    console.log(
      `zoomed into a tenth of the session       ${
        zoomMs.toFixed(1).padStart(8)
      } ms  ${zoom.t.length} buckets of ${zoom.bucket_ms} ms`,
    );
    const blocked = parseTimelineQuery({ blocked: "1", gates: ["LotSize"] });
    const [countColdMs, matches] = await timed(() =>
      countTimelineMatches(SESSION, blocked, { baseDir: dir })
    );
    await writeSessionFile(path, 1_000, generator);
    const [countWarmMs] = await timed(() =>
      countTimelineMatches(SESSION, blocked, { baseDir: dir })
    );
    console.log(
      `match count blocked+LotSize cold / warm  ${countColdMs.toFixed(0).padStart(8)} / ${
        countWarmMs.toFixed(1)
      } ms  (${matches.matching.toLocaleString("en-US")} of ${
        matches.total.toLocaleString("en-US")
      })`,
    );
    if (warmMs > 50) Deno.exitCode = 1;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
