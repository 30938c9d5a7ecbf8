/**
 * The running totals behind a session summary, the hot loop that feeds them
 * from a file, how two consecutive parts of a session combine (the halves of
 * a cold read, the closed segments of a rotated session and its active
 * file), and their JSON form (a closed segment's summary in its manifest).
 *
 * @module
 */
import type { LatencySummary } from "./types.ts";
import { DEFAULT_MAX_LINE_BYTES } from "./line_stream.ts";
import { decodeEventLine } from "./line_decoder.ts";
import { gateName } from "./gate_payload.ts";
import { parseTimestampMicros } from "./timestamps.ts";
import { LatencyDigest } from "./latency_digest.ts";
import { type PositionalReader, readFully, readFullySync } from "./positional_reader.ts";
import {
  newScannedEvent,
  SCAN_VALID,
  scanEventLine,
  type ScannedEvent,
  setTimestampParser,
} from "./line_scan.ts";
import {
  FLAG_FEE_TEXT,
  FLAG_NOTIONAL_TEXT,
  FLAG_TS_TEXT,
  type KernelBuffer,
  KIND_FILL,
  KIND_INTENT,
  KIND_OTHER,
  type LineKernel,
  lineKernelFor,
  RECORD_FLOATS,
  RECORD_INTS,
  VERDICT_OVERSIZED,
} from "./line_kernel.ts";

setTimestampParser(parseTimestampMicros);

/** Bytes of a read buffer beyond the longest line it keeps (see {@linkcode readInto}). */
const CHUNK_BYTES = 1024 * 1024;
/**
 * Bytes read per call: what was read is still in the core's cache (L2) when
 * the kernel scans it, as with `cat`'s 128 KiB reads, and the lines of one
 * read (even garbage, which JavaScript reads) are a few milliseconds of work.
 */
const READ_BYTES = 256 * 1024;
/**
 * Longest stretch of blocking reads (ms) before a read is awaited, letting
 * the event loop run other tasks (a server's requests) in between.
 */
const READ_TURN_MS = 8;
/** When an awaited read last let other tasks run (every reader of this thread counts). */
let lastTurn = 0;
const LF = 0x0a;
const CR = 0x0d;
/** The `v` of the JSON form this module writes and reads. */
const JSON_VERSION = 1;
/**
 * Fills of a later part seen before any intent of their symbol, kept to pair
 * with the part before; beyond this many (a part with fills but hardly any
 * intents), later ones are not paired.
 */
export const MAX_UNPAIRED_FILLS = 65_536;

/** Fields that are not summed when parts combine (see {@linkcode SummaryState.absorb}). */
const POSITION_FIELDS = new Set(["consumed", "unpaired", "latencies"]);

/** A value a summary field holds: a count or sum, a set of names, or counts by name (nested). */
type Tally = number | Set<string> | Map<string, unknown>;

/** The string fields of an event, which {@linkcode SummaryState.countClass} counts. */
export type EventFields = Pick<
  ScannedEvent,
  "kind" | "mode" | "symbol" | "gateName" | "passed" | "decision" | "code" | "side"
>;

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
 * aggregate over a session file, such as the dashboard's series).
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
  /**
   * Note how far past `consumed` the bytes were scanned without finding the
   * end of a line (so an unterminated tail is not read again until it grows).
   */
  rememberTail?(scanned: number, oversized: boolean): void;
  /** What `rememberTail` noted, if it still applies to `consumed`. */
  tail?(): { scanned: number; oversized: boolean };
}

/**
 * Running totals of everything read so far (complete lines only).
 *
 * Every public field is a number (a count or a sum), a `Set` of names, or a
 * `Map` of counts by name (maps may nest): {@linkcode SummaryState.absorb},
 * {@linkcode SummaryState.toJSON} and {@linkcode SummaryState.fromJSON}
 * handle such fields generically, so a new counter needs no code there.
 */
