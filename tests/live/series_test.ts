import assert from "node:assert/strict";
import {
  clearSeriesCache,
  getExecutionSeries,
  MAX_BASE_BUCKETS,
  MAX_SERIES_BUCKETS,
  parseBucketWidth,
} from "../../live/series.ts";
import { getExecutionSummary } from "../../live/summary.ts";
import { countTimelineMatches } from "../../live/match_count.ts";
import { parseTimelineQuery } from "../../live/timeline_query.ts";
import {
  append,
  rotateNow,
  sessionLines,
  tsAt,
  wireLine,
  withRotatedAndReference,
  withTempDir,
} from "./helpers.ts";

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const SECOND = 1_000_000;
const T0 = Date.UTC(2026, 10, 25, 9, 30, 0) * 1000;

Deno.test("series count every event once by kind, in buckets of the width asked for", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40)); // one event per second from T0
    const series = await getExecutionSeries("s", { baseDir: dir, bucketMs: 10_000 });
    assert.equal(series.found, true);
    assert.equal(series.bucket_ms, 10_000);
    assert.deepEqual(series.t, [0, 1, 2, 3].map((i) => (T0 + i * 10 * SECOND) / 1e6));
    assert.deepEqual(Object.keys(series.kinds), ["fill", "gate", "intent", "order"]);
    // sessionLines cycles intent, gate, order, fill: ten seconds hold 2 or 3 of each.
    assert.deepEqual(series.kinds.intent, [3, 2, 3, 2]);
    assert.deepEqual(series.kinds.fill, [2, 3, 2, 3]);
    const perBucket = series.t.map((_, i) => sum(Object.values(series.kinds).map((c) => c[i])));
    assert.deepEqual(perBucket, [10, 10, 10, 10]);
    assert.equal(series.totals.events, 40);
  });
});

Deno.test("series split gate decisions and blocks by gate and reason code", async () => {
  await withTempDir(async (dir) => {
    const gate = (s: number, name: string, passed: boolean, code: string) =>
      wireLine("s", { ts: tsAt(s), kind: "gate", payload: { gate_name: name, passed, code } });
    await append(
      `${dir}/s.jsonl`,
      gate(0, "LotSize", false, "QTY_ROUNDS_TO_ZERO") + gate(1, "LotSize", true, "OK") +
        gate(2, "LotSize", false, "QTY_BELOW_MIN") + gate(3, "MinNotional", false, "LOW") +
        gate(61, "LotSize", false, "QTY_ROUNDS_TO_ZERO"),
    );
    const series = await getExecutionSeries("s", { baseDir: dir, bucketMs: 60_000 });
    assert.deepEqual(series.gates.LotSize, { decisions: [3, 1], blocks: [2, 1] });
    assert.deepEqual(series.gates.MinNotional, { decisions: [1, 0], blocks: [1, 0] });
    assert.deepEqual(series.blocks.LotSize, { QTY_BELOW_MIN: [1, 0], QTY_ROUNDS_TO_ZERO: [1, 1] });
    assert.deepEqual(series.blocks.MinNotional, { LOW: [1, 0] });
  });
});

Deno.test("series sum fills, notional and fees, cumulative from the session's start", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40)); // fills at 3, 7, 11, …: notional 100
    const all = await getExecutionSeries("s", { baseDir: dir, bucketMs: 20_000 });
    assert.deepEqual(all.fills, [5, 5]);
    assert.deepEqual(all.notional, [500, 500]);
    assert.deepEqual(all.cumulative_notional, [500, 1000]);
    assert.ok(Math.abs(all.cumulative_fees[1] - 1) < 1e-9);
    // A window that starts later still counts what came before in the cumulative sums.
    const late = await getExecutionSeries("s", {
      baseDir: dir,
      bucketMs: 20_000,
      sinceMicros: T0 + 20 * SECOND,
    });
    assert.deepEqual(late.cumulative_notional, [1000]);
    assert.deepEqual(late.notional, [500]);
  });
});

