/**
 * What a session did in a recent window (intents, blocked gate decisions,
 * execution errors, dropped telemetry events), read from the end of the
 * session and never from its start: a session not written since the window
 * began costs one `lstat`; an active one costs the lines of the window. The
 * session is one logical byte stream across its segments (see
 * `live/session_view.ts`): a read goes back from the active file into the
 * closed segments (a compressed one through its gzip members, a segment
 * whose last event is older than the window not at all) and into a
 * whole-session archive. In a long-running process (the dashboard server) the
 * counts are kept per second and brought up to date from the logical offset
 * where the last read stopped, so each evaluation reads only the bytes
 * appended since, also across a rotation (the position check is the
 * aggregates' own, `live/session_position.ts`).
 *
 * @module
 */
import { decodeEventLine } from "../execution/wire/line_decoder.ts";
import { type ByteLine, LineSplitter } from "../execution/wire/line_stream.ts";
import {
  newScannedEvent,
  SCAN_VALID,
  scanEventLine,
  setTimestampParser,
} from "../execution/wire/line_scan.ts";
import { gatePassed } from "../execution/wire/gate_payload.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import { completeLinesEnd, readLinesBackward } from "../live/backward_lines.ts";
import type { PartReader } from "../live/gzip_readers.ts";
import { openSessionView, type SessionPart, type SessionView } from "../live/session_view.ts";
import { continuesFrom, markPosition, type SessionMark } from "../live/session_position.ts";
import type { SessionFacts } from "./log_root_inventory.ts";

setTimestampParser(parseTimestampMicros);

/** The code of the line the telemetry writer writes for events it had to drop. */
export const TELEMETRY_DROPPED_CODE = "TELEMETRY_DROPPED";
/**
 * Events up to this much older than the window start are still read before a
 * backward scan stops: writers of one session may be a little out of order.
 */
const CLOCK_SKEW_MICROS = 60_000_000;
/** Most bytes one cold scan reads per session; beyond, its counts are marked partial. */
const MAX_SCAN_BYTES = 512 * 1024 * 1024;
/** Sessions whose per-second counts are kept between evaluations. */
const MAX_CACHED_SESSIONS = 4096;
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A session's activity in the window.
 *
 * @example
 * ```ts
 * import type { WindowCounts } from "./activity_window.ts";
 * const counts: WindowCounts = {
 *   events: 66, intents: 13, blocked: 6, errors: 0, dropped: 0, partial: false,
 * };
 * ```
 */
export interface WindowCounts {
  /** Valid events with a timestamp in the window. */
  events: number;
  /** `intent` events. */
  intents: number;
  /** Gate decisions that blocked. */
  blocked: number;
  /** `error` events, the writer's own `TELEMETRY_DROPPED` reports excluded. */
  errors: number;
  /** Events the telemetry writer dropped (the sum its `TELEMETRY_DROPPED` reports give). */
  dropped: number;
  /** Whether the read stopped at its byte cap before the window's start. */
  partial: boolean;
}

/** Per-second counters: events, intents, blocked, errors, dropped. */
type Counters = [number, number, number, number, number];

interface SessionWindow {
  /** Logical offset just after the last complete line counted. */
  consumed: number;
  /** What held `consumed` (to tell growth and rotation from a replaced session). */
  mark: SessionMark | null;
  /** Counts by epoch second. */
  seconds: Map<number, Counters>;
  /** Every event at or after this instant (µs) is counted. */
  coveredFrom: number;
  partial: boolean;
}

function zero(): WindowCounts {
  return { events: 0, intents: 0, blocked: 0, errors: 0, dropped: 0, partial: false };
}

/** Classifies lines into per-second counters. */
class LineCounter {
  #scanned = newScannedEvent();

  /** The line's timestamp (µs) and its counters, or `null` for lines that are not events. */
  classify(line: ByteLine): { ts: number; counters: Counters } | null {
    if (line.status !== "line") return null;
    const e = this.#scanned;
    let kind: string;
    let ts: number;
    let blocked = false;
    let payload: unknown = null;
    // The byte scanner reads most lines without building objects; errors need their payload.
    if (scanEventLine(line.bytes, 0, line.bytes.length, e) === SCAN_VALID && e.kind !== "error") {
      kind = e.kind;
      ts = e.tsMicros;
      if (kind === "gate") {
        blocked = e.passed === null
          ? !(e.decision?.toUpperCase() === "ALLOW" || e.decision?.toUpperCase() === "PASS")
          : !e.passed;
      }
    } else {
      const verdict = decodeEventLine(line.bytes, line.offset, line.end);
      if (typeof verdict === "string") return null;
      kind = verdict.kind;
      ts = verdict.ts_micros ?? NaN;
      payload = verdict.payload;
      if (kind === "gate") blocked = !gatePassed(payload);
    }
    if (!Number.isFinite(ts)) return null;
    const counters: Counters = [1, 0, 0, 0, 0];
    if (kind === "intent") counters[1] = 1;
    else if (kind === "gate" && blocked) counters[2] = 1;
    else if (kind === "error") {
      const fields = typeof payload === "object" && payload !== null
        ? payload as Record<string, unknown>
        : {};
      if (fields.code === TELEMETRY_DROPPED_CODE) {
        const dropped = fields.dropped;
        counters[4] = typeof dropped === "number" && Number.isSafeInteger(dropped) && dropped > 0
          ? dropped
          : 1;
      } else counters[3] = 1;
    }
    return { ts, counters };
  }
}

