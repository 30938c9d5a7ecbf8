/**
 * What a session did in a recent window (intents, blocked gate decisions,
 * execution errors, dropped telemetry events), read from the end of its
 * files and never from the start: a session not written since the window
 * began costs one `lstat`; an active one costs the lines of the window. In a
 * long-running process (the dashboard server) the counts are kept per second
 * and brought up to date from where the last read stopped, so each
 * evaluation reads only the bytes appended since.
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
import { fingerprintAt, openSessionFile, sameBytes } from "../live/session_file.ts";
import type { RegularFile } from "../execution/wire/regular_file.ts";
import { readCompressedLines } from "./compressed_lines.ts";
import type { FileFacts, SessionFacts } from "./log_root_inventory.ts";

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
  ino: number | null;
  dev: number;
  /** Offset just after the last complete line counted. */
  consumed: number;
  fingerprint: Uint8Array;
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

  /**
   * The session's activity from `sinceMs` (epoch ms) on. Files not modified
   * since then are not opened.
   */
  async read(session: SessionFacts, sinceMs: number): Promise<WindowCounts> {
    const startMicros = sinceMs * 1000;
    const active = session.active;
    if (active === null) {
      this.#windows.delete(session.session_id);
      const archive = session.archive;
      if (archive === null || archive.mtime_ms < sinceMs) return zero();
      const window = this.#fresh(null, 0, startMicros);
      await this.#countCompressed(archive, window, startMicros);
      return sum(window, startMicros);
    }
    if (active.mtime_ms < sinceMs) {
      // Not written since the window began, and rotation always leaves a newer active file.
      this.#windows.delete(session.session_id);
      return zero();
    }
    const file = await openSessionFile(active.path);
    if (file === null) return zero();
    try {
      const info = await file.stat();
      const end = await completeLinesEnd(file, info.size);
      let window = this.#windows.get(session.session_id);
      const reusable = window !== undefined && window.ino === info.ino &&
        window.dev === info.dev && end >= window.consumed &&
        window.coveredFrom <= startMicros - CLOCK_SKEW_MICROS &&
        sameBytes(await fingerprintAt(file, window.consumed), window.fingerprint);
      if (reusable) {
        await this.#countForward(file, window!, end);
      } else {
        window = this.#fresh(info.ino, info.dev, startMicros);
        const reachedStart = await this.#countBackward(file, end, window, startMicros);
        if (reachedStart) await this.#countSegments(session, window, startMicros);
        window.consumed = end;
      }
      window!.fingerprint = await fingerprintAt(file, window!.consumed);
      this.#prune(window!, startMicros);
      this.#remember(session.session_id, window!);
      return sum(window!, startMicros);
    } finally {
      file.close();
    }
  }

  #fresh(ino: number | null, dev: number, startMicros: number): SessionWindow {
    return {
      ino,
      dev,
      consumed: 0,
      fingerprint: new Uint8Array(0),
      seconds: new Map(),
      coveredFrom: startMicros - CLOCK_SKEW_MICROS,
      partial: false,
    };
  }

  #remember(id: string, window: SessionWindow): void {
    this.#windows.delete(id);
    this.#windows.set(id, window); // most recently used last
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

  /** Count from the end back to the window's start; true when the file's start was reached. */
  async #countBackward(
    file: RegularFile,
    end: number,
    window: SessionWindow,
    startMicros: number,
  ): Promise<boolean> {
    const stopBefore = startMicros - CLOCK_SKEW_MICROS;
    for await (const batch of readLinesBackward(file, end)) {
      for (const line of batch) {
        const seen = this.#counter.classify(line);
        if (seen === null) continue;
        if (seen.ts < stopBefore) return false;
        add(window.seconds, seen.ts, seen.counters);
        if (end - line.offset > MAX_SCAN_BYTES) {
          window.partial = true;
          window.coveredFrom = seen.ts;
          return false;
        }
      }
    }
    return true;
  }

  /** Count the complete lines appended since the last read. */
  async #countForward(file: RegularFile, window: SessionWindow, end: number): Promise<void> {
    const splitter = new LineSplitter({ startOffset: window.consumed });
    const buffer = new Uint8Array(READ_CHUNK_BYTES);
    let position = window.consumed;
    while (position < end) {
      const n = await file.read(
        position,
        buffer.subarray(0, Math.min(buffer.length, end - position)),
      );
      if (n === 0) break;
      position += n;
      splitter.push(buffer.subarray(0, n), (line) => {
        const seen = this.#counter.classify(line);
        if (seen !== null) add(window.seconds, seen.ts, seen.counters);
      });
    }
    window.consumed = splitter.lineStart;
  }

  /**
   * The active file began inside the window: the session rotated recently,
   * so its newest closed segments may hold window events too.
   */
  async #countSegments(
    session: SessionFacts,
    window: SessionWindow,
    startMicros: number,
  ): Promise<void> {
    const startIso = new Date(Math.floor(startMicros / 1000)).toISOString();
    const newestFirst = [...session.segments].sort((a, b) => b.index - a.index);
    const done = new Set<number>();
    for (const segment of newestFirst) {
      if (done.has(segment.index)) continue; // a plain copy beside its .gz: read one of them
      // Manifest timestamps are wire strings (`+00:00`); ISO `Z` compares the same up to there.
      if (segment.last_ts !== null && segment.last_ts.slice(0, 19) < startIso.slice(0, 19)) break;
      if (segment.mtime_ms * 1000 < startMicros - CLOCK_SKEW_MICROS && segment.last_ts === null) {
        break;
      }
      done.add(segment.index);
      if (segment.compressed) await this.#countCompressed(segment, window, startMicros);
      else await this.#countPlainSegment(segment, window, startMicros);
    }
  }

  async #countPlainSegment(
    segment: FileFacts,
    window: SessionWindow,
    startMicros: number,
  ): Promise<void> {
    const file = await openSessionFile(segment.path);
    if (file === null) return;
    try {
      const end = await completeLinesEnd(file, (await file.stat()).size);
      await this.#countBackward(file, end, window, startMicros);
    } finally {
      file.close();
    }
  }

  async #countCompressed(
    compressed: FileFacts,
    window: SessionWindow,
    startMicros: number,
  ): Promise<void> {
    const stopBefore = startMicros - CLOCK_SKEW_MICROS;
    let read = 0;
    try {
      for await (const batch of readCompressedLines(compressed.path)) {
        for (const line of batch) {
          read = line.end;
          const seen = this.#counter.classify(line);
          if (seen !== null && seen.ts >= stopBefore) add(window.seconds, seen.ts, seen.counters);
        }
        if (read > MAX_SCAN_BYTES) {
          window.partial = true;
          return;
        }
      }
    } catch {
      // A compressed file that cannot be read is the parse-error check's finding, not this one's.
    }
  }
}
