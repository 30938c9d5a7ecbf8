/**
 * Running aggregates over whole sessions, brought up to date from where they
 * stopped: the one incremental mechanism behind the summary, the series, the
 * match counts, the sessions index's activity and the `/metrics` counts.
 *
 * An aggregate is a {@linkcode ScanSink} fed the session's events in order,
 * over its logical byte stream (closed segments in index order, then the
 * active file; or a whole-session archive; see `session_view.ts`). Its
 * `consumed` is a logical offset, so a rotation costs nothing: the bytes
 * already counted stay counted wherever they moved, and reading goes on from
 * the same offset through the segment that holds it, then the newer parts.
 * Each part is read once:
 *
 * - a closed segment reached at its start counts through the summary its
 *   manifest holds, for aggregates that can take one (summary states),
 *   without being decompressed; otherwise it is read once (one gzip member
 *   at a time);
 * - the active file is read incrementally: only the bytes appended since;
 * - a plain range of 32 MiB or more is read on two cores (this thread and a
 *   worker take its pieces in turn) by aggregates that can merge summary states.
 *
 * Before reading on, the position is checked (see `session_position.ts`): a
 * session truncated, rewritten in place or replaced is read again from its
 * start (`restarted`). Updates of one aggregate are serialised, so no line
 * counts twice. Internal: not part of the public API.
 *
 * @module
 */
import { resolve } from "../execution/paths.ts";
import { readInto, type ScanSink, SummaryState } from "../execution/wire/summary_state.ts";
import type { PositionalReader } from "../execution/wire/positional_reader.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";
import { pieceCount, readPiece } from "./summary_pieces.ts";
import type { PieceMessage } from "./summary_worker.ts";
import { lendSummaryWorker, type LentWorker } from "./summary_workers.ts";
import { openSessionView, type SessionPart, type SessionView } from "./session_view.ts";
import { continuesFrom, markPosition, type SessionMark } from "./session_position.ts";

/** Plain ranges at least this large are read on two cores (when the aggregate can merge halves). */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** Parsed segment summaries kept (shared by every aggregate that takes them). */
const SEGMENT_SUMMARY_ENTRIES = 1024;

/**
 * One up-to-date read of a session's aggregate.
 *
 * @example
 * ```ts ignore
 * await aggregates.read("logs/execution", "demo", (read) => {
 *   if (read !== null) console.log(read.sink.totalLines, read.size, read.torn, read.restarted);
 * });
 * ```
 */
export interface AggregateRead<S extends ScanSink> {
  /** The aggregate, up to date with every complete line of the session. */
  sink: S;
  /** The session's logical size now (every segment, uncompressed, and the active file). */
  size: number;
  /** Whether an incomplete line follows the last complete one (not counted yet). */
  torn: boolean;
  /**
   * Whether the aggregate was thrown away and the session read from its start
   * because it was truncated, rewritten or replaced (a session seen for the
   * first time is not "restarted").
   */
  restarted: boolean;
}

/** Options of one {@linkcode SessionAggregates.read}. */
export interface AggregateReadOptions {
  /**
   * Read as a one-shot command does: on this thread only, with no worker
   * (whose isolate costs about 15 MiB) for a big range.
   *
   * @default {false}
   */
  foreground?: boolean;
}

/**
 * Options of {@linkcode SessionAggregates}.
 *
 * @example
 * ```ts ignore
 * const options: SessionAggregatesOptions<SummaryState> = {
 *   create: () => new SummaryState(),
 *   capacity: 64,
 *   mergeSummary: (sink, part) => sink.absorb(part),
 * };
 * ```
 */
export interface SessionAggregatesOptions<S extends ScanSink> {
  /** A new, empty aggregate. */
  create: () => S;
  /** Most aggregates kept; the least recently read is forgotten beyond it. */
  capacity: number;
  /**
   * Add the summary state of the part of the session that directly follows
   * what `sink` covers (a closed segment's manifest summary, or the second
   * half of a split read). Absent: segments are read, never summarised.
   */
  mergeSummary?: (sink: S, part: SummaryState) => void;
}

