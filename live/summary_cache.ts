/**
 * Summary states cached per session file and brought up to date
 * incrementally: when the file only grew, a read costs only the new bytes.
 * The session summary keeps one small cache (most recently used sessions);
 * the metrics of a whole log root keep their own, one entry per session,
 * without latencies. Internal: not part of the public API.
 *
 * @module
 */
import type { RegularFile } from "../execution/wire/regular_file.ts";
import { readAt } from "./backward_lines.ts";
import { readInto, SummaryState } from "../execution/wire/summary_state.ts";
import { fingerprintAt, openSessionFile, sameBytes } from "./session_file.ts";

/** Cold reads of files at least this large are split across two cores. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** How far from the middle of the file a line boundary is looked for. */
const SPLIT_WINDOW_BYTES = 2 * 1024 * 1024;

interface CacheEntry {
  ino: number | null;
  dev: number;
  state: SummaryState;
  /** The last bytes read (up to `state.consumed`), compared before reading on. */
  fingerprint: Uint8Array;
}

/**
 * One up-to-date read of a session file.
 *
 * @example
 * ```ts ignore
 * await cache.read("logs/execution/demo.jsonl", (read) => {
 *   if (read !== null) console.log(read.state.validEvents, read.torn, read.size, read.restarted);
 * });
 * ```
 */
export interface SummaryRead {
  /** Totals of every complete line. */
  state: SummaryState;
  /** Whether an unterminated fragment follows the last complete line. */
  torn: boolean;
  /** The file size at this read. */
  size: number;
  /**
   * Whether the cached state was thrown away and the file read from its start
   * because it was replaced, truncated or rewritten in place (a file seen for
   * the first time is not "restarted").
   */
  restarted: boolean;
}

/**
 * Options of {@linkcode SummaryCache}.
 *
 * @example
 * ```ts ignore
 * const options: SummaryCacheOptions = { capacity: 64, latency: true };
 * ```
 */
export interface SummaryCacheOptions {
  /** Most files kept; the least recently read is forgotten beyond it. */
  capacity: number;
  /** Keep intent→fill latencies in the states (8 bytes per fill). */
  latency: boolean;
}

/**
 * Summary states per file path, each read on from where the last read
 * stopped. Reads of one path are serialised, so concurrent callers never
 * count a line twice.
 *
 * @example
 * ```ts ignore
 * const cache = new SummaryCache({ capacity: 64, latency: true });
 * const events = await cache.read("/abs/logs/execution/demo.jsonl", (r) => r?.state.validEvents);
 * ```
 */
export class SummaryCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #capacity: number;
  readonly #latency: boolean;
  #bytesRead = 0;

  /** An empty cache; see {@linkcode SummaryCacheOptions}. */
  constructor(options: SummaryCacheOptions) {
    this.#capacity = options.capacity;
    this.#latency = options.latency;
  }

  /** Bytes of session files read so far (tests and benchmarks check increments stay small). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * Bring the state of the session file at `path` up to date and give it to
   * `use` (`null` when it is not a session file) before any other read of
   * that path can change it; returns what `use` returns.
   */
  async read<T>(path: string, use: (read: SummaryRead | null) => T): Promise<T> {
    const step = async (): Promise<T> => use(await this.#read(path));
    const previous = this.#locks.get(path) ?? Promise.resolve();
    const run = previous.then(step, step);
    const settled = run.then(() => undefined, () => undefined);
    this.#locks.set(path, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(path) === settled) this.#locks.delete(path);
    }
  }

  /** Forget the state of `path`. */
  delete(path: string): void {
    this.#entries.delete(path);
  }

  /** Forget every state (the next read of each file reads it whole). */
  clear(): void {
    this.#entries.clear();
  }

  async #read(path: string): Promise<SummaryRead | null> {
    const file = await openSessionFile(path);
    if (file === null) {
      this.#entries.delete(path);
      return null;
    }
    try {
      const info = await file.stat();
      let entry = this.#entries.get(path);
      let restarted = false;
      if (
        entry === undefined || entry.ino !== info.ino || entry.dev !== info.dev ||
        info.size < entry.state.consumed ||
        !sameBytes(await fingerprintAt(file, entry.state.consumed), entry.fingerprint)
      ) {
        // New, replaced (another inode), truncated or rewritten in place: read from the start.
        restarted = entry !== undefined;
        entry = {
          ino: info.ino,
          dev: info.dev,
          state: new SummaryState(false, this.#latency),
          fingerprint: new Uint8Array(0),
        };
      }
      this.#entries.delete(path);
      this.#entries.set(path, entry); // most recently used last
      if (this.#entries.size > this.#capacity) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      const from = entry.state.consumed;
      const torn = from === 0 && info.size >= PARALLEL_MIN_BYTES
        ? await readSplit(file, path, entry.state, info.size)
        : await readInto(file, entry.state, info.size);
      this.#bytesRead += info.size - from;
      entry.fingerprint = await fingerprintAt(file, entry.state.consumed);
      return { state: entry.state, torn, size: info.size, restarted };
    } finally {
      file.close();
    }
  }
}

/** What the worker posts back. */
type PartResult = { ok: true; state: unknown; torn: boolean } | {
  ok: false;
  error: string;
};

/** Read the second part `[start, end)` of the file in a worker. */
function readPartInWorker(path: string, start: number, end: number): Promise<PartResult> {
  return new Promise((resolvePart) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./summary_worker.ts", import.meta.url), { type: "module" });
    } catch (err) {
      resolvePart({ ok: false, error: String(err) });
      return;
    }
    worker.onmessage = (event: MessageEvent<PartResult>) => {
      worker.terminate();
      resolvePart(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      worker.terminate();
      resolvePart({ ok: false, error: event.message });
    };
    worker.postMessage({ path, start, end });
  });
}

/**
 * HOT PATH of a cold summary: the first half of the file is read here while
 * a worker reads the second half on the other core; the halves then combine.
 * Falls back to one thread when no line boundary is near the middle or the
 * worker cannot run.
 */
async function readSplit(
  file: RegularFile,
  path: string,
  state: SummaryState,
  size: number,
): Promise<boolean> {
  const middle = Math.floor(size / 2);
  const window = await readAt(file, middle, Math.min(SPLIT_WINDOW_BYTES, size - middle));
  const nl = window.indexOf(0x0a);
  if (nl === -1 || middle + nl + 1 >= size) return await readInto(file, state, size);
  const split = middle + nl + 1;
  const second = readPartInWorker(path, split, size);
  await readInto(file, state, split);
  const part = await second;
  if (!part.ok) return await readInto(file, state, size);
  state.absorb(SummaryState.fromJSON(part.state));
  return part.torn;
}
