/**
 * The live readers on a rotated session: 1,000,000 events in about 20
 * compressed segments (and an empty active file, so every read goes through
 * the segments):
 *
 * - timeline `limit=200` (target ≤ 20 ms): decompresses one ~1 MiB member;
 * - cold summary (target ≤ 50 ms): every closed segment from its manifest summary;
 * - warm summary after 1,000 appended events (target ≤ 20 ms);
 * - series and a match count over every segment: cold (each segment read once), then warm after
 *   1,000 appended events, also right after a rotation (target ≤ 50 ms);
 * - the `/metrics` counts of the log root: cold (the segments from their manifests), then warm
 *   after 1,000 appended events and a rotation;
 * - timeline with a rare kind (`error`, one in 10,000) and the first page of the oldest segment,
 *   for reference (no target).
 *
 * Usage:
 *   deno run -A bench/segments_load.ts [--events 1000000] [--segments 20]
 *   deno run -A bench/segments_load.ts --events 20000            (smoke)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeSessionFile } from "./live_fixture.ts";
import { JsonlExecutionLogger } from "../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../execution/events.ts";
import { readSegmentManifest } from "../execution/telemetry/segments.ts";
import { clearSummaryCache, getExecutionSummary } from "../live/summary.ts";
import { getExecutionTimeline } from "../live/timeline.ts";
import { clearSeriesCache, getExecutionSeries } from "../live/series.ts";
import { countTimelineMatches } from "../live/match_count.ts";
import { parseTimelineQuery } from "../live/timeline_query.ts";
import { LogRootCounts } from "../live/log_root_counts.ts";

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
  console.log(`${label.padEnd(52)} ${value.padStart(12)}  ${target}`);
}

/** Emit the lines of `text` (wire lines) through `logger`, yielding now and then. */
async function emitLines(logger: JsonlExecutionLogger, text: string): Promise<number> {
  let count = 0;
  let start = 0;
  for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
    const { seq: _seq, ...event } = JSON.parse(text.slice(start, nl)) as ExecutionEvent & {
      seq: number;
    };
    logger.emit(event);
    start = nl + 1;
    if (++count % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return count;
}

const args = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", default: "1000000" },
    segments: { type: "string", default: "20" },
  },
});
const events = Number(args.values.events);
const segments = Number(args.values.segments);

