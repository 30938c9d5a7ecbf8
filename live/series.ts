/**
 * Time series of a session for the dashboard's charts: per time bucket, the
 * events by kind, gate decisions and blocks by gate (and blocks by reason
 * code), fills, notional, fees, and intent→fill latency percentiles.
 *
 * Computed incrementally: each session has a running aggregate of fine
 * "base" buckets, fed by the byte scanner behind the summary over the
 * session's logical byte stream (every closed segment, read once, then the
 * active file) and brought up to date with only the bytes appended since
 * (see `session_aggregate.ts`); a rotation costs nothing. A request only
 * merges base buckets, so it costs the buckets, not the session.
 * Base buckets start at 1 ms and coarsen (1, 2, 5, 10, … ms, s, min, h, d)
 * whenever there would be more than {@linkcode MAX_BASE_BUCKETS}, so the
 * aggregate stays bounded whatever the session's length.
 *
 * Latency percentiles come from a log-scale histogram (bins 2 % apart), so
 * they are exact to within 2 %. A base bucket counts whole in the bucket its
 * start falls in.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import type { ScannedEvent } from "../execution/wire/line_scan.ts";
import type { ScanSink } from "../execution/wire/summary_state.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { SessionAggregates } from "./session_aggregate.ts";

/** Most base buckets kept per session before they coarsen. */
export const MAX_BASE_BUCKETS = 5_000;
/** Most buckets one series answer holds (the automatic bucket keeps under it). */
export const MAX_SERIES_BUCKETS = 1_000;
/** Distinct kinds, gates and codes kept per session; more are counted under `"other"`. */
const MAX_KEYS = 32;
const OTHER = "other";

/** Bucket widths in milliseconds, finest first: every width the series uses is one of these. */
export const BUCKET_LADDER_MS: readonly number[] = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1_000,
  2_000,
  5_000,
  10_000,
  15_000,
  30_000,
  60_000,
  120_000,
  300_000,
  600_000,
  900_000,
  1_800_000,
  3_600_000,
  7_200_000,
  10_800_000,
  21_600_000,
  43_200_000,
  86_400_000,
  172_800_000,
  604_800_000,
];

/** Latency histogram: bins 2 % apart. */
const LATENCY_RATIO = 1.02;
const LOG_RATIO = Math.log(LATENCY_RATIO);
/** The bin of a latency of 0 ms (or less: a fill stamped before its intent is never paired). */
const ZERO_BIN = -1_000_000;

function latencyBin(ms: number): number {
  return ms <= 0 ? ZERO_BIN : Math.round(Math.log(ms) / LOG_RATIO);
}

function binValue(bin: number): number {
  return bin === ZERO_BIN ? 0 : Math.pow(LATENCY_RATIO, bin);
}

/** The totals of one bucket. */
interface Bucket {
  kinds: Map<string, number>;
  /** Per gate: decisions and blocks. */
  gates: Map<string, [number, number]>;
  /** Per gate and code (`gate\u0000code`): blocks. */
  blocks: Map<string, number>;
  fills: number;
  notional: number;
  fees: number;
  latency: Map<number, number>;
}

function emptyBucket(): Bucket {
  return {
    kinds: new Map(),
    gates: new Map(),
    blocks: new Map(),
    fills: 0,
    notional: 0,
    fees: 0,
    latency: new Map(),
  };
}

function addCount<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function mergeInto(into: Bucket, from: Bucket): void {
  for (const [k, n] of from.kinds) addCount(into.kinds, k, n);
  for (const [g, [d, b]] of from.gates) {
    const have = into.gates.get(g);
    if (have === undefined) into.gates.set(g, [d, b]);
    else {
      have[0] += d;
      have[1] += b;
    }
  }
  for (const [k, n] of from.blocks) addCount(into.blocks, k, n);
  into.fills += from.fills;
  into.notional += from.notional;
  into.fees += from.fees;
  for (const [bin, n] of from.latency) addCount(into.latency, bin, n);
}