export class SummaryState implements ScanSink {
  /** Offset just after the last complete line read (a position, not a total). */
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
  /** Intent→fill latencies in milliseconds. */
  latencies: LatencyDigest = new LatencyDigest();
  /** Fills (symbol key, ts) seen before any intent of their symbol in this part. */
  unpaired: Array<[string, number]> = [];
  /** Whether this state covers a later part of a session (its intents before it are unknown). */
  #partial: boolean;
  /** Whether intent→fill latencies are kept (the metrics' states only count). */
  #latency: boolean;
  // Hot fields are plain numbers (never null) so updating them allocates nothing.
  #min = Infinity;
  #max = -Infinity;
  /** Latest intent time per symbol: slot numbers here, times in a typed array (no boxing). */
  #intentSlots: Map<string, number> = new Map();
  #intentTs: Float64Array = new Float64Array(16);
  /** How far past `consumed` the bytes were scanned without finding the end of the line. */
  #tailScanned = 0;
  /** The unterminated line after `consumed` is already longer than the line cap. */
  #tailOversized = false;

  /**
   * `partial`: this state reads a later part of a session (see
   * {@linkcode absorb}). `latency`: keep intent→fill latencies; off for states
   * that only count.
   */
  constructor(partial = false, latency = true) {
    this.#partial = partial;
    this.#latency = latency;
  }

  /** Whether this state covers a later part of a session. */
  get partial(): boolean {
    return this.#partial;
  }

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

  /** Count one valid event. */
  add(e: ScannedEvent): void {
    this.countClass(e, 1);
    this.measure(
      e.kind === "intent" ? KIND_INTENT : e.kind === "fill" ? KIND_FILL : KIND_OTHER,
      e.symbol,
      e.tsMicros,
      e.fillNotional,
      e.fillFee,
    );
  }

