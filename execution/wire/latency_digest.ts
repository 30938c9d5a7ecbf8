/**
 * A mergeable record of intent→fill latencies whose cost stays flat as a
 * session grows: exact samples while there are at most
 * {@linkcode EXACT_LATENCY_LIMIT} of them, and always a log-bucketed
 * histogram whose percentiles are within {@linkcode LATENCY_RELATIVE_ERROR}
 * of the true value (count, min and max are always exact).
 *
 * The histogram uses logarithmic buckets of ratio γ = (1 + α) / (1 − α)
 * (the bucketing DDSketch describes): a value x > 0 falls in bucket
 * ⌈log_γ x⌉ and is reported as 2γⁱ / (γ + 1), at most α away relatively.
 * Buckets are kept dense (a few thousand counts cover 10⁻⁴ ms to 10¹⁰ ms),
 * so adding and merging are loops without allocation.
 *
 * @module
 */
import type { LatencySummary } from "./types.ts";

/** Exact percentiles are kept for up to this many latencies; beyond it the histogram answers. */
export const EXACT_LATENCY_LIMIT = 65_536;
/** Largest relative error of a percentile read from the histogram. */
export const LATENCY_RELATIVE_ERROR = 0.005;

const GAMMA = (1 + LATENCY_RELATIVE_ERROR) / (1 - LATENCY_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
/** Latencies below this (ms) count as zero: timestamps have microsecond resolution. */
const MIN_POSITIVE_MS = 1e-4;
/** Latencies above this (ms, about 115 days) share the last bucket; max stays exact. */
const MAX_MS = 1e10;
const MIN_INDEX = Math.ceil(Math.log(MIN_POSITIVE_MS) / LOG_GAMMA);
const BUCKETS = Math.ceil(Math.log(MAX_MS) / LOG_GAMMA) - MIN_INDEX + 1;

/** The JSON form of a {@linkcode LatencyDigest} (what a segment's manifest summary holds). */
export interface LatencyDigestJson {
  count: number;
  min: number | null;
  max: number | null;
  zero: number;
  /** Non-empty buckets as flat pairs: bucket index, count, bucket index, count, … */
  buckets: number[];
  /** The exact samples as little-endian float64 bytes in base64, or `null` beyond the limit. */
  samples: string | null;
}

function bucketOf(ms: number): number {
  const i = Math.ceil(Math.log(ms) / LOG_GAMMA) - MIN_INDEX;
  return i < 0 ? 0 : i >= BUCKETS ? BUCKETS - 1 : i;
}

function bucketValue(bucket: number): number {
  return 2 * Math.pow(GAMMA, bucket + MIN_INDEX) / (GAMMA + 1);
}

/** Uint8Array's base64 methods (ES2026); typed here because the TypeScript lib may lack them. */
type Base64Bytes = Uint8Array & { toBase64(): string };
const Base64 = Uint8Array as unknown as { fromBase64(text: string): Uint8Array };

/** Intent→fill latencies in milliseconds: exact while small, bucketed always. */
export class LatencyDigest {
  /** Latencies recorded. */
  count = 0;
  #min = Infinity;
  #max = -Infinity;
  #zero = 0;
  /** Dense bucket counts; allocated with the first positive latency. */
  #buckets: Float64Array | null = null;
  /** Exact samples not yet sorted into `#sorted`; `null` once beyond the limit. */
  #fresh: number[] | null = [];
  #sorted: Float64Array = new Float64Array(0);
  /** Samples of a parsed digest, decoded only when they are needed (a merge may drop them). */
  #encoded: string | null = null;

  /**
   * Record one latency.
   *
   * HOT PATH (once per paired fill): a logarithm and an increment.
   */
  add(ms: number): void {
    this.count++;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
    if (ms < MIN_POSITIVE_MS) {
      this.#zero++;
    } else {
      (this.#buckets ??= new Float64Array(BUCKETS))[bucketOf(ms)]++;
    }
    const fresh = this.#fresh;
    if (fresh !== null) {
      if (this.count <= EXACT_LATENCY_LIMIT) fresh.push(ms);
      else this.#dropSamples();
    }
  }

  /** Add every latency of `other` (which is left unchanged). */
  merge(other: LatencyDigest): void {
    if (other.count === 0) return;
    const total = this.count + other.count;
    if (this.#fresh !== null && other.#fresh !== null && total <= EXACT_LATENCY_LIMIT) {
      this.#decode();
      other.#decode();
      // Both runs are sorted: merge them in one pass (a sort would cost n log n per summary).
      this.#sorted = mergeSorted(this.#sorted, other.#sorted);
      for (const v of other.#fresh) this.#fresh.push(v);
    } else {
      this.#dropSamples();
    }
    this.count = total;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
    this.#zero += other.#zero;
    const theirs = other.#buckets;
    if (theirs !== null) {
      const mine = this.#buckets;
      if (mine === null) {
        this.#buckets = theirs.slice();
      } else {
        for (let i = 0; i < BUCKETS; i++) mine[i] += theirs[i];
      }
    }
  }

  /** A copy that shares nothing mutable with this digest (the sorted run is never changed in place). */
  clone(): LatencyDigest {
    const copy = new LatencyDigest();
    copy.count = this.count;
    copy.#min = this.#min;
    copy.#max = this.#max;
    copy.#zero = this.#zero;
    copy.#buckets = this.#buckets?.slice() ?? null;
    copy.#fresh = this.#fresh === null ? null : this.#fresh.slice();
    copy.#sorted = this.#sorted;
    copy.#encoded = this.#encoded;
    return copy;
  }

  /** Whether percentiles are exact (every sample is kept). */
  get exact(): boolean {
    return this.#fresh !== null;
  }

  /**
   * Count, min, median, p95 and max; `null` without latencies. Exact while
   * every sample is kept (rank ⌊n/2⌋ and ⌊0.95·n⌋ of the sorted samples),
   * else the same ranks read from the histogram, within 0.5 %.
   */
  summary(): LatencySummary | null {
    const n = this.count;
    if (n === 0) return null;
    const medianRank = Math.floor(n / 2);
    const p95Rank = Math.min(n - 1, Math.floor(n * 0.95));
    if (this.#fresh !== null) {
      const s = this.#sortedSamples();
      return { count: n, min: s[0], median: s[medianRank], p95: s[p95Rank], max: s[n - 1] };
    }
    return {
      count: n,
      min: this.#min,
      median: this.#atRank(medianRank),
      p95: this.#atRank(p95Rank),
      max: this.#max,
    };
  }

  /** The JSON form (see {@linkcode LatencyDigestJson}). */
  toJSON(): LatencyDigestJson {
    const buckets: number[] = [];
    const dense = this.#buckets;
    if (dense !== null) {
      for (let i = 0; i < BUCKETS; i++) if (dense[i] !== 0) buckets.push(i, dense[i]);
    }
    let samples: string | null = null;
    if (this.#fresh !== null) {
      samples = this.#encoded ??
        (new Uint8Array(this.#sortedSamples().buffer) as Base64Bytes).toBase64();
    }
    return {
      count: this.count,
      min: this.count === 0 ? null : this.#min,
      max: this.count === 0 ? null : this.#max,
      zero: this.#zero,
      buckets,
      samples,
    };
  }

  /** A digest from its JSON form; throws `TypeError` when `json` is not one. */
  static fromJSON(json: unknown): LatencyDigest {
    const j = json as LatencyDigestJson;
    if (
      typeof json !== "object" || json === null || !Number.isSafeInteger(j.count) ||
      j.count < 0 || !Array.isArray(j.buckets) || j.buckets.length % 2 !== 0 ||
      !(j.samples === null || typeof j.samples === "string") || typeof j.zero !== "number"
    ) {
      throw new TypeError("not a latency digest");
    }
    const digest = new LatencyDigest();
    digest.count = j.count;
    if (j.count > 0) {
      if (typeof j.min !== "number" || typeof j.max !== "number") {
        throw new TypeError("latency digest: min and max must be numbers");
      }
      digest.#min = j.min;
      digest.#max = j.max;
    }
    digest.#zero = j.zero;
    if (j.buckets.length > 0) {
      const dense = digest.#buckets = new Float64Array(BUCKETS);
      for (let k = 0; k < j.buckets.length; k += 2) {
        const index = j.buckets[k];
        if (!Number.isSafeInteger(index) || index < 0 || index >= BUCKETS) {
          throw new TypeError(`latency digest: bucket ${index} out of range`);
        }
        dense[index] += j.buckets[k + 1];
      }
    }
    if (j.samples === null || j.count > EXACT_LATENCY_LIMIT) {
      digest.#fresh = null;
    } else {
      // 8 base64 characters per 6 bytes: a float64 per sample.
      if (Math.floor(j.samples.length / 4) * 3 < j.count * 8) {
        throw new TypeError("latency digest: fewer samples than its count");
      }
      digest.#encoded = j.samples;
    }
    return digest;
  }

  /** Decode samples kept in their JSON form into `#sorted` (they were written sorted). */
  #decode(): void {
    const encoded = this.#encoded;
    if (encoded === null) return;
    this.#encoded = null;
    const bytes = Base64.fromBase64(encoded);
    const count = this.count - (this.#fresh?.length ?? 0);
    this.#sorted = new Float64Array(bytes.buffer, bytes.byteOffset, count).slice();
  }

  /** The exact samples, sorted: new ones are sorted and merged into the sorted run. */
  #sortedSamples(): Float64Array {
    this.#decode();
    const fresh = this.#fresh;
    if (fresh === null || fresh.length === 0) return this.#sorted;
    this.#fresh = [];
    this.#sorted = mergeSorted(this.#sorted, Float64Array.from(fresh).sort());
    return this.#sorted;
  }

  #dropSamples(): void {
    this.#fresh = null;
    this.#sorted = new Float64Array(0);
    this.#encoded = null;
  }

  /** The latency at 0-based `rank` from the histogram, clamped to the exact min and max. */
  #atRank(rank: number): number {
    if (rank <= 0) return this.#min;
    if (rank >= this.count - 1) return this.#max;
    let seen = this.#zero;
    if (rank < seen) return this.#min;
    const dense = this.#buckets;
    if (dense !== null) {
      for (let i = 0; i < BUCKETS; i++) {
        seen += dense[i];
        if (rank < seen) return Math.min(this.#max, Math.max(this.#min, bucketValue(i)));
      }
    }
    return this.#max;
  }
}

/** The sorted union of two sorted runs (new array; neither input changes). */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Float64Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