/** The running aggregate of one session (fed by the byte scanner). */
export class SeriesState implements ScanSink {
  consumed = 0;
  totalLines = 0;
  invalidLines = 0;
  oversizedLines = 0;
  /** Valid events, with or without a timestamp. */
  events = 0;
  /** Valid events without a readable timestamp (not in any bucket). */
  untimed = 0;
  /** Width of the base buckets, in milliseconds (a {@linkcode BUCKET_LADDER_MS} entry). */
  baseMs = 1;
  minMicros = Infinity;
  maxMicros = -Infinity;
  /** Base buckets by index (start = index × baseMs). */
  buckets: Map<number, Bucket> = new Map();
  #kindKeys = new Set<string>();
  #gateKeys = new Set<string>();
  #codeKeys = new Set<string>();
  #lastIntent = new Map<string, number>();

  /** Count one valid event. */
  add(e: ScannedEvent): void {
    this.events++;
    const ts = e.tsMicros;
    if (ts !== ts) {
      this.untimed++;
      return;
    }
    if (ts < this.minMicros) this.minMicros = ts;
    if (ts > this.maxMicros) this.maxMicros = ts;
    const index = Math.floor(ts / (this.baseMs * 1000));
    let bucket = this.buckets.get(index);
    if (bucket === undefined) {
      bucket = emptyBucket();
      this.buckets.set(index, bucket);
    }
    const kind = this.#bounded(this.#kindKeys, e.kind);
    addCount(bucket.kinds, kind, 1);
    const symbol = e.symbol ?? "";
    if (e.kind === "intent") {
      this.#lastIntent.set(symbol, ts);
    } else if (e.kind === "gate") {
      let passed = e.passed;
      if (passed === null) {
        const decision = e.decision?.toUpperCase();
        passed = decision === "ALLOW" || decision === "PASS";
      }
      const gate = this.#bounded(this.#gateKeys, e.gateName ?? "");
      let counts = bucket.gates.get(gate);
      if (counts === undefined) {
        counts = [0, 0];
        bucket.gates.set(gate, counts);
      }
      counts[0]++;
      if (!passed) {
        counts[1]++;
        addCount(bucket.blocks, `${gate}\u0000${this.#bounded(this.#codeKeys, e.code ?? "")}`, 1);
      }
    } else if (e.kind === "fill") {
      bucket.fills++;
      if (Number.isFinite(e.fillNotional)) bucket.notional += e.fillNotional;
      if (Number.isFinite(e.fillFee)) bucket.fees += e.fillFee;
      const intent = this.#lastIntent.get(symbol);
      if (intent !== undefined && ts >= intent) {
        addCount(bucket.latency, latencyBin((ts - intent) / 1000), 1);
      }
    }
    if (this.buckets.size > MAX_BASE_BUCKETS) this.#coarsen();
  }

  /** `key`, or `"other"` once `MAX_KEYS` distinct keys were seen (a hostile file stays bounded). */
  #bounded(keys: Set<string>, key: string): string {
    if (keys.has(key)) return key;
    if (keys.size >= MAX_KEYS) return OTHER;
    keys.add(key);
    return key;
  }

  /** Re-aggregate the base buckets into the next width that keeps them under the cap. */
  #coarsen(): void {
    let step = BUCKET_LADDER_MS.indexOf(this.baseMs);
    while (step < BUCKET_LADDER_MS.length - 1) {
      step++;
      const width = BUCKET_LADDER_MS[step];
      if (width % this.baseMs !== 0) continue;
      const factor = width / this.baseMs;
      const merged = new Map<number, Bucket>();
      for (const [index, bucket] of this.buckets) {
        const target = Math.floor(index / factor);
        const into = merged.get(target);
        if (into === undefined) merged.set(target, bucket);
        else mergeInto(into, bucket);
      }
      this.baseMs = width;
      this.buckets = merged;
      if (merged.size <= MAX_BASE_BUCKETS / 2) return;
    }
  }
}

