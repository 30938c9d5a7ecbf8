/**
 * The running totals behind a session summary, the hot loop that feeds them
 * from a file, and how two consecutive parts of a file combine (a cold
 * summary reads its two halves on two cores).
 *
 * @module
 */
import type { LatencySummary } from "./types.ts";
import { DEFAULT_MAX_LINE_BYTES } from "./line_stream.ts";
import { decodeEventLine } from "./line_decoder.ts";
import { gateName } from "./gate_payload.ts";
import { parseTimestampMicros } from "./timestamps.ts";
import {
  newScannedEvent,
  SCAN_VALID,
  scanEventLine,
  type ScannedEvent,
  setTimestampParser,
} from "./line_scan.ts";

setTimestampParser(parseTimestampMicros);

/** Bytes read per call: large enough to amortise the syscall, small enough for the memory cap. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/** The plain data of a {@linkcode SummaryState}, as it crosses a worker boundary. */
export interface SummaryStateData {
  consumed: number;
  totalLines: number;
  validEvents: number;
  invalidLines: number;
  oversizedLines: number;
  kindModes: NestedCounts;
  minTs: number | null;
  maxTs: number | null;
  symbols: Set<string>;
  gateBlocks: Map<string, number>;
  gatePasses: Map<string, number>;
  gateBlockCodes: NestedCounts;
  blocked: number;
  intents: number;
  fillCount: number;
  fillNotional: number;
  fillFees: number;
  fillSides: Map<string, number>;
  errorCodes: Map<string, number>;
  lastIntent: Map<string, number>;
  sorted: Float64Array;
  fresh: number[];
  /** Fills (symbol key, ts) seen before any intent of their symbol in this part. */
  unpaired: Array<[string, number]>;
}

/** Counts per first key, then per second key (raw strings as written; `""` when absent). */
export type NestedCounts = Map<string, Map<string, number>>;

function bump(map: NestedCounts, a: string, b: string, n: number): void {
  let inner = map.get(a);
  if (inner === undefined) map.set(a, inner = new Map());
  inner.set(b, (inner.get(b) ?? 0) + n);
}

/**
 * What {@linkcode readInto} feeds: the read position, line counters, and
 * each valid event as scanned (the summary's totals, or any other running
 * aggregate over a session file).
 */
export interface ScanSink {
  /** Bytes consumed (complete lines only): reading continues from here. */
  consumed: number;
  /** Lines seen. */
  totalLines: number;
  /** Lines that are not events. */
  invalidLines: number;
  /** Lines over the line cap. */
  oversizedLines: number;
  /** Take one valid event (the record is reused: copy what you keep). */
  add(e: ScannedEvent): void;
}

/** Running totals of everything read so far (complete lines only). */
export class SummaryState implements ScanSink {
  consumed = 0;
  totalLines = 0;
  validEvents = 0;
  invalidLines = 0;
  oversizedLines = 0;
  /** Events per kind, then per mode as written (the metrics' `kind` × `mode`). */
  kindModes: NestedCounts = new Map();
  symbols: Set<string> = new Set();
  gateBlocks: Map<string, number> = new Map();
  /** Passed decisions per gate name. */
  gatePasses: Map<string, number> = new Map();
  /** Blocked decisions per gate name, then per code as written. */
  gateBlockCodes: NestedCounts = new Map();
  blocked = 0;
  intents = 0;
  fillCount = 0;
  fillNotional = 0;
  fillFees = 0;
  /** Fills per side as written. */
  fillSides: Map<string, number> = new Map();
  /** Error events per code as written. */
  errorCodes: Map<string, number> = new Map();
  /** Latencies already merged, ascending. */
  sorted: Float64Array = new Float64Array(0);
  /** Latencies not yet merged. */
  fresh: number[] = [];
  unpaired: Array<[string, number]> = [];
  /** Whether this state covers a later part of a file (its intents before it are unknown). */
  #partial: boolean;
  /** Whether intent→fill latencies are kept (the metrics' states leave them out to stay small). */
  #latency: boolean;
  // Hot fields are plain numbers (never null) so updating them allocates nothing.
  #min = Infinity;
  #max = -Infinity;
  /** Latest intent time per symbol: slot numbers here, times in a typed array (no boxing). */
  #intentSlots: Map<string, number> = new Map();
  #intentTs: Float64Array = new Float64Array(16);

