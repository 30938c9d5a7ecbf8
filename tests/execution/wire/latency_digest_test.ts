import assert from "node:assert/strict";
import {
  EXACT_LATENCY_LIMIT,
  LATENCY_RELATIVE_ERROR,
  LatencyDigest,
} from "../../../execution/wire/latency_digest.ts";

/** Deterministic pseudo-random latencies (ms) spread over four orders of magnitude. */
function latencies(n: number, seed = 1): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a * 1664525 + 1013904223) >>> 0;
    out.push(Math.round(10 ** (a / 2 ** 32 * 4 - 1) * 1000) / 1000);
  }
  return out;
}

/** The exact statistics by the definition the summary has always used (sorted ranks). */
function exact(values: number[]): { min: number; median: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return {
    min: s[0],
    median: s[Math.floor(n / 2)],
    p95: s[Math.min(n - 1, Math.floor(n * 0.95))],
    max: s[n - 1],
  };
}

function digestOf(values: number[]): LatencyDigest {
  const d = new LatencyDigest();
  for (const v of values) d.add(v);
  return d;
}

function withinError(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= expected * LATENCY_RELATIVE_ERROR + 1e-12;
}

Deno.test("up to the exact limit, percentiles are the exact sorted ranks", () => {
  const values = latencies(EXACT_LATENCY_LIMIT);
  const d = digestOf(values);
  assert.equal(d.exact, true);
  assert.deepEqual(d.summary(), { count: values.length, ...exact(values) });
});

Deno.test("beyond the exact limit, median and p95 are within 0.5 % and count, min and max exact", () => {
  const values = latencies(EXACT_LATENCY_LIMIT * 3, 7);
  const d = digestOf(values);
  assert.equal(d.exact, false);
  const want = exact(values);
  const got = d.summary()!;
  assert.equal(got.count, values.length);
  assert.equal(got.min, want.min);
  assert.equal(got.max, want.max);
  assert.ok(withinError(got.median, want.median), `median ${got.median} vs ${want.median}`);
  assert.ok(withinError(got.p95, want.p95), `p95 ${got.p95} vs ${want.p95}`);
});

Deno.test("zero latencies count and are reported as zero", () => {
  const d = digestOf([0, 0, 0, 5]);
  assert.deepEqual(d.summary(), { count: 4, min: 0, median: 0, p95: 5, max: 5 });
});

Deno.test("merging parts gives what one digest of all values gives, exact while small", () => {
  const values = latencies(1000, 3);
  const left = digestOf(values.slice(0, 400));
  const right = digestOf(values.slice(400));
  left.merge(right);
  assert.deepEqual(left.summary(), digestOf(values).summary());
  assert.equal(left.exact, true);
});

Deno.test("merging parts past the limit drops the samples and keeps the histogram's answer", () => {
  const values = latencies(EXACT_LATENCY_LIMIT + 5000, 11);
  const left = digestOf(values.slice(0, EXACT_LATENCY_LIMIT - 10));
  const right = digestOf(values.slice(EXACT_LATENCY_LIMIT - 10));
  left.merge(right);
  assert.equal(left.exact, false);
  assert.deepEqual(left.summary(), digestOf(values).summary());
});

Deno.test("a digest survives its JSON form, exact samples and histogram alike", () => {
  for (const n of [0, 10, EXACT_LATENCY_LIMIT + 1]) {
    const d = digestOf(latencies(n, n + 1));
    const back = LatencyDigest.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.deepEqual(back.summary(), d.summary(), `n = ${n}`);
    assert.equal(back.exact, d.exact);
  }
});

Deno.test("a parsed digest keeps merging exactly and adding after its samples", () => {
  const values = latencies(300, 5);
  const parsed = LatencyDigest.fromJSON(digestOf(values.slice(0, 100)).toJSON());
  for (const v of values.slice(100, 200)) parsed.add(v);
  parsed.merge(LatencyDigest.fromJSON(digestOf(values.slice(200)).toJSON()));
  assert.deepEqual(parsed.summary(), digestOf(values).summary());
});

Deno.test("fromJSON refuses what is not a digest", () => {
  for (const bad of [null, 1, {}, { count: 1, buckets: [1], zero: 0, samples: null }]) {
    assert.throws(() => LatencyDigest.fromJSON(bad), TypeError, JSON.stringify(bad));
  }
  assert.throws(
    () =>
      LatencyDigest.fromJSON({
        count: 1,
        min: 1,
        max: 1,
        zero: 0,
        buckets: [99999, 1],
        samples: null,
      }),
    /out of range/,
  );
});