Deno.test("series latency percentiles agree with the summary's to within 2 %", async () => {
  await withTempDir(async (dir) => {
    let text = "";
    for (let i = 0; i < 50; i++) {
      text += wireLine("s", { ts: tsAt(i * 2), kind: "intent", symbol: "BTC-USD" });
      text += wireLine("s", {
        ts: tsAt(i * 2, (i + 1) * 1000), // latency (i + 1) ms
        kind: "fill",
        symbol: "BTC-USD",
        payload: { fill_notional: 1, fill_fee: 0 },
      });
    }
    await append(`${dir}/s.jsonl`, text);
    const series = await getExecutionSeries("s", { baseDir: dir, bucketMs: 3_600_000 });
    const summary = await getExecutionSummary("s", { baseDir: dir });
    const p50 = series.latency_ms.p50[0]!;
    const p95 = series.latency_ms.p95[0]!;
    assert.ok(Math.abs(p50 - summary.latency_ms!.median) / summary.latency_ms!.median <= 0.02);
    assert.ok(Math.abs(p95 - summary.latency_ms!.p95) / summary.latency_ms!.p95 <= 0.02);
  });
});

Deno.test("series follow a growing file and read a replaced one again", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, sessionLines("s", 10));
    assert.equal((await getExecutionSeries("s", { baseDir: dir })).totals.events, 10);
    await append(path, sessionLines("s", 5, 10));
    const grown = await getExecutionSeries("s", { baseDir: dir });
    assert.equal(grown.totals.events, 15);
    assert.equal(sum(Object.values(grown.kinds).flat()), 15);
    await Deno.writeTextFile(`${dir}/staged`, sessionLines("s", 3));
    await Deno.rename(`${dir}/staged`, path);
    assert.equal((await getExecutionSeries("s", { baseDir: dir })).totals.events, 3);
  });
});

Deno.test("the automatic bucket keeps a series within the bucket cap", async () => {
  await withTempDir(async (dir) => {
    let text = "";
    for (let i = 0; i < 3_000; i++) text += wireLine("s", { ts: tsAt(i * 7), kind: "intent" });
    await append(`${dir}/s.jsonl`, text);
    const series = await getExecutionSeries("s", { baseDir: dir });
    assert.ok(series.t.length <= MAX_SERIES_BUCKETS, `${series.t.length} buckets`);
    assert.equal(sum(series.kinds.intent), 3_000);
    await assert.rejects(getExecutionSeries("s", { baseDir: dir, bucketMs: 1 }), RangeError);
  });
});

Deno.test("base buckets coarsen past the cap and keep every count", async () => {
  await withTempDir(async (dir) => {
    clearSeriesCache();
    let text = "";
    const n = MAX_BASE_BUCKETS + 500;
    for (let i = 0; i < n; i++) text += wireLine("s", { ts: tsAt(i), kind: "order" });
    await append(`${dir}/s.jsonl`, text);
    const series = await getExecutionSeries("s", { baseDir: dir });
    assert.ok(series.base_ms > 1_000, `base ${series.base_ms} ms`);
    assert.equal(sum(series.kinds.order), n);
  });
});

Deno.test("a missing session has no series; a bad bucket width is refused", async () => {
  await withTempDir(async (dir) => {
    const series = await getExecutionSeries("none", { baseDir: dir });
    assert.equal(series.found, false);
    assert.deepEqual(series.t, []);
  });
  assert.equal(parseBucketWidth("500ms"), 500);
  assert.equal(parseBucketWidth("10"), 10_000);
  assert.equal(parseBucketWidth("2h"), 7_200_000);
  assert.equal(parseBucketWidth(""), undefined);
  assert.throws(() => parseBucketWidth("5 minutes"), /^RangeError: bucket: /);
  assert.throws(() => parseBucketWidth("0s"), RangeError);
});

