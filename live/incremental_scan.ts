/**
 * Running aggregates over session files, kept up to date incrementally: each
 * file's aggregate (a {@linkcode ScanSink}) remembers how far it read and the
 * bytes just before that point; a file that only grew costs only its new
 * bytes, and a file that was truncated, replaced or rewritten in place is read
 * again from the start. The series and match counts use it; the summary keeps
 * its own cache (`summary.ts`).
 *
 * @module
 */
import { resolve } from "node:path";
import { readInto, type ScanSink } from "../execution/wire/summary_state.ts";
import { fingerprintAt, openSessionFile, sameBytes } from "./session_file.ts";

/** What {@linkcode IncrementalScanCache.update} gives: the sink and what it covers. */
export interface ScanResult<S extends ScanSink> {
  /** The aggregate, up to date with the complete lines of the file. */
  sink: S;
  /** The file size seen. */
  size: number;
  /** Whether the size ended in an incomplete line (not counted yet). */
  torn: boolean;
  /** The file's identity and size: equal versions mean equal content (the file only appends). */
  version: string;
}

interface Entry<S extends ScanSink> {
  ino: number | null;
  dev: number;
  sink: S;
  fingerprint: Uint8Array;
}

/**
 * An LRU cache of aggregates per file, each brought up to date on request;
 * concurrent updates of one file are serialised, so no line counts twice.
 *
 * @example
 * ```ts
 * import { IncrementalScanCache } from "./incremental_scan.ts";
 * import { SummaryState } from "../execution/wire/summary_state.ts";
 * const counts = new IncrementalScanCache(() => new SummaryState());
 * const result = await counts.update("logs/execution/demo.jsonl");
 * console.log(result?.sink.validEvents ?? "no such session");
 * ```
 */
export class IncrementalScanCache<S extends ScanSink> {
  #create: () => S;
  #maxEntries: number;
  #entries = new Map<string, Entry<S>>();
  #locks = new Map<string, Promise<unknown>>();

  /** Aggregates made by `create`, at most `maxEntries` files kept. */
  constructor(create: () => S, maxEntries = 16) {
    this.#create = create;
    this.#maxEntries = maxEntries;
  }

  /**
   * The aggregate of the session file at `path` (one per `variant`, e.g. per
   * filter, made by `create` when new), or `null` when there is no such file.
   */
  async update(
    path: string,
    variant = "",
    create: () => S = this.#create,
  ): Promise<ScanResult<S> | null> {
    const file = resolve(path);
    const key = `${file}\u0000${variant}`;
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const again = (): Promise<ScanResult<S> | null> => this.#update(file, key, create);
    const run = previous.then(again, again);
    const settled = run.then(() => undefined, () => undefined);
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  /** Forget every aggregate. */
  clear(): void {
    this.#entries.clear();
  }

  async #update(path: string, key: string, create: () => S): Promise<ScanResult<S> | null> {
    const file = await openSessionFile(path);
    if (file === null) {
      this.#entries.delete(key);
      return null;
    }
    try {
      const info = await file.stat();
      let entry = this.#entries.get(key);
      if (
        entry === undefined || entry.ino !== info.ino || entry.dev !== info.dev ||
        info.size < entry.sink.consumed ||
        !sameBytes(await fingerprintAt(file, entry.sink.consumed), entry.fingerprint)
      ) {
        // New, replaced, truncated or rewritten in place: read from the start.
        entry = { ino: info.ino, dev: info.dev, sink: create(), fingerprint: new Uint8Array(0) };
      }
      this.#entries.delete(key);
      this.#entries.set(key, entry); // most recently used last
      if (this.#entries.size > this.#maxEntries) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      const torn = await readInto(file, entry.sink, info.size);
      entry.fingerprint = await fingerprintAt(file, entry.sink.consumed);
      return {
        sink: entry.sink,
        size: info.size,
        torn,
        version: `${info.dev}:${info.ino}:${info.size}`,
      };
    } finally {
      file.close();
    }
  }
}