function add(seconds: Map<number, Counters>, ts: number, counters: Counters): void {
  const key = Math.floor(ts / 1_000_000);
  const at = seconds.get(key);
  if (at === undefined) seconds.set(key, counters);
  else for (let i = 0; i < 5; i++) at[i] += counters[i];
}

function sum(window: SessionWindow, startMicros: number): WindowCounts {
  const from = Math.floor(startMicros / 1_000_000);
  const out = zero();
  for (const [second, c] of window.seconds) {
    if (second < from) continue;
    out.events += c[0];
    out.intents += c[1];
    out.blocked += c[2];
    out.errors += c[3];
    out.dropped += c[4];
  }
  out.partial = window.partial;
  return out;
}

/**
 * Reads sessions' activity in a window; keep one per process to make later
 * reads incremental.
 *
 * @example
 * ```ts
 * import { ActivityWindowReader } from "./activity_window.ts";
 * import { scanLogRoot } from "./log_root_inventory.ts";
 * const reader = new ActivityWindowReader();
 * const inventory = await scanLogRoot("logs/execution");
 * const since = Date.now() - 15 * 60_000;
 * for (const session of inventory.sessions) {
 *   console.log(session.session_id, await reader.read(session, since));
 * }
 * ```
 */
export class ActivityWindowReader {
  #windows = new Map<string, SessionWindow>();
  #counter = new LineCounter();
  #bytesRead = 0;

  /** Session bytes read so far (a later evaluation adds only what was appended). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * The session's activity from `sinceMs` (epoch ms) on. A session not
   * written since then is not opened: its active file's modification time
   * decides, or without one the newest of its segments and archive (a
   * rotation always leaves a newer active file).
   */
  async read(session: SessionFacts, sinceMs: number): Promise<WindowCounts> {
    const startMicros = sinceMs * 1000;
    const key = `${session.root}\0${session.session_id}`;
    const written = session.active?.mtime_ms ?? session.mtime_ms;
    if (written < sinceMs) {
      this.#windows.delete(key);
      return zero();
    }
    using view = await openSessionView(session.root, session.session_id);
    if (!view.found) {
      this.#windows.delete(key);
      return zero();
    }
    const end = await completeEnd(view);
    let window = this.#windows.get(key);
    const reusable = window !== undefined && window.mark !== null &&
      window.coveredFrom <= startMicros - CLOCK_SKEW_MICROS &&
      continuesFrom(view, window.mark, window.consumed);
    if (reusable) {
      await this.#countForward(view, window!, end);
    } else {
      window = this.#fresh(startMicros);
      await this.#countBackward(view, end, window, startMicros);
      window.consumed = end;
    }
    window!.mark = markPosition(view, window!.consumed);
    this.#prune(window!, startMicros);
    this.#remember(key, window!);
    return sum(window!, startMicros);
  }

