/**
 * Micro-benchmarks of the live readers, each group against its named peer in
 * the same run:
 *
 * - line classification: the summary's byte scan vs `TextDecoder` + `JSON.parse`;
 * - timestamps: `parseTimestampMicros` vs `Date.parse` (which keeps milliseconds only);
 * - timeline: the backward read of 200 rows vs reading the whole file and taking
 *   the last 200 lines (what the original did);
 * - summary: warm (cached, nothing new) vs cold (whole file).
 *
 * Run: deno bench -A bench/live_bench.ts
 *
 * @module
 */
import { join } from "node:path";
import { SessionLineGenerator, writeSessionFile } from "./live_fixture.ts";
import { newScannedEvent, scanEventLine } from "../execution/wire/line_scan.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import { getExecutionTimeline } from "../live/timeline.ts";
import { clearSummaryCache, getExecutionSummary } from "../live/summary.ts";
import { benchTempDir } from "./temp_dir.ts";

const EVENTS = 50_000; // about 13 MB: big enough to show the shapes, quick to generate
const dir = benchTempDir("live_bench_");
const SESSION = "bench-1";
const path = join(dir, `${SESSION}.jsonl`);
await writeSessionFile(path, EVENTS, new SessionLineGenerator(SESSION));

const generator = new SessionLineGenerator("line-1");
const sampleLines: Uint8Array[] = [];
for (let i = 0; i < 1000; i++) sampleLines.push(new TextEncoder().encode(generator.next()));
const record = newScannedEvent();
const decoder = new TextDecoder();

Deno.bench({
  name: "classify 1,000 lines: byte scan (summary hot path)",
  group: "line",
  fn() {
    for (const line of sampleLines) scanEventLine(line, 0, line.length - 1, record);
  },
});

Deno.bench({
  name: "classify 1,000 lines: TextDecoder + JSON.parse (peer)",
  group: "line",
  baseline: true,
  fn() {
    for (const line of sampleLines) JSON.parse(decoder.decode(line.subarray(0, line.length - 1)));
  },
});

const timestamps = Array.from(
  { length: 1000 },
  (_, i) =>
    `2026-11-25T09:${String(i % 60).padStart(2, "0")}:45.${String(i).padStart(6, "0")}+00:00`,
);

Deno.bench({
  name: "1,000 wire timestamps: parseTimestampMicros",
  group: "timestamp",
  fn() {
    for (const t of timestamps) parseTimestampMicros(t);
  },
});

Deno.bench({
  name: "1,000 wire timestamps: Date.parse (peer, milliseconds only)",
  group: "timestamp",
  baseline: true,
  fn() {
    for (const t of timestamps) Date.parse(t);
  },
});

Deno.bench({
  name: `timeline limit=200 of ${EVENTS} events: backward block read`,
  group: "timeline",
  async fn() {
    await getExecutionTimeline(SESSION, { baseDir: dir, limit: 200 });
  },
});

Deno.bench({
  name: `timeline limit=200 of ${EVENTS} events: whole-file read (peer, the original's way)`,
  group: "timeline",
  baseline: true,
  async fn() {
    const text = await Deno.readTextFile(path);
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    lines.slice(-200).map((l) => JSON.parse(l)).reverse();
  },
});

Deno.bench({
  name: `summary of ${EVENTS} events: warm (cached, nothing new)`,
  group: "summary",
  async fn() {
    await getExecutionSummary(SESSION, { baseDir: dir });
  },
});

Deno.bench({
  name: `summary of ${EVENTS} events: cold (whole file)`,
  group: "summary",
  baseline: true,
  async fn() {
    clearSummaryCache();
    await getExecutionSummary(SESSION, { baseDir: dir });
  },
});