Deno.test("match counts cover the whole session, per filter, and follow a growing file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, sessionLines("s", 40)); // gates at 1, 5, 9, …: blocked when i % 3 == 0
    const blocked = parseTimelineQuery({ blocked: "1" });
    const eth = parseTimelineQuery({ symbol: "eth", symbolMatch: "prefix", symbolIgnoreCase: "1" });
    const first = await countTimelineMatches("s", blocked, { baseDir: dir });
    assert.deepEqual(first, { found: true, matching: 3, total: 40 });
    assert.equal((await countTimelineMatches("s", eth, { baseDir: dir })).matching, 20);
    await append(path, sessionLines("s", 8, 40));
    const grown = await countTimelineMatches("s", blocked, { baseDir: dir });
    assert.deepEqual(grown, { found: true, matching: 4, total: 48 });
    assert.deepEqual(
      await countTimelineMatches("none", blocked, { baseDir: dir }),
      { found: false, matching: 0, total: 0 },
    );
  });
});

Deno.test("series of a rotated session cover every segment, as the same bytes in one file", async () => {
  const text = sessionLines("rs", 1200);
  await withRotatedAndReference("rs", text, 16 * 1024, async (rotated, reference) => {
    for (const bucketMs of [undefined, 60_000]) {
      const got = await getExecutionSeries("rs", { baseDir: rotated, bucketMs });
      const want = await getExecutionSeries("rs", { baseDir: reference, bucketMs });
      assert.equal(got.totals.events, 1200);
      assert.deepEqual(got, want);
    }
  });
});

Deno.test("series and match counts read on across a rotation: nothing lost, nothing twice", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const blocked = parseTimelineQuery({ blocked: "1" });
    await append(path, sessionLines("s", 40));
    assert.equal((await getExecutionSeries("s", { baseDir: dir })).totals.events, 40);
    assert.deepEqual(await countTimelineMatches("s", blocked, { baseDir: dir }), {
      found: true,
      matching: 3,
      total: 40,
    });
    // What was read is in a compressed segment now; new events go to a new active file.
    await rotateNow(dir, "s");
    await append(path, sessionLines("s", 8, 40));
    const series = await getExecutionSeries("s", { baseDir: dir });
    assert.equal(series.totals.events, 48);
    assert.equal(sum(Object.values(series.kinds).flat()), 48);
    assert.deepEqual(await countTimelineMatches("s", blocked, { baseDir: dir }), {
      found: true,
      matching: 4,
      total: 48,
    });
    // A cold read of the rotated session agrees.
    clearSeriesCache();
    assert.equal((await getExecutionSeries("s", { baseDir: dir })).totals.events, 48);
  });
});

Deno.test("match counts of a rotated session cover every segment, per filter", async () => {
  const text = sessionLines("rm", 1200);
  await withRotatedAndReference("rm", text, 16 * 1024, async (rotated, reference) => {
    for (
      const query of [
        parseTimelineQuery({ blocked: "1" }),
        parseTimelineQuery({ kinds: ["fill"], symbol: "eth", symbolMatch: "prefix" }),
      ]
    ) {
      const got = await countTimelineMatches("rm", query, { baseDir: rotated });
      assert.equal(got.total, 1200);
      assert.deepEqual(got, await countTimelineMatches("rm", query, { baseDir: reference }));
    }
  });
});

Deno.test("series and match counts read a whole-session archive", async () => {
  await withTempDir(async (dir) => {
    const { gzipSync } = await import("node:zlib");
    await Deno.writeFile(`${dir}/old.jsonl.gz`, gzipSync(sessionLines("old", 40)));
    const series = await getExecutionSeries("old", { baseDir: dir });
    assert.equal(series.found, true);
    assert.equal(series.totals.events, 40);
    assert.deepEqual(
      await countTimelineMatches("old", parseTimelineQuery({ blocked: "1" }), { baseDir: dir }),
      { found: true, matching: 3, total: 40 },
    );
  });
});