/** Per gate in a series: decisions and blocks per bucket. */
export interface GateSeries {
  /** Gate decisions per bucket. */
  decisions: number[];
  /** Blocking decisions per bucket. */
  blocks: number[];
}

/**
 * The series of one session, columnar (one array entry per bucket), ready
 * for a chart: `t` holds the bucket starts in epoch seconds.
 */
export interface ExecutionSeries {
  /** The session. */
  session_id: string;
  /** Whether the session exists (an active file, segments or an archive). */
  found: boolean;
  /** Bucket width in milliseconds. */
  bucket_ms: number;
  /** Width of the aggregate's finest buckets (no bucket is narrower). */
  base_ms: number;
  /** Start of the first bucket (wire timestamp), or `null` without buckets. */
  since: string | null;
  /** End of the last bucket (exclusive), or `null`. */
  until: string | null;
  /** Bucket starts, epoch seconds. */
  t: number[];
  /** Events per bucket, by kind. */
  kinds: Record<string, number[]>;
  /** Decisions and blocks per bucket, by gate. */
  gates: Record<string, GateSeries>;
  /** Blocks per bucket, by gate and reason code. */
  blocks: Record<string, Record<string, number[]>>;
  /** Fills per bucket. */
  fills: number[];
  /** Σ fill_notional per bucket. */
  notional: number[];
  /** Σ fill_fee per bucket. */
  fees: number[];
  /** Σ fill_notional from the session's start to the end of each bucket. */
  cumulative_notional: number[];
  /** Σ fill_fee from the session's start to the end of each bucket. */
  cumulative_fees: number[];
  /** Intent→fill latency percentiles per bucket (ms, `null` without fills paired). */
  latency_ms: { p50: (number | null)[]; p95: (number | null)[] };
  /** Session totals: events, those without a timestamp, and the lines read. */
  totals: { events: number; untimed: number; total_lines: number; invalid_lines: number };
}

/** Options of {@linkcode getExecutionSeries}. */
export interface SeriesOptions {
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /** Bucket width in milliseconds; absent: automatic (at most {@linkcode MAX_SERIES_BUCKETS}). */
  bucketMs?: number;
  /** First instant covered (epoch µs); absent: the session's first event. */
  sinceMicros?: number | null;
  /** Last instant covered (epoch µs); absent: the session's last event. */
  untilMicros?: number | null;
}

/** Sessions whose series aggregate is kept. */
const aggregates = new SessionAggregates({ create: () => new SeriesState(), capacity: 16 });

/** Buckets of `widthMs` (aligned to multiples of it) that `[from, to]` touches. */
function bucketCount(from: number, to: number, widthMs: number): number {
  const w = widthMs * 1000;
  return Math.floor(to / w) - Math.floor(from / w) + 1;
}

/** The narrowest ladder width (a multiple of `base`) that covers `[from, to]` within the cap. */
function autoWidth(from: number, to: number, base: number): number {
  for (const width of BUCKET_LADDER_MS) {
    if (width >= base && width % base === 0 && bucketCount(from, to, width) <= MAX_SERIES_BUCKETS) {
      return width;
    }
  }
  return Math.ceil((to - from) / 1000 / (MAX_SERIES_BUCKETS - 1) / base + 1) * base;
}

/** The p50 and p95 of a latency histogram (one sort of its bins for both), or nulls when empty. */
function medianAndP95(histogram: Map<number, number>): [number | null, number | null] {
  if (histogram.size === 0) return [null, null];
  let n = 0;
  for (const count of histogram.values()) n += count;
  const bins = histogram.size === 1
    ? [...histogram.keys()]
    : [...histogram.keys()].sort((a, b) => a - b);
  const ranks = [Math.min(n - 1, Math.floor(n * 0.5)), Math.min(n - 1, Math.floor(n * 0.95))];
  const out: [number | null, number | null] = [null, null];
  let seen = 0;
  let r = 0;
  for (const bin of bins) {
    seen += histogram.get(bin)!;
    while (r < 2 && seen > ranks[r]) out[r++] = binValue(bin);
    if (r === 2) return out;
  }
  const last = binValue(bins[bins.length - 1]);
  return [out[0] ?? last, out[1] ?? last];
}