const dir = await Deno.makeTempDir({ prefix: "segments_load_" });
try {
  // The session's bytes, generated once into a plain file, then written by a rotating logger.
  const plainDir = `${dir}/plain`;
  await Deno.mkdir(plainDir);
  const generator = await writeSessionFile(`${plainDir}/${SESSION}.jsonl`, events);
  const text = await Deno.readTextFile(`${plainDir}/${SESSION}.jsonl`);
  const size = new TextEncoder().encode(text).length;
  const root = `${dir}/rotated`;
  const rotateBytes = Math.ceil(size / segments) + 1;
  const logger = new JsonlExecutionLogger({ baseDir: root, rotateBytes });
  const [writeMs] = await timed(async () => {
    await emitLines(logger, text);
    await logger.rotate(SESSION); // an empty active file: every read below uses the segments
  });
  const [compactMs] = await timed(() => logger.close());
  const manifest = (await readSegmentManifest(root, SESSION))!;
  const compressed = manifest.segments.reduce((sum, s) => sum + (s.compressed_bytes ?? 0), 0);
  line("events", events.toLocaleString("en-US"));
  line("segments (compressed)", String(manifest.segments.length));
  line(
    "bytes plain → compressed (MiB)",
    `${(size / 2 ** 20).toFixed(0)} → ${(compressed / 2 ** 20).toFixed(1)}`,
  );
  line(
    "write with rotation (s), then compaction left (s)",
    `${(writeMs / 1000).toFixed(1)}, ${(compactMs / 1000).toFixed(1)}`,
  );

  const page: number[] = [];
  for (let i = 0; i < 20; i++) {
    page.push((await timed(() => getExecutionTimeline(SESSION, { baseDir: root, limit: 200 })))[0]);
  }
  line("timeline limit=200 (median ms)", median(page).toFixed(2), "target ≤ 20 ms");
  const oldest = manifest.segments[0];
  const before = oldest.start_offset + oldest.bytes;
  const firstSegment: number[] = [];
  for (let i = 0; i < 10; i++) {
    firstSegment.push(
      (await timed(() => getExecutionTimeline(SESSION, { baseDir: root, limit: 200, before })))[0],
    );
  }
  line("timeline limit=200 in the oldest segment (median ms)", median(firstSegment).toFixed(2));
  const [rareMs, rare] = await timed(() =>
    getExecutionTimeline(SESSION, { baseDir: root, limit: 200, kinds: ["error"] })
  );
  line(`timeline kind=error limit=200 (${rare.timeline.length} rows, ms)`, rareMs.toFixed(0));

  const cold: number[] = [];
  let count = 0;
  for (let i = 0; i < 10; i++) {
    clearSummaryCache();
    const [ms, summary] = await timed(() => getExecutionSummary(SESSION, { baseDir: root }));
    cold.push(ms);
    count = summary.event_count;
  }
  line("cold summary from the manifests (median ms)", median(cold).toFixed(2), "target ≤ 50 ms");
  if (count !== events) throw new Error(`the summary counted ${count} of ${events} events`);

  const warm: number[] = [];
  let appender = new JsonlExecutionLogger({ baseDir: root, rotateBytes });
  let appended = 0;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 1000; i++) {
      const { seq: _seq, ...event } = JSON.parse(generator.next()) as ExecutionEvent & {
        seq: number;
      };
      appender.emit(event);
    }
    await appender.flush();
    appended += 1000;
    const [ms, summary] = await timed(() => getExecutionSummary(SESSION, { baseDir: root }));
    if (summary.event_count !== events + appended) throw new Error("warm summary miscounted");
    warm.push(ms);
  }
  line("warm summary after 1,000 appended (median ms)", median(warm).toFixed(2), "target ≤ 20 ms");

  // The other running aggregates, through the same mechanism.
  const blocked = parseTimelineQuery({ blocked: "1" });
  clearSeriesCache();
  const [seriesColdMs, cold1] = await timed(() => getExecutionSeries(SESSION, { baseDir: root }));
  line("cold series, every segment read once (ms)", seriesColdMs.toFixed(0));
  const [countColdMs] = await timed(() =>
    countTimelineMatches(SESSION, blocked, { baseDir: root })
  );
  line("cold match count blocked=1 (ms)", countColdMs.toFixed(0));
  const metrics = new LogRootCounts(root);
  const [metricsColdMs, snapshot] = await timed(() => metrics.refresh());
  line("cold /metrics counts, segments from manifests (ms)", metricsColdMs.toFixed(1));
  const seriesWarm: number[] = [];
  const countWarm: number[] = [];
  const metricsWarm: number[] = [];
  let expected = cold1.totals.events;
  if (snapshot.counts.eventTotal() !== expected) throw new Error("metrics miscounted");
  for (let round = 0; round < 10; round++) {
    // Every other round closes the active file into a segment first: reading on crosses it. The
    // segment's compression is let finish first (close() waits for it), so that the figure is the
    // readers' cost, not the compression worker's on a shared core.
    if (round % 2 === 1) {
      await appender.rotate(SESSION);
      await appender.close();
      appender = new JsonlExecutionLogger({ baseDir: root, rotateBytes });
    }
    for (let i = 0; i < 1000; i++) {
      const { seq: _seq, ...event } = JSON.parse(generator.next()) as ExecutionEvent & {
        seq: number;
      };
      appender.emit(event);
    }
    await appender.flush();
    expected += 1000;
    const [ms, series] = await timed(() => getExecutionSeries(SESSION, { baseDir: root }));
    if (series.totals.events !== expected) throw new Error("warm series miscounted");
    seriesWarm.push(ms);
    const [countMs, count] = await timed(() =>
      countTimelineMatches(SESSION, blocked, { baseDir: root })
    );
    if (count.total !== expected) throw new Error("warm match count miscounted");
    countWarm.push(countMs);
    const [refreshMs, counts] = await timed(() => metrics.refresh());
    if (counts.counts.eventTotal() !== expected) throw new Error("warm metrics miscounted");
    metricsWarm.push(refreshMs);
  }
  await appender.close();
  line(
    "warm series after 1,000 appended (median ms)",
    median(seriesWarm).toFixed(2),
    "target ≤ 50 ms",
  );
  line("warm match count after 1,000 appended (median ms)", median(countWarm).toFixed(2));
  line("warm /metrics counts after 1,000 appended (median ms)", median(metricsWarm).toFixed(2));
} finally {
  await Deno.remove(dir, { recursive: true });
}