  /**
   * HOT PATH (once per distinct class in a block of lines): count `n` valid
   * events that share every string field of `e` (see `LineClass`): everything
   * {@linkcode add} does but the per-event part ({@linkcode measure}).
   */
  countClass(e: EventFields, n: number): void {
    this.validEvents += n;
    const kind = e.kind;
    bump(this.kindModes, kind, e.mode ?? "", n);
    const symbol = e.symbol;
    if (symbol !== null && symbol !== "") this.symbols.add(symbol);
    if (kind === "intent") {
      this.intents += n;
    } else if (kind === "gate") {
      let passed = e.passed;
      if (passed === null) {
        const decision = e.decision?.toUpperCase();
        passed = decision === "ALLOW" || decision === "PASS";
      }
      const name = e.gateName ?? "";
      if (!passed) {
        this.blocked += n;
        this.gateBlocks.set(name, (this.gateBlocks.get(name) ?? 0) + n);
        bump(this.gateBlockCodes, name, e.code ?? "", n);
      } else {
        this.gatePasses.set(name, (this.gatePasses.get(name) ?? 0) + n);
      }
    } else if (kind === "fill") {
      this.fillCount += n;
      const side = e.side ?? "";
      this.fillSides.set(side, (this.fillSides.get(side) ?? 0) + n);
    } else if (kind === "error") {
      const code = e.code ?? "";
      this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + n);
    }
  }

  /**
   * HOT PATH (once per valid event, in file order): the part of
   * {@linkcode add} that depends on the event's own numbers: the first and
   * last timestamp, the latest intent of its symbol, a fill's amounts and its
   * latency. `kindCode` is `KIND_INTENT`, `KIND_FILL` or anything else.
   */
  measure(
    kindCode: number,
    symbol: string | null,
    ts: number,
    notional: number,
    fee: number,
  ): void {
    // ts is NaN when absent: every comparison below is false.
    if (ts < this.#min) this.#min = ts;
    if (ts > this.#max) this.#max = ts;
    if (kindCode === KIND_INTENT) {
      if (ts === ts && this.#latency) this.#setLastIntent(symbol ?? "", ts);
    } else if (kindCode === KIND_FILL) {
      if (Number.isFinite(notional)) this.fillNotional += notional;
      if (Number.isFinite(fee)) this.fillFees += fee;
      if (ts === ts && this.#latency) {
        const key = symbol ?? "";
        const slot = this.#intentSlots.get(key);
        if (slot !== undefined) {
          const intentTs = this.#intentTs[slot];
          if (ts >= intentTs) this.latencies.add((ts - intentTs) / 1000);
        } else if (this.#partial && this.unpaired.length < MAX_UNPAIRED_FILLS) {
          this.unpaired.push([key, ts]);
        }
      }
    }
  }

  /**
   * Add the totals of the part of the session that directly follows this one
   * (`next` must be partial, or this state empty). Fills of `next` seen before
   * any intent of their symbol pair with this state's latest intent; every
   * other count, sum, set and map adds up; `consumed` becomes `next`'s.
   */
  absorb(next: SummaryState): void {
    for (const [key, ts] of this.#latency ? next.unpaired : []) {
      const slot = this.#intentSlots.get(key);
      if (slot !== undefined) {
        if (ts >= this.#intentTs[slot]) this.latencies.add((ts - this.#intentTs[slot]) / 1000);
      } else if (this.#partial && this.unpaired.length < MAX_UNPAIRED_FILLS) {
        this.unpaired.push([key, ts]);
      }
    }
    this.consumed = next.consumed;
    const target = this as unknown as Record<string, Tally>;
    const source = next as unknown as Record<string, Tally>;
    for (const key of Object.keys(source)) {
      if (!POSITION_FIELDS.has(key)) target[key] = addTally(target[key], source[key]);
    }
    if (next.#min < this.#min) this.#min = next.#min;
    if (next.#max > this.#max) this.#max = next.#max;
    if (!this.#latency) return;
    for (const [key, slot] of next.#intentSlots) this.#setLastIntent(key, next.#intentTs[slot]);
    this.latencies.merge(next.latencies);
  }

  /** A copy sharing nothing with this state (the position of a torn tail aside). */
  clone(): SummaryState {
    const copy = new SummaryState(this.#partial, this.#latency);
    copy.absorb(this);
    return copy;
  }

  /** Latency statistics over every pair so far (see `LatencyDigest.summary`). */
  latency(): LatencySummary | null {
    return this.latencies.summary();
  }

  /**
   * The JSON form: every count, set (as a sorted list) and map (as an
   * object), the latency digest, the first and last timestamp, the latest
   * intent per symbol and the unpaired fills. A closed segment's manifest
   * holds it as the segment's `summary`.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      v: JSON_VERSION,
      partial: this.#partial,
      min_ts: this.minTs,
      max_ts: this.maxTs,
      last_intent: Object.fromEntries(this.lastIntent),
    };
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) out[key] = tallyToJson(fields[key]);
    return out;
  }

  /**
   * A state from its JSON form. Fields the JSON lacks (written before a
   * counter existed) stay zero, and fields this version does not know are
   * ignored. Throws `TypeError` when `json` is not a summary's JSON form.
   */
  static fromJSON(json: unknown): SummaryState {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new TypeError("summary: not an object");
    }
    const j = json as Record<string, unknown>;
    if (j.v !== JSON_VERSION) throw new TypeError(`summary: version ${String(j.v)} unknown`);
    const state = new SummaryState(j.partial === true);
    const fields = state as unknown as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!(key in j)) continue;
      const value = j[key];
      if (key === "latencies") {
        state.latencies = LatencyDigest.fromJSON(value);
      } else if (key === "unpaired") {
        if (!Array.isArray(value) || !value.every(isUnpairedFill)) {
          throw new TypeError("summary: unpaired must be a list of [symbol, ts]");
        }
        state.unpaired = value.slice(0, MAX_UNPAIRED_FILLS) as Array<[string, number]>;
      } else {
        fields[key] = tallyFromJson(fields[key], value, key);
      }
    }
    if (typeof j.min_ts === "number") state.#min = j.min_ts;
    if (typeof j.max_ts === "number") state.#max = j.max_ts;
    const lastIntent = j.last_intent;
    if (typeof lastIntent === "object" && lastIntent !== null) {
      for (const [key, ts] of Object.entries(lastIntent)) {
        if (typeof ts === "number") state.#setLastIntent(key, ts);
      }
    }
    return state;
  }

  /**
   * Note what {@linkcode readInto} saw after the last complete line: bytes
   * up to `scanned` hold no newline, and whether that line is already over
   * the cap. Internal to `readInto`.
   */
  rememberTail(scanned: number, oversized: boolean): void {
    this.#tailScanned = scanned;
    this.#tailOversized = oversized;
  }

  /** What {@linkcode rememberTail} noted, if it still applies to `consumed`. */
  tail(): { scanned: number; oversized: boolean } {
    return this.#tailScanned > this.consumed
      ? { scanned: this.#tailScanned, oversized: this.#tailOversized }
      : { scanned: this.consumed, oversized: false };
  }
}

function isUnpairedFill(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" &&
    typeof value[1] === "number";
}

/** `a + b` for counts, union for sets, key-wise sum for maps (recursively). */
function addTally(a: Tally, b: Tally): Tally {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a instanceof Set && b instanceof Set) {
    for (const v of b) a.add(v);
    return a;
  }
  if (a instanceof Map && b instanceof Map) {
    for (const [k, v] of b) {
      const mine = a.get(k);
      a.set(k, mine === undefined ? copyTally(v as Tally) : addTally(mine as Tally, v as Tally));
    }
    return a;
  }
  throw new TypeError("summary fields of different shapes cannot be added");
}

function copyTally(value: Tally): Tally {
  if (value instanceof Set) return new Set(value);
  if (value instanceof Map) {
    const out = new Map<string, unknown>();
    for (const [k, v] of value) out.set(k, copyTally(v as Tally));
    return out;
  }
  return value;
}

function tallyToJson(value: unknown): unknown {
  if (value instanceof Set) return [...value].sort();
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const key of [...value.keys()].sort()) out[key] = tallyToJson(value.get(key));
    return out;
  }
  if (value instanceof LatencyDigest) return value.toJSON();
  return value;
}

/** `value` (JSON) in the shape of `template` (the field of a fresh state). */
function tallyFromJson(template: unknown, value: unknown, key: string): unknown {
  if (typeof template === "number") {
    if (typeof value !== "number") throw new TypeError(`summary: ${key} must be a number`);
    return value;
  }
  if (template instanceof Set) {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      throw new TypeError(`summary: ${key} must be a list of names`);
    }
    return new Set(value);
  }
  if (template instanceof Map) return mapFromJson(value, key);
  throw new TypeError(`summary: ${key} cannot be read`);
}

function mapFromJson(value: unknown, key: string): Map<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`summary: ${key} must be an object`);
  }
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "number") out.set(k, v);
    else out.set(k, mapFromJson(v, `${key}.${k}`));
  }
  return out;
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

