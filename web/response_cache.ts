/**
 * A small cache of serialized API answers, valid only while the session file
 * is unchanged: each entry remembers the file's identity (device, inode),
 * size and modification time, and a request whose `stat` differs recomputes.
 * Session files are append-only (or replaced, or truncated), so an unchanged
 * identity and size means unchanged content. Many browsers watching the same
 * session then cost one read, not one each, and identical requests arriving
 * together share one computation. The app owns one cache (in its state), so
 * no route keeps module-level state.
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

/** The version of the file at `path`, or `null` when there is no regular file there. */
async function currentVersion(path: string): Promise<string | null> {
  try {
    // lstat: a link is no session file (the readers treat it as absent), so never followed here.
    return fileVersion(await Deno.lstat(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
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
  /** Bodies being computed, by key and file version. */
  #inFlight = new Map<string, Promise<string>>();

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

  /**
   * The body for `key`, computed from the file at `path` by `compute`:
   * served from the cache while the file's version is unchanged, shared with
   * an identical computation under way, and cached only when the file did
   * not change while `compute` ran. Without a file there is nothing to
   * validate against, so `compute` runs every time.
   */
  async getOrCompute(
    path: string,
    key: string,
    compute: () => Promise<string>,
  ): Promise<string> {
    const version = await currentVersion(path);
    if (version === null) return await compute();
    const cacheKey = `${path}\u0000${key}`;
    const cached = this.get(cacheKey, version);
    if (cached !== undefined) return cached;
    const flightKey = `${cacheKey}\u0000${version}`;
    let flight = this.#inFlight.get(flightKey);
    if (flight === undefined) {
      flight = compute().then(async (body) => {
        if (version === await currentVersion(path)) this.set(cacheKey, version, body);
        return body;
      }).finally(() => this.#inFlight.delete(flightKey));
      this.#inFlight.set(flightKey, flight);
    }
    return await flight;
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