  #fresh(startMicros: number): SessionWindow {
    return {
      consumed: 0,
      mark: null,
      seconds: new Map(),
      coveredFrom: startMicros - CLOCK_SKEW_MICROS,
      partial: false,
    };
  }

  #remember(key: string, window: SessionWindow): void {
    this.#windows.delete(key);
    this.#windows.set(key, window); // most recently used last
    if (this.#windows.size > MAX_CACHED_SESSIONS) {
      this.#windows.delete(this.#windows.keys().next().value!);
    }
  }

  #prune(window: SessionWindow, startMicros: number): void {
    const keepFrom = Math.floor((startMicros - CLOCK_SKEW_MICROS) / 1_000_000);
    for (const second of window.seconds.keys()) {
      if (second < keepFrom) window.seconds.delete(second);
    }
  }

  /**
   * Count from the logical `end` back to the window's start, newest part
   * first: a part that can be read at any position (the active file, a plain
   * segment, a compressed one through its members) backwards, an archive
   * front to back. A closed segment whose last event is before the window
   * (as its manifest says) ends the read: it and every older part hold nothing
   * in the window.
   */
  async #countBackward(
    view: SessionView,
    end: number,
    window: SessionWindow,
    startMicros: number,
  ): Promise<void> {
    const stopBefore = startMicros - CLOCK_SKEW_MICROS;
    for (let p = view.parts.length - 1; p >= 0; p--) {
      const part = view.parts[p];
      if (part.start >= end) continue;
      const lastTs = part.segment?.entry?.last_ts ?? null;
      if (lastTs !== null && (parseTimestampMicros(lastTs) ?? Infinity) < stopBefore) return;
      const localEnd = Math.min(end, part.start + part.size) - part.start;
      const reader = view.openPart(part);
      if (reader === null) continue; // deleted since the layout was read
      try {
        const more = reader.random
          ? await this.#countPartBackward(reader, part, localEnd, end, window, stopBefore)
          : await this.#countPartForward(reader, part, localEnd, window, stopBefore);
        if (!more) return;
      } finally {
        reader.close();
      }
    }
  }

  /** One part backwards from `localEnd`; true when its start was reached inside the window. */
  async #countPartBackward(
    reader: PartReader,
    part: SessionPart,
    localEnd: number,
    end: number,
    window: SessionWindow,
    stopBefore: number,
  ): Promise<boolean> {
    for await (const batch of readLinesBackward(reader, localEnd)) {
      for (const line of batch) {
        const seen = this.#counter.classify(line);
        this.#bytesRead += line.end - line.offset;
        if (seen === null) continue;
        if (seen.ts < stopBefore) return false;
        add(window.seconds, seen.ts, seen.counters);
        if (end - (part.start + line.offset) > MAX_SCAN_BYTES) {
          window.partial = true;
          window.coveredFrom = seen.ts;
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A part that can only be read front to back (an archive, a compressed
   * segment without its member list): every line of the window counts; true
   * when none was older than the window (older parts may hold some too).
   */
  async #countPartForward(
    reader: PartReader,
    part: SessionPart,
    localEnd: number,
    window: SessionWindow,
    stopBefore: number,
  ): Promise<boolean> {
    let older = false;
    let read = 0;
    try {
      await this.#forEachLine(reader, part.start, localEnd, (line) => {
        read = line.end - part.start;
        const seen = this.#counter.classify(line);
        if (seen === null) return true;
        if (seen.ts < stopBefore) older = true;
        else add(window.seconds, seen.ts, seen.counters);
        return read <= MAX_SCAN_BYTES;
      });
    } catch {
      // A compressed file that cannot be read is the parse-error check's finding, not this one's.
      return false;
    }
    if (read > MAX_SCAN_BYTES) {
      window.partial = true;
      return false;
    }
    return !older;
  }

  /** Count the complete lines appended since the last read, up to the logical `end`. */
  async #countForward(view: SessionView, window: SessionWindow, end: number): Promise<void> {
    for (const part of view.parts) {
      const partEnd = Math.min(end, part.start + part.size);
      if (partEnd <= window.consumed) continue;
      // Bytes gone before this part (retention) are not there to count.
      if (window.consumed < part.start) window.consumed = part.start;
      const reader = view.openPart(part);
      if (reader === null) continue; // deleted since the layout was read
      try {
        await this.#forEachLine(reader, part.start, partEnd - part.start, (line) => {
          const seen = this.#counter.classify(line);
          if (seen !== null) add(window.seconds, seen.ts, seen.counters);
          window.consumed = line.end;
          return true;
        }, window.consumed - part.start);
      } finally {
        reader.close();
      }
    }
  }

  /**
   * Hand each complete line of `reader` between `from` and `localEnd` (part
   * positions; lines carry logical offsets; an oversized one without its
   * bytes) to `take` until it returns false.
   */
  async #forEachLine(
    reader: PartReader,
    start: number,
    localEnd: number,
    take: (line: ByteLine) => boolean,
    from = 0,
  ): Promise<void> {
    const splitter = new LineSplitter({ startOffset: start + from });
    const buffer = new Uint8Array(READ_CHUNK_BYTES);
    let going = true;
    for (let position = from; going && position < localEnd;) {
      const n = await reader.read(
        position,
        buffer.subarray(0, Math.min(buffer.length, localEnd - position)),
      );
      if (n === 0) break;
      position += n;
      this.#bytesRead += n;
      splitter.push(buffer.subarray(0, n), (line) => {
        if (going) going = take(line);
      });
    }
  }
}

/** Logical offset just after the last complete line of the session. */
async function completeEnd(view: SessionView): Promise<number> {
  const active = view.activePart;
  if (active === null) return view.end; // closed parts end with whole lines
  return active.start + await completeLinesEnd(view.active!, active.size);
}