const sharedRecord = newScannedEvent();

/**
 * HOT PATH: count the line `view[start, nl)` (its `\n` at `nl`, `position`
 * the source offset of `view[0]`). Lines are classified by a byte scan
 * where it can (no string decoding, no `JSON.parse`); only unusual lines are
 * decoded, and a line that cannot be an event object (its first byte is not
 * `{`) is counted as invalid without decoding.
 */
function countLine(
  state: ScanSink,
  view: Uint8Array,
  start: number,
  nl: number,
  position: number,
  maxLine: number,
): void {
  state.totalLines++;
  let stop = nl;
  if (stop > start && view[stop - 1] === CR) stop--;
  if (stop - start > maxLine) {
    state.oversizedLines++;
  } else if (
    view[start] === 0x7b && scanEventLine(view, start, stop, sharedRecord) === SCAN_VALID
  ) {
    state.add(sharedRecord);
  } else if (!isBlank(view, start, stop)) {
    const verdict = decodeEventLine(
      view.subarray(start, stop),
      position + start,
      position + nl + 1,
    );
    if (verdict === "invalid") {
      state.invalidLines++;
    } else if (verdict !== "blank") {
      fromDecoded(
        verdict.kind,
        verdict.ts_micros,
        verdict.symbol,
        verdict.mode,
        verdict.payload,
        sharedRecord,
      );
      state.add(sharedRecord);
    }
  }
}

/** Events per class in the block of lines being counted (index: class id). */
let classCounts = new Int32Array(0);
/** The classes with a count in {@linkcode classCounts}, in the order first seen. */
const countedClasses: number[] = [];

/** Text of ASCII bytes (a timestamp or number the kernel left to JavaScript). */
function asciiText(bytes: Uint8Array, start: number, stop: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(start, stop) as unknown as number[]);
}

