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
import { type PositionalReader, readFully } from "./positional_reader.ts";
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

/**
 * Running totals of everything read so far (complete lines only).
 *
 * Every public field is a number (a count or a sum), a `Set` of names, or a
 * `Map` of counts by name (maps may nest): {@linkcode SummaryState.absorb},
 * {@linkcode SummaryState.toJSON} and {@linkcode SummaryState.fromJSON}
 * handle such fields generically, so a new counter needs no code there.
 */
export class SummaryState {
  /** Offset just after the last complete line read (a position, not a total). */
  consumed = 0;
  totalLines = 0;
  validEvents = 0;
  invalidLines = 0;
  oversizedLines = 0;
  kindCounts: Map<string, number> = new Map();
  symbols: Set<string> = new Set();
  gateBlocks: Map<string, number> = new Map();
  blocked = 0;
  intents = 0;
  fillCount = 0;
  fillNotional = 0;
  fillFees = 0;
  /** Intent→fill latencies in milliseconds. */
  latencies: LatencyDigest = new LatencyDigest();
  /** Fills (symbol key, ts) seen before any intent of their symbol in this part. */
  unpaired: Array<[string, number]> = [];
  /** Whether this state covers a later part of a session (its intents before it are unknown). */
  #partial: boolean;
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

  /** `partial`: this state reads a later part of a session (see {@linkcode absorb}). */
  constructor(partial = false) {
    this.#partial = partial;
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
    this.validEvents++;
    const kind = e.kind;
    this.kindCounts.set(kind, (this.kindCounts.get(kind) ?? 0) + 1);
    const ts = e.tsMicros; // NaN when absent: every comparison below is false
    if (ts < this.#min) this.#min = ts;
    if (ts > this.#max) this.#max = ts;
    const symbol = e.symbol;
    if (symbol !== null && symbol !== "") this.symbols.add(symbol);
    if (kind === "intent") {
      this.intents++;
      if (ts === ts) this.#setLastIntent(symbol ?? "", ts);
    } else if (kind === "gate") {
      let passed = e.passed;
      if (passed === null) {
        const decision = e.decision?.toUpperCase();
        passed = decision === "ALLOW" || decision === "PASS";
      }
      if (!passed) {
        this.blocked++;
        const name = e.gateName ?? "";
        this.gateBlocks.set(name, (this.gateBlocks.get(name) ?? 0) + 1);
      }
    } else if (kind === "fill") {
      this.fillCount++;
      if (Number.isFinite(e.fillNotional)) this.fillNotional += e.fillNotional;
      if (Number.isFinite(e.fillFee)) this.fillFees += e.fillFee;
      if (ts === ts) {
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
    for (const [key, ts] of next.unpaired) {
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
    for (const [key, slot] of next.#intentSlots) this.#setLastIntent(key, next.#intentTs[slot]);
    this.latencies.merge(next.latencies);
  }

  /** A copy sharing nothing with this state (the position of a torn tail aside). */
  clone(): SummaryState {
    const copy = new SummaryState(this.#partial);
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
  state: SummaryState,
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
      fromDecoded(verdict.kind, verdict.ts_micros, verdict.symbol, verdict.payload, sharedRecord);
      state.add(sharedRecord);
    }
  }
}

/**
 * HOT PATH: add every line of `bytes`, which holds whole lines only (each
 * ending in `\n`; `position` is the source offset of `bytes[0]`), and move
 * `consumed` past them. Returns the index after the last `\n`.
 */
export function addCompleteLines(state: SummaryState, bytes: Uint8Array, position: number): number {
  const maxLine = DEFAULT_MAX_LINE_BYTES;
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
 * tail already over the line cap is only searched for its end.
 */
export async function readInto(
  source: PositionalReader,
  state: SummaryState,
  size: number,
): Promise<boolean> {
  const maxLine = DEFAULT_MAX_LINE_BYTES;
  const tail = state.tail();
  // Nothing new since the last look: a known torn tail stays torn.
  if (size <= tail.scanned) return size > state.consumed;
  let skipping = tail.oversized; // inside a line longer than the cap
  let position = skipping ? tail.scanned : state.consumed; // source offset of buf[0]
  let remaining = size - position;
  // A small increment (a warm summary) gets a buffer of its size: all of it fits in one read.
  const big = Math.max(CHUNK_BYTES, 2 * maxLine + 2);
  const buf = new Uint8Array(remaining < big ? remaining : big);
  let filled = 0;
  while (remaining > 0) {
    const want = Math.min(buf.length - filled, remaining);
    const n = await readFully(source, position + filled, buf.subarray(filled, filled + want));
    if (n === 0) break;
    filled += n;
    remaining -= n;
    const view = buf.subarray(0, filled);
    let i = 0;
    while (i < filled) {
      const nl = view.indexOf(LF, i);
      if (nl === -1) break;
      if (skipping) {
        state.totalLines++;
        state.oversizedLines++;
        skipping = false;
      } else {
        countLine(state, view, i, nl, position, maxLine);
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
  const scanned = position + filled;
  state.rememberTail(scanned, skipping);
  return scanned > state.consumed;
}