/**
 * Read a bucket width: `auto` (or blank) gives `undefined`; otherwise a
 * number with a unit (`ms`, `s`, `m`, `h`, `d`; `500ms`, `5m`) or plain
 * seconds. Throws `RangeError` for anything else.
 *
 * @example
 * ```ts
 * import { parseBucketWidth } from "./series.ts";
 * console.log(parseBucketWidth("5m"), parseBucketWidth("auto")); // 300000 undefined
 * ```
 */
export function parseBucketWidth(raw: string | null | undefined): number | undefined {
  const text = raw?.trim().toLowerCase() ?? "";
  if (text === "" || text === "auto") return undefined;
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = m === null ? NaN : Number(m[1]) * unit[(m[2] ?? "s") as keyof typeof unit];
  if (!(ms >= 1 && ms <= 366 * 86_400_000)) {
    throw new RangeError(
      `bucket: expected auto or a width such as 500ms, 10s, 5m, 1h (up to 366d), got ${
        JSON.stringify(text.slice(0, 20))
      }`,
    );
  }
  return ms;
}

/**
 * The time series of a session between `sinceMicros` and `untilMicros`
 * (default: its first and last event), in buckets of `bucketMs` (rounded up
 * to a multiple of the aggregate's base width; default: automatic, at most
 * {@linkcode MAX_SERIES_BUCKETS}). Buckets are aligned to multiples of their
 * width since the epoch, so refreshes line up. Throws `RangeError` when an
 * explicit width would give more than {@linkcode MAX_SERIES_BUCKETS} buckets
 * or `sinceMicros` is after `untilMicros`.
 *
 * @example
 * ```ts
 * import { getExecutionSeries } from "./series.ts";
 * const series = await getExecutionSeries("demo", { baseDir: "logs/execution" });
 * console.log(series.found, series.bucket_ms, series.t.length);
 * ```
 */
export async function getExecutionSeries(
  sessionId: string,
  options: SeriesOptions = {},
): Promise<ExecutionSeries> {
  const baseDir = options.baseDir ?? DEFAULT_LOG_DIR;
  assertValidSessionId(sessionId);
  const since = options.sinceMicros ?? null;
  const until = options.untilMicros ?? null;
  if (since !== null && until !== null && since > until) {
    throw new RangeError("since: is after until, so no bucket can cover it; swap them?");
  }
  // The answer is built from the aggregate before another read can move it on.
  return await aggregates.read(
    baseDir,
    sessionId,
    (read) =>
      read === null
        ? emptySeries(sessionId, false)
        : seriesOf(sessionId, read.sink, since, until, options.bucketMs),
  );
}