/** Parsed manifest summaries by segment file and checksum: a closed segment never changes. */
const segmentSummaries = new Map<string, SummaryState>();

function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value); // most recently used last
  if (map.size > limit) map.delete(map.keys().next().value!);
}

/** The summary state a closed segment's manifest holds, or `null` (none yet, or unusable). */
function segmentSummary(part: SessionPart): SummaryState | null {
  const entry = part.segment?.entry ?? null;
  if (entry === null || entry.summary === null || entry.sha256 === null) return null;
  const key = `${part.segment!.path}\0${entry.sha256}`;
  let state = segmentSummaries.get(key);
  if (state === undefined) {
    try {
      state = SummaryState.fromJSON(entry.summary);
    } catch {
      return null; // an unusable summary: the segment is read instead
    }
  }
  remember(segmentSummaries, key, state, SEGMENT_SUMMARY_ENTRIES);
  return state;
}

/**
 * Forget every parsed segment summary (the next cold aggregate parses the
 * manifests' summaries again).
 *
 * @example
 * ```ts ignore
 * clearSegmentSummaries();
 * ```
 */
export function clearSegmentSummaries(): void {
  segmentSummaries.clear();
}

/** `source` with positions shifted: logical offset `start + p` reads its byte `p`. */
function shifted(source: PositionalReader, start: number): PositionalReader {
  const shift: PositionalReader = { read: (position, into) => source.read(position - start, into) };
  const readSync = source.readSync?.bind(source);
  if (readSync !== undefined) shift.readSync = (position, into) => readSync(position - start, into);
  return shift;
}

interface Entry<S extends ScanSink> {
  sink: S;
  /** What held `sink.consumed` at the last read. */
  mark: SessionMark;
}

/**
 * Running aggregates per session (one per `variant`, e.g. per filter), each
 * brought up to date on request; see the module documentation.
 *
 * @example
 * ```ts ignore
 * import { SummaryState } from "../execution/wire/summary_state.ts";
 * const counts = new SessionAggregates({ create: () => new SummaryState(), capacity: 16 });
 * const events = await counts.read("logs/execution", "demo", (r) => r?.sink.validEvents ?? 0);
 * ```
 */
export class SessionAggregates<S extends ScanSink> {
  readonly #create: () => S;
  readonly #capacity: number;
  readonly #merge: ((sink: S, part: SummaryState) => void) | null;
  readonly #entries = new Map<string, Entry<S>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  #bytesRead = 0;

  /** An empty set of aggregates; see {@linkcode SessionAggregatesOptions}. */
  constructor(options: SessionAggregatesOptions<S>) {
    this.#create = options.create;
    this.#capacity = options.capacity;
    this.#merge = options.mergeSummary ?? null;
  }