  /** Earliest timestamp (epoch µs), or `null`. */
  get minTs(): number | null {
    return this.#min === Infinity ? null : this.#min;
  }

  /** Latest timestamp (epoch µs), or `null`. */
  get maxTs(): number | null {
    return this.#max === -Infinity ? null : this.#max;
  }

  /** Events per kind, over every mode. */
  get kindCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [kind, modes] of this.kindModes) {
      let n = 0;
      for (const count of modes.values()) n += count;
      out.set(kind, n);
    }
    return out;
  }

  /** Latest intent time per symbol key. */
  get lastIntent(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, slot] of this.#intentSlots) out.set(key, this.#intentTs[slot]);
    return out;
  }

  #setLastIntent(key: string, ts: number): void {
    let slot = this.#intentSlots.get(key);
    if (slot === undefined) {
      slot = this.#intentSlots.size;
      if (slot === this.#intentTs.length) {
        const grown = new Float64Array(slot * 2);
        grown.set(this.#intentTs);
        this.#intentTs = grown;
      }
      this.#intentSlots.set(key, slot);
    }
    this.#intentTs[slot] = ts;
  }

  /**
   * `partial`: the state covers a later part of a file. `latency`: keep the
   * intent→fill latencies (8 bytes per fill); off for states that only count.
   */
  constructor(partial = false, latency = true) {
    this.#partial = partial;
    this.#latency = latency;
  }

  /** Count one valid event. */
  add(e: ScannedEvent): void {
    this.validEvents++;
    const kind = e.kind;
    let modes = this.kindModes.get(kind);
    if (modes === undefined) this.kindModes.set(kind, modes = new Map());
    const mode = e.mode ?? "";
    modes.set(mode, (modes.get(mode) ?? 0) + 1);
    const ts = e.tsMicros; // NaN when absent: every comparison below is false
    if (ts < this.#min) this.#min = ts;
    if (ts > this.#max) this.#max = ts;
    const symbol = e.symbol;
    if (symbol !== null && symbol !== "") this.symbols.add(symbol);
    if (kind === "intent") {
      this.intents++;
      if (ts === ts && this.#latency) this.#setLastIntent(symbol ?? "", ts);
    } else if (kind === "gate") {
      let passed = e.passed;
      if (passed === null) {
        const decision = e.decision?.toUpperCase();
        passed = decision === "ALLOW" || decision === "PASS";
      }
      const name = e.gateName ?? "";
      if (!passed) {
        this.blocked++;
        this.gateBlocks.set(name, (this.gateBlocks.get(name) ?? 0) + 1);
        bump(this.gateBlockCodes, name, e.code ?? "", 1);
      } else {
        this.gatePasses.set(name, (this.gatePasses.get(name) ?? 0) + 1);
      }
    } else if (kind === "fill") {
      this.fillCount++;
      if (Number.isFinite(e.fillNotional)) this.fillNotional += e.fillNotional;
      if (Number.isFinite(e.fillFee)) this.fillFees += e.fillFee;
      const side = e.side ?? "";
      this.fillSides.set(side, (this.fillSides.get(side) ?? 0) + 1);
      if (ts === ts && this.#latency) {
        const key = symbol ?? "";
        const slot = this.#intentSlots.get(key);
        if (slot !== undefined) {
          const intentTs = this.#intentTs[slot];
          if (ts >= intentTs) this.fresh.push((ts - intentTs) / 1000);
        } else if (this.#partial) {
          this.unpaired.push([key, ts]);
        }
      }
    } else if (kind === "error") {
      const code = e.code ?? "";
      this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
    }
  }

  /**
   * Add the totals of the part of the file that directly follows this one
   * (`next` as read by {@linkcode readInto} with `partial` set).
   */
  absorb(next: SummaryStateData): void {
    if (this.#latency) {
      for (const [key, ts] of next.unpaired) {
        const slot = this.#intentSlots.get(key);
        if (slot !== undefined && ts >= this.#intentTs[slot]) {
          this.fresh.push((ts - this.#intentTs[slot]) / 1000);
        }
      }
    }
    this.consumed = next.consumed;
    this.totalLines += next.totalLines;
    this.validEvents += next.validEvents;
    this.invalidLines += next.invalidLines;
    this.oversizedLines += next.oversizedLines;
    for (const [k, modes] of next.kindModes) {
      for (const [m, v] of modes) bump(this.kindModes, k, m, v);
    }
    if (next.minTs !== null && next.minTs < this.#min) this.#min = next.minTs;
    if (next.maxTs !== null && next.maxTs > this.#max) this.#max = next.maxTs;
    for (const s of next.symbols) this.symbols.add(s);
    for (const [k, v] of next.gateBlocks) this.gateBlocks.set(k, (this.gateBlocks.get(k) ?? 0) + v);
    for (const [k, v] of next.gatePasses) this.gatePasses.set(k, (this.gatePasses.get(k) ?? 0) + v);
    for (const [g, codes] of next.gateBlockCodes) {
      for (const [c, v] of codes) bump(this.gateBlockCodes, g, c, v);
    }
    for (const [k, v] of next.fillSides) this.fillSides.set(k, (this.fillSides.get(k) ?? 0) + v);
    for (const [k, v] of next.errorCodes) this.errorCodes.set(k, (this.errorCodes.get(k) ?? 0) + v);
    this.blocked += next.blocked;
    this.intents += next.intents;
    this.fillCount += next.fillCount;
    this.fillNotional += next.fillNotional;
    this.fillFees += next.fillFees;
    if (!this.#latency) return;
    for (const [k, v] of next.lastIntent) this.#setLastIntent(k, v);
    for (const v of next.sorted) this.fresh.push(v);
    for (const v of next.fresh) this.fresh.push(v);
  }

  /** Latency statistics over every pair so far (merges new latencies into the sorted list). */
  latency(): LatencySummary | null {
    if (this.fresh.length > 0) {
      const fresh = Float64Array.from(this.fresh).sort();
      this.fresh = [];
      const old = this.sorted;
      const merged = new Float64Array(old.length + fresh.length);
      let i = 0, j = 0, k = 0;
      while (i < old.length && j < fresh.length) {
        merged[k++] = old[i] <= fresh[j] ? old[i++] : fresh[j++];
      }
      while (i < old.length) merged[k++] = old[i++];
      while (j < fresh.length) merged[k++] = fresh[j++];
      this.sorted = merged;
    }
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return null;
    return {
      count: n,
      min: s[0],
      median: s[Math.floor(n / 2)],
      p95: s[Math.min(n - 1, Math.floor(n * 0.95))],
      max: s[n - 1],
    };
  }

  /** The plain data (for `postMessage`). */
  data(): SummaryStateData {
    return {
      consumed: this.consumed,
      totalLines: this.totalLines,
      validEvents: this.validEvents,
      invalidLines: this.invalidLines,
      oversizedLines: this.oversizedLines,
      kindModes: this.kindModes,
      minTs: this.minTs,
      maxTs: this.maxTs,
      symbols: this.symbols,
      gateBlocks: this.gateBlocks,
      gatePasses: this.gatePasses,
      gateBlockCodes: this.gateBlockCodes,
      blocked: this.blocked,
      intents: this.intents,
      fillCount: this.fillCount,
      fillNotional: this.fillNotional,
      fillFees: this.fillFees,
      fillSides: this.fillSides,
      errorCodes: this.errorCodes,
      lastIntent: this.lastIntent,
      sorted: this.sorted,
      fresh: this.fresh,
      unpaired: this.unpaired,
    };
  }
}

/** Convert a generally decoded line into the scanner's record. */
function fromDecoded(
  kind: string,
  tsMicros: number | null,
  symbol: string | null,
  mode: string | null,
  payload: unknown,
  into: ScannedEvent,
): void {
  into.kind = kind;
  into.tsMicros = tsMicros ?? NaN;
  into.symbol = symbol;
  const fields = typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? payload as Record<string, unknown>
    : {};
  into.gateName = gateName(payload);
  into.passed = typeof fields.passed === "boolean" ? fields.passed : null;
  into.decision = typeof fields.decision === "string" ? fields.decision : null;
  into.fillNotional = typeof fields.fill_notional === "number" ? fields.fill_notional : NaN;
  into.fillFee = typeof fields.fill_fee === "number" ? fields.fill_fee : NaN;
  into.mode = mode;
  into.code = typeof fields.code === "string" ? fields.code : null;
  into.side = typeof fields.side === "string" ? fields.side : null;
}

function isBlank(bytes: Uint8Array, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

/**
 * HOT PATH: read `file` from `state.consumed` to `size`, adding every complete
 * line to `state`. Lines are classified by a byte scan where it can
 * (no string decoding, no `JSON.parse`); only unusual lines are decoded.
 * Returns whether a fragment without `\n` remains at `size` (torn).
 */
export async function readInto(
  file: Deno.FsFile,
  state: ScanSink,
  size: number,
): Promise<boolean> {
  const maxLine = DEFAULT_MAX_LINE_BYTES;
  let remaining = size - state.consumed;
  if (remaining <= 0) return false;
  // A small increment (a warm summary) gets a buffer of its size: all of it fits in one read.
  const big = Math.max(CHUNK_BYTES, 2 * maxLine + 2);
  const buf = new Uint8Array(remaining < big ? remaining : big);
  const record = newScannedEvent();
  await file.seek(state.consumed, Deno.SeekMode.Start);
  let position = state.consumed; // file offset of buf[0]
  let filled = 0;
  let skipping = false; // inside a line longer than the cap
  while (remaining > 0) {
    const want = Math.min(buf.length - filled, remaining);
    const n = await file.read(buf.subarray(filled, filled + want));
    if (n === null) break;
    filled += n;
    remaining -= n;
    const view = buf.subarray(0, filled);
    let i = 0;
    while (i < filled) {
      const nl = view.indexOf(LF, i);
      if (nl === -1) break;
      state.totalLines++;
      if (skipping) {
        state.oversizedLines++;
        skipping = false;
      } else {
        let stop = nl;
        if (stop > i && view[stop - 1] === CR) stop--;
        if (stop - i > maxLine) {
          state.oversizedLines++;
        } else if (view[i] === 0x7b && scanEventLine(view, i, stop, record) === SCAN_VALID) {
          state.add(record);
        } else if (!isBlank(view, i, stop)) {
          const verdict = decodeEventLine(view.subarray(i, stop), position + i, position + nl + 1);
          if (verdict === "invalid") {
            state.invalidLines++;
          } else if (verdict !== "blank") {
            fromDecoded(
              verdict.kind,
              verdict.ts_micros,
              verdict.symbol,
              verdict.mode,
              verdict.payload,
              record,
            );
            state.add(record);
          }
        }
      }
      i = nl + 1;
      state.consumed = position + i;
    }
    // Keep the unterminated rest for the next read, unless it is already over the cap.
    const rest = filled - i;
    if (skipping || rest > maxLine + 1) {
      skipping = true;
      position += filled;
      filled = 0;
    } else {
      buf.copyWithin(0, i, filled);
      position += i;
      filled = rest;
    }
  }
  return skipping || filled > 0;
}