/**
 * HOT PATH: count the complete lines of `lease.bytes[from, to)` (the source
 * offset of byte 0 is `position`) with the line kernel: lines it classifies
 * are counted by class (a {@linkcode SummaryState}) or handed to `add` one by
 * one (any other sink); lines it is unsure of go the JavaScript way
 * ({@linkcode countLine}). Synchronous from the first scan to the last count,
 * as the kernel's ids require. Returns the offset after the last complete line.
 */
function addKernelLines(
  state: ScanSink,
  kernel: LineKernel,
  lease: KernelBuffer,
  from: number,
  to: number,
  position: number,
  maxLine: number,
): number {
  kernel.prepare();
  const summary = state instanceof SummaryState ? state : null;
  const view = lease.bytes;
  const ints = kernel.ints;
  const floats = kernel.floats;
  const classes = kernel.classes;
  const capacity = kernel.recordCapacity;
  const record = sharedRecord;
  let i = from;
  while (true) {
    const n = kernel.scan(lease, i, to, maxLine);
    if (classCounts.length < classes.length) {
      const grown = new Int32Array(Math.max(classes.length, 2 * classCounts.length));
      grown.set(classCounts);
      classCounts = grown;
    }
    for (let r = 0; r < n; r++) {
      const at = r * RECORD_INTS;
      const verdict = ints[at];
      if (verdict > 0) {
        state.totalLines++;
        const c = classes[verdict];
        const f = r * RECORD_FLOATS;
        let ts = floats[f];
        let notional = floats[f + 1];
        let fee = floats[f + 2];
        const flags = ints[at + 3];
        if (flags !== 0) {
          if ((flags & FLAG_TS_TEXT) !== 0) {
            ts = parseTimestampMicros(asciiText(view, ints[at + 4], ints[at + 5])) ?? NaN;
          }
          if ((flags & FLAG_NOTIONAL_TEXT) !== 0) {
            notional = Number(asciiText(view, ints[at + 6], ints[at + 7]));
          }
          if ((flags & FLAG_FEE_TEXT) !== 0) {
            fee = Number(asciiText(view, ints[at + 8], ints[at + 9]));
          }
        }
        if (summary !== null) {
          if (classCounts[verdict]++ === 0) countedClasses.push(verdict);
          summary.measure(c.kindCode, c.symbol, ts, notional, fee);
        } else {
          record.kind = c.kind;
          record.mode = c.mode;
          record.symbol = c.symbol;
          record.gateName = c.gateName;
          record.passed = c.passed;
          record.decision = c.decision;
          record.code = c.code;
          record.side = c.side;
          record.tsMicros = ts;
          record.fillNotional = notional;
          record.fillFee = fee;
          state.add(record);
        }
      } else if (verdict === VERDICT_OVERSIZED) {
        state.totalLines++;
        state.oversizedLines++;
      } else {
        countLine(state, view, ints[at + 1], ints[at + 2], position, maxLine);
      }
    }
    i = kernel.nextLine();
    if (n < capacity) break;
  }
  if (summary !== null) {
    for (const id of countedClasses) {
      summary.countClass(classes[id], classCounts[id]);
      classCounts[id] = 0;
    }
  }
  countedClasses.length = 0;
  state.consumed = position + i;
  return i;
}

/**
 * HOT PATH: add every line of `bytes`, which holds whole lines only (each
 * ending in `\n`; `position` is the source offset of `bytes[0]`), and move
 * `consumed` past them. Returns the index after the last `\n`.
 */
export function addCompleteLines(state: ScanSink, bytes: Uint8Array, position: number): number {
  const maxLine = DEFAULT_MAX_LINE_BYTES;
  const kernel = lineKernelFor(bytes.length);
  // The kernel reads its own memory: copy the bytes in, a leased buffer at a time.
  const lease = kernel?.lease(Math.min(bytes.length, KERNEL_CHUNK_BYTES)) ?? null;
  if (kernel !== null && lease !== null) {
    try {
      let done = 0;
      while (done < bytes.length) {
        const piece = Math.min(lease.bytes.length, bytes.length - done);
        lease.bytes.set(bytes.subarray(done, done + piece));
        const used = addKernelLines(state, kernel, lease, 0, piece, position + done, maxLine);
        if (used === 0) break; // a line longer than the buffer: the JavaScript way below
        done += used;
      }
      if (done === bytes.length) return done;
      return done + addLinesOneByOne(state, bytes.subarray(done), position + done, maxLine);
    } finally {
      lease.release();
    }
  }
  return addLinesOneByOne(state, bytes, position, maxLine);
}