/** The series of `state` over `[since, until]` in buckets of `bucketMs` (see getExecutionSeries). */
function seriesOf(
  sessionId: string,
  state: SeriesState,
  since: number | null,
  until: number | null,
  bucketMs: number | undefined,
): ExecutionSeries {
  const series = emptySeries(sessionId, true);
  series.base_ms = state.baseMs;
  series.totals = {
    events: state.events,
    untimed: state.untimed,
    total_lines: state.totalLines,
    invalid_lines: state.invalidLines,
  };
  const from = since ?? (state.minMicros === Infinity ? null : state.minMicros);
  const to = until ?? (state.maxMicros === -Infinity ? null : state.maxMicros);
  const baseMicros = state.baseMs * 1000;
  let width: number;
  if (bucketMs !== undefined) {
    if (!(Number.isFinite(bucketMs) && bucketMs > 0)) {
      throw new RangeError(`bucket: expected a positive width, got ${bucketMs}`);
    }
    width = Math.ceil(bucketMs / state.baseMs) * state.baseMs;
  } else {
    width = from === null || to === null ? state.baseMs : autoWidth(from, to, state.baseMs);
  }
  series.bucket_ms = width;
  if (from === null || to === null) return series;
  const widthMicros = width * 1000;
  const first = Math.floor(from / widthMicros) * widthMicros;
  const count = bucketCount(from, to, width);
  if (count > MAX_SERIES_BUCKETS) {
    throw new RangeError(
      `bucket: ${width} ms buckets would give ${count} buckets over this range; ` +
        `at most ${MAX_SERIES_BUCKETS}: choose a wider bucket, a shorter range, or auto`,
    );
  }
  const out = Array.from({ length: count }, emptyBucket);
  let before = emptyBucket();
  for (const [index, bucket] of state.buckets) {
    const start = index * baseMicros;
    if (start < first) {
      before = mergeTotals(before, bucket);
      continue;
    }
    const i = Math.floor((start - first) / widthMicros);
    if (i < count) mergeInto(out[i], bucket);
  }
  fill(series, out, first, widthMicros, before);
  return series;
}

/** Fill and fee totals of `bucket` added to `into` (the rest is not needed before the range). */
function mergeTotals(into: Bucket, bucket: Bucket): Bucket {
  into.notional += bucket.notional;
  into.fees += bucket.fees;
  return into;
}

function emptySeries(sessionId: string, found: boolean): ExecutionSeries {
  return {
    session_id: sessionId,
    found,
    bucket_ms: 0,
    base_ms: 0,
    since: null,
    until: null,
    t: [],
    kinds: {},
    gates: {},
    blocks: {},
    fills: [],
    notional: [],
    fees: [],
    cumulative_notional: [],
    cumulative_fees: [],
    latency_ms: { p50: [], p95: [] },
    totals: { events: 0, untimed: 0, total_lines: 0, invalid_lines: 0 },
  };
}

function fill(
  series: ExecutionSeries,
  buckets: Bucket[],
  first: number,
  widthMicros: number,
  before: Bucket,
): void {
  const n = buckets.length;
  const column = (): number[] => new Array<number>(n).fill(0);
  series.since = formatWireTimestamp(first);
  series.until = formatWireTimestamp(first + n * widthMicros);
  let notional = before.notional;
  let fees = before.fees;
  for (let i = 0; i < n; i++) {
    const b = buckets[i];
    series.t.push((first + i * widthMicros) / 1e6);
    for (const [kind, count] of b.kinds) (series.kinds[kind] ??= column())[i] = count;
    for (const [gate, [decisions, blocks]] of b.gates) {
      const g = series.gates[gate] ??= { decisions: column(), blocks: column() };
      g.decisions[i] = decisions;
      g.blocks[i] = blocks;
    }
    for (const [key, count] of b.blocks) {
      const [gate, code] = key.split("\u0000");
      ((series.blocks[gate] ??= {})[code] ??= column())[i] = count;
    }
    series.fills.push(b.fills);
    series.notional.push(b.notional);
    series.fees.push(b.fees);
    notional += b.notional;
    fees += b.fees;
    series.cumulative_notional.push(notional);
    series.cumulative_fees.push(fees);
    const [p50, p95] = medianAndP95(b.latency);
    series.latency_ms.p50.push(p50);
    series.latency_ms.p95.push(p95);
  }
  series.kinds = sortedKeys(series.kinds);
  series.gates = sortedKeys(series.gates);
  series.blocks = sortedKeys(series.blocks);
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}

/**
 * Forget every cached series aggregate (the next request reads the session whole).
 *
 * @example
 * ```ts
 * import { clearSeriesCache } from "./series.ts";
 * clearSeriesCache();
 * ```
 */
export function clearSeriesCache(): void {
  aggregates.clear();
}