  /** Session bytes read so far (closed segments summarised from their manifest are not read). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * Bring the aggregate of `sessionId` in `baseDir` (the one of `variant`,
   * made by `create` when new) up to date, and give it to `use` (`null` when
   * the session does not exist) before any other read of it can change it;
   * returns what `use` returns. Throws `InvalidSessionIdError` for an invalid id.
   */
  async read<T>(
    baseDir: string,
    sessionId: string,
    use: (read: AggregateRead<S> | null) => T,
    variant = "",
    create: () => S = this.#create,
    options: AggregateReadOptions = {},
  ): Promise<T> {
    const key = `${resolve(baseDir)}\0${sessionId}\0${variant}`;
    const foreground = options.foreground ?? false;
    const step = async (): Promise<T> =>
      use(await this.#update(baseDir, sessionId, key, create, foreground));
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(step, step);
    const settled = run.then(() => undefined, () => undefined);
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  /** Forget the aggregate of `sessionId` in `baseDir` (of `variant`). */
  delete(baseDir: string, sessionId: string, variant = ""): void {
    this.#entries.delete(`${resolve(baseDir)}\0${sessionId}\0${variant}`);
  }

  /** Forget every aggregate (the next read of each session starts from its beginning). */
  clear(): void {
    this.#entries.clear();
  }

  async #update(
    baseDir: string,
    sessionId: string,
    key: string,
    create: () => S,
    foreground: boolean,
  ): Promise<AggregateRead<S> | null> {
    using view = await openSessionView(baseDir, sessionId);
    if (!view.found) {
      this.#entries.delete(key);
      return null;
    }
    let entry = this.#entries.get(key);
    let restarted = false;
    if (entry !== undefined && !(continuesFrom(view, entry.mark, entry.sink.consumed))) {
      entry = undefined; // truncated, rewritten or replaced: read from the start
      restarted = true;
    }
    const sink = entry?.sink ?? create();
    let torn: boolean;
    try {
      torn = await this.#readOn(view, sink, foreground);
    } catch (err) {
      // Read in part (an unreadable segment): the next read starts from a clean aggregate.
      this.#entries.delete(key);
      throw err;
    }
    entry = { sink, mark: markPosition(view, sink.consumed) };
    remember(this.#entries, key, entry, this.#capacity);
    return { sink, size: view.end, torn, restarted };
  }

  /** Feed `sink` every complete line of `view` after its position; true when a torn tail follows. */
  async #readOn(view: SessionView, sink: S, foreground: boolean): Promise<boolean> {
    let torn = false;
    const last = view.parts.at(-1);
    for (const part of view.parts) {
      const end = part.start + part.size;
      if (end <= sink.consumed) continue;
      // Bytes before this part that are gone (retention) or were never there (damage): skipped.
      if (sink.consumed < part.start) sink.consumed = part.start;
      if (this.#merge !== null && part.kind === "segment" && sink.consumed === part.start) {
        const summary = segmentSummary(part);
        if (summary !== null) {
          this.#merge(sink, summary);
          sink.consumed = end;
          continue;
        }
      }
      const from = sink.consumed;
      const tornHere = await this.#readPart(view, part, sink, foreground);
      this.#bytesRead += sink.consumed - from;
      // Only the active file is being written: a closed part or an archive ends torn only when
      // damaged, and its fragment is never completed.
      if (part === last && part.kind === "active") torn = tornHere;
    }
    return torn;
  }

  /** Read `part` from `sink.consumed` to its end into `sink`. */
  async #readPart(
    view: SessionView,
    part: SessionPart,
    sink: S,
    foreground: boolean,
  ): Promise<boolean> {
    const end = part.start + part.size;
    if (!foreground && this.#merge !== null && end - sink.consumed >= PARALLEL_MIN_BYTES) {
      const plain = part.kind === "active"
        ? view.active
        : part.segment !== null && !part.segment.compressed
        ? RegularFile.open(part.segment.path)
        : null;
      if (plain !== null) {
        try {
          return await readSplit(plain, part.start, sink, end, this.#merge);
        } finally {
          if (plain !== view.active) plain.close();
        }
      }
    }
    const reader = view.openPart(part);
    if (reader === null) return false; // deleted since the layout was read: its bytes are gone
    try {
      return await readInto(shifted(reader, part.start), sink, end);
    } finally {
      reader.close();
    }
  }
}

/** The worker of a split read: its pieces as they come, and when it is done. */
interface PieceWorker {
  /** Resolves once the worker reported every piece it took (or failed, or could not run). */
  finished: Promise<void>;
  /** The read is over: the worker ends, or waits for the next read if it is kept warm. */
  giveBack(): void;
}

/**
 * Start a worker (or take the warm one, see `summary_workers.ts`) taking
 * pieces of `[from, size)` of `file` (file offsets) from `counter`; each
 * piece it summarises goes to `onPiece` (`null`: empty).
 */
async function startPieceWorker(
  file: RegularFile,
  from: number,
  size: number,
  counter: Int32Array,
  onPiece: (piece: number, state: SummaryState | null) => void,
): Promise<PieceWorker> {
  // Everything that may throw comes before the worker is lent, or is caught after it: a lent
  // worker never given back would keep its process alive for good.
  const { ino, dev } = file.stat();
  const path = resolve(file.path);
  const alone: PieceWorker = { finished: Promise.resolve(), giveBack: () => {} };
  let lent: LentWorker;
  try {
    lent = await lendSummaryWorker(() =>
      new Worker(new URL("./summary_worker.ts", import.meta.url), { type: "module" })
    );
  } catch {
    // No worker: the main thread takes every piece.
    return alone;
  }
  const { worker } = lent;
  const { promise: outcome, resolve: settle } = Promise.withResolvers<boolean>();
  let over = false;
  worker.onmessage = (event: MessageEvent<PieceMessage>) => {
    const message = event.data;
    // Done, or the file could not be opened there (the worker itself is fine).
    if ("done" in message) return settle(true);
    // Not reported: the main thread reads it. After the read, nothing more goes to its sink.
    if ("error" in message || over) return;
    try {
      onPiece(
        message.piece,
        message.state === null ? null : SummaryState.fromJSON(message.state),
      );
    } catch {
      // An unreadable answer: the main thread reads that piece itself.
    }
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    settle(false);
  };
  try {
    worker.postMessage({ path, ino, dev, from, size, counter: counter.buffer });
  } catch {
    // Not sent: the worker takes nothing, this thread reads every piece.
    lent.giveBack(Promise.resolve(false));
    return alone;
  }
  return {
    finished: outcome.then(() => {}),
    giveBack: () => {
      over = true;
      lent.giveBack(outcome);
    },
  };
}

/**
 * HOT PATH of a cold read: the plain range (the file starting at logical
 * `start`, from `sink.consumed` to `end`) is cut into pieces that this thread
 * and a worker take in turn from a shared counter (see `summary_pieces.ts`);
 * the pieces' totals combine in order as they become contiguous. Pieces the
 * worker took but did not report (it failed, or could not run) are read here.
 */
async function readSplit<S extends ScanSink>(
  file: RegularFile,
  start: number,
  sink: S,
  end: number,
  merge: (sink: S, part: SummaryState) => void,
): Promise<boolean> {
  const logical = shifted(file, start);
  const from = sink.consumed;
  const count = pieceCount(from, end);
  const done = new Map<number, SummaryState | null>();
  let next = 0;
  /** Combine the pieces that directly follow what the sink holds. */
  const mergeReady = (): void => {
    for (; done.has(next); next++) {
      const piece = done.get(next)!;
      done.delete(next);
      if (piece === null) continue;
      merge(sink, piece);
      sink.consumed = piece.consumed;
    }
  };
  let wake = (): void => {};
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const worker = await startPieceWorker(
    file,
    from - start,
    end - start,
    counter,
    (piece, state) => {
      // The worker's offsets are the file's; the aggregate's are logical.
      if (state !== null) state.consumed += start;
      done.set(piece, state);
      mergeReady();
      wake();
    },
  );
  let stopped = false;
  worker.finished.then(() => {
    stopped = true;
    wake();
  });
  try {
    for (
      let piece = Atomics.add(counter, 0, 1);
      piece < count;
      piece = Atomics.add(counter, 0, 1)
    ) {
      done.set(piece, await readPiece(logical, from, end, piece));
      mergeReady();
    }
    // Every piece is taken: wait for those the worker holds, unless it stopped.
    while (next < count && !stopped) await new Promise<void>((resolve) => wake = resolve);
    for (let piece = next; piece < count; piece++) {
      if (!done.has(piece)) done.set(piece, await readPiece(logical, from, end, piece));
    }
    mergeReady();
  } finally {
    // Nothing is left to claim (after a failure here too): a kept worker stops after the piece
    // it is reading, and is ready for the next read.
    Atomics.store(counter, 0, count);
    worker.giveBack();
  }
  // Every complete line is counted; anything after the last one is a torn tail. What the
  // pieces saw of it is not remembered: it is read again once.
  return sink.consumed < end;
}