/** Bytes copied into the kernel per piece by {@linkcode addCompleteLines}. */
const KERNEL_CHUNK_BYTES = 512 * 1024;

/** {@linkcode addCompleteLines} the JavaScript way (no kernel buffer free). */
function addLinesOneByOne(
  state: ScanSink,
  bytes: Uint8Array,
  position: number,
  maxLine: number,
): number {
  let i = 0;
  for (let nl = bytes.indexOf(LF); nl !== -1; nl = bytes.indexOf(LF, i)) {
    countLine(state, bytes, i, nl, position, maxLine);
    i = nl + 1;
  }
  state.consumed = position + i;
  return i;
}

/**
 * HOT PATH: read `source` from `state.consumed` to `size`, adding every
 * complete line to `state`. Returns whether a fragment without `\n` remains
 * at `size` (torn). The state remembers how far past its last complete line
 * it looked, so an unterminated tail is not read again until it grows, and a
 * tail already over the line cap is only searched for its end. Bytes are
 * read straight into a buffer of the line kernel when one is free. With a
 * source that has `readSync`, reads block (no round trip through the thread
 * pool, no copy of the bytes in between) except one awaited read at least
 * every {@linkcode READ_TURN_MS}, so a long read still lets other tasks run;
 * without it, every read is awaited.
 */
export async function readInto(
  source: PositionalReader,
  state: ScanSink,
  size: number,
): Promise<boolean> {
  const maxLine = DEFAULT_MAX_LINE_BYTES;
  const tail = state.tail?.() ?? { scanned: state.consumed, oversized: false };
  // Nothing new since the last look: a known torn tail stays torn.
  if (size <= tail.scanned) return size > state.consumed;
  let skipping = tail.oversized; // inside a line longer than the cap
  let position = skipping ? tail.scanned : state.consumed; // source offset of buf[0]
  let remaining = size - position;
  // A small increment (a warm summary) gets a buffer of its size: all of it fits in one read.
  const big = Math.max(CHUNK_BYTES, 2 * maxLine + 2);
  const length = remaining < big ? remaining : big;
  const kernel = lineKernelFor(remaining);
  const lease = kernel?.lease(length) ?? null;
  const blocking = source.readSync !== undefined;
  try {
    const buf = lease === null ? new Uint8Array(length) : lease.bytes.subarray(0, length);
    let filled = 0;
    while (remaining > 0) {
      const sync = blocking && performance.now() - lastTurn < READ_TURN_MS;
      const want = Math.min(buf.length - filled, remaining, READ_BYTES);
      const into = buf.subarray(filled, filled + want);
      let n: number;
      if (sync) {
        n = readFullySync(source as Required<PositionalReader>, position + filled, into);
      } else {
        n = await readFully(source, position + filled, into);
        lastTurn = performance.now();
      }
      if (n === 0) break;
      filled += n;
      remaining -= n;
      const view = buf.subarray(0, filled);
      let i = 0;
      if (skipping) {
        const nl = view.indexOf(LF);
        if (nl !== -1) {
          state.totalLines++;
          state.oversizedLines++;
          skipping = false;
          i = nl + 1;
          state.consumed = position + i;
        }
      }
      if (!skipping) {
        if (kernel !== null && lease !== null) {
          i = addKernelLines(state, kernel, lease, i, filled, position, maxLine);
        } else {
          while (i < filled) {
            const nl = view.indexOf(LF, i);
            if (nl === -1) break;
            countLine(state, view, i, nl, position, maxLine);
            i = nl + 1;
            state.consumed = position + i;
          }
        }
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
    const scanned = position + filled;
    state.rememberTail?.(scanned, skipping);
    return scanned > state.consumed;
  } finally {
    lease?.release();
  }
}
