/**
 * A small cache of serialized API answers, valid only while the session file
 * is unchanged: each entry remembers the file's identity (device, inode),
 * size and modification time, and a request whose `stat` differs recomputes.
 * Each answer also has a strong `ETag` (a hash of its body), so a client that
 * holds it is answered `304 Not Modified` without the body. Answers are JSON
 * texts, kept with their non-ASCII characters escaped (`ascii_json.ts`): the
 * same values, in a string `Deno.serve` sends without transcoding it.
 * Session files are append-only (or replaced, or truncated), so an unchanged
 * identity and size means unchanged content. Many browsers watching the same
 * session then cost one read, not one each, and identical requests arriving
 * together share one computation. The app owns one cache (in its state), so
 * no route keeps module-level state.
 *
 * @module
 */

import { asciiJson } from "./ascii_json.ts";

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

/**
 * The version of the file at `path`, or `null` when there is no regular file
 * there. Synchronous on purpose: one `lstat` of a local file takes a
 * microsecond or two, where the asynchronous call costs a trip through
 * the blocking thread pool (about 15 µs of CPU per request under load), and
 * it runs on every cached answer, so an append is seen by the very next
 * request.
 */
function currentVersion(path: string): string | null {
  try {
    // lstat: a link is no session file (the readers treat it as absent), so never followed here.
    return fileVersion(Deno.lstatSync(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * A cached answer: its body and its strong entity tag.
 *
 * @example
 * ```ts
 * import type { CachedAnswer } from "./response_cache.ts";
 * const answer: CachedAnswer = { body: "{}", etag: '"q1w2e3"' };
 * ```
 */
export interface CachedAnswer {
  /** The serialized answer. */
  body: string;
  /** Its strong `ETag` value, quotes included (a hash of the body). */
  etag: string;
}

interface Entry extends CachedAnswer {
  version: string;
}

const encoder = new TextEncoder();

/**
 * A strong entity tag for `body`: the first 96 bits of its SHA-256, in
 * base64url, quoted. Computed once per answer, when it is cached.
 *
 * @example
 * ```ts
 * import { entityTag } from "./response_cache.ts";
 * console.log(await entityTag("{}")); // a quoted tag of 16 characters
 * ```
 */
export async function entityTag(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(body)));
  let text = "";
  for (const byte of digest.subarray(0, 12)) text += String.fromCharCode(byte);
  return `"${btoa(text).replaceAll("+", "-").replaceAll("/", "_")}"`;
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
  /** Answers being computed, by key and file version. */
  #inFlight = new Map<string, Promise<CachedAnswer>>();

  /** Build an empty cache. */
  constructor(options: ResponseCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 256;
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** The body cached for `key` at file `version`, or `undefined`. */
  get(key: string, version: string): string | undefined {
    return this.#entry(key, version)?.body;
  }

  #entry(key: string, version: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version) {
      this.#delete(key, entry);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry); // most recently used last
    return entry;
  }

  /**
   * Remember `body` for `key` at file `version` (skipped when larger than a
   * quarter of the budget), with its entity tag when known.
   */
  set(key: string, version: string, body: string, etag = ""): void {
    if (body.length > this.#maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old);
    this.#entries.set(key, { version, body, etag });
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
    return (await this.answer(path, key, compute)).body;
  }

  /**
   * {@linkcode getOrCompute}, with the answer's entity tag.
   *
   * HOT PATH (every API request): one `lstat`, one map lookup; no await
   * when the answer is cached.
   */
  answer(path: string, key: string, compute: () => Promise<string>): Promise<CachedAnswer> {
    let version: string | null;
    try {
      version = currentVersion(path);
    } catch (err) {
      return Promise.reject(err);
    }
    if (version === null) return compute().then(withTag);
    const cacheKey = `${path}\u0000${key}`;
    const cached = this.#entry(cacheKey, version);
    if (cached !== undefined) return Promise.resolve(cached);
    const flightKey = `${cacheKey}\u0000${version}`;
    let flight = this.#inFlight.get(flightKey);
    if (flight === undefined) {
      flight = compute().then(withTag).then((answer) => {
        if (version === currentVersion(path)) {
          this.set(cacheKey, version, answer.body, answer.etag);
        }
        return answer;
      }).finally(() => this.#inFlight.delete(flightKey));
      this.#inFlight.set(flightKey, flight);
    }
    return flight;
  }

  /**
   * The answer cached for `key` of the file at `path` while that file is
   * unchanged (one `lstat`), else `undefined`; never computes. The
   * connection guard answers repeated reads with it (`server/answer_door.ts`).
   */
  current(path: string, key: string): CachedAnswer | undefined {
    const version = currentVersion(path);
    return version === null ? undefined : this.#entry(`${path}\u0000${key}`, version);
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

/** The answer of a computed JSON body: ASCII-escaped (see `ascii_json.ts`) and tagged. */
async function withTag(json: string): Promise<CachedAnswer> {
  const body = asciiJson(json);
  return { body, etag: await entityTag(body) };
}
