/**
 * A small cache of serialized API answers, valid only while the session file
 * is unchanged: each entry remembers the file's identity (device, inode),
 * size and modification time, and a request whose `stat` differs recomputes.
 * Session files are append-only (or replaced, or truncated), so an unchanged
 * identity and size means unchanged content. Many browsers watching the same
 * session then cost one read, not one each.
 *
 * @module
 */

/**
 * The identity of a file's content as far as the cache is concerned.
 *
 * @example
 * ```ts
 * import { fileVersion } from "./response_cache.ts";
 * const info = await Deno.stat("deno.json");
 * console.log(fileVersion(info));
 * ```
 */
export function fileVersion(info: Deno.FileInfo): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime() ?? "?"}`;
}

/**
 * Options of {@linkcode ResponseCache}.
 *
 * @example
 * ```ts
 * import type { ResponseCacheOptions } from "./response_cache.ts";
 * const options: ResponseCacheOptions = { maxEntries: 64, maxBytes: 8 * 1024 * 1024 };
 * ```
 */
export interface ResponseCacheOptions {
  /**
   * Most entries kept (least recently used evicted first).
   * @default {256}
   */
  maxEntries?: number;
  /**
   * Most characters of cached bodies kept in total.
   * @default {33554432}
   */
  maxBytes?: number;
}

interface Entry {
  version: string;
  body: string;
}

/**
 * LRU cache of response bodies keyed by request and validated by file version.
 *
 * @example
 * ```ts
 * import { ResponseCache } from "./response_cache.ts";
 * const cache = new ResponseCache();
 * cache.set("s1?limit=200", "1:2:300:4", "{}");
 * console.log(cache.get("s1?limit=200", "1:2:300:4")); // "{}"
 * console.log(cache.get("s1?limit=200", "1:2:301:5")); // undefined
 * ```
 */
export class ResponseCache {
  #entries = new Map<string, Entry>();
  #bytes = 0;
  #maxEntries: number;
  #maxBytes: number;

  /** Build an empty cache. */
  constructor(options: ResponseCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 256;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** The body cached for `key` at file `version`, or `undefined`. */
  get(key: string, version: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version) {
      this.#delete(key, entry);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry); // most recently used last
    return entry.body;
  }

  /** Remember `body` for `key` at file `version` (skipped when larger than a quarter of the budget). */
  set(key: string, version: string, body: string): void {
    if (body.length > this.#maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old);
    this.#entries.set(key, { version, body });
    this.#bytes += body.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#delete(oldest, entry);
    }
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.body.length;
  }
}
