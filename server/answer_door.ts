/**
 * Answers the connection guard gives itself: a repeated read of a cached API
 * answer, written straight to the client's socket, without the hop through
 * the HTTP server behind the guard (the private socket, the second HTTP
 * parse, the router and the middleware).
 *
 * The app teaches the door: each time it answers a request target from its
 * response cache, it remembers which cache entry that target reads
 * ({@linkcode AnswerDoor.remember}). The same target means the same
 * parameters, so the same entry; the door answers it only while that entry
 * is current (one `lstat`, as the app does) and only a request the app would
 * answer the same way:
 *
 * - `GET` over HTTP/1.1, no body, no `Connection` but `keep-alive`, none of
 *   `Upgrade`, `Expect`, `Range` or the other conditionals than
 *   `If-None-Match` (answered `304` as the app does);
 * - without a token: a loopback `Host` (the app's `loopbackHostOnly`);
 *   with one: `Authorization: Bearer <the token>` from an address the
 *   failure budget does not hold back (a login cookie, a wrong token or a
 *   held-back address goes to the app, which answers it as before).
 *
 * Anything else returns `null`, and the guard forwards the request. The
 * bytes are the app's: the same status line, headers (security headers,
 * `ETag`, `cache-control: no-store`) and body, with the `date` of the second;
 * each answer is observed in the request-duration histogram under the
 * route's own series.
 *
 * @module
 */
import type { Histogram } from "prom-client";
import type { TokenGuard } from "../web/auth.ts";
import { ifNoneMatches } from "../web/cached_answer.ts";
import type { FailureBudget } from "../web/failure_budget.ts";
import { isLoopbackHost } from "../web/host_check.ts";
import { parseHostHeader } from "../web/host_header.ts";
import { type RequestLabel, RequestSeries } from "../web/request_metrics.ts";
import type { CachedAnswer, ResponseCache } from "../web/response_cache.ts";
import type { DoorRegistry } from "../web/route.ts";
import { SECURITY_HEADERS } from "../web/security_headers.ts";
import type { RequestHead } from "./request_head.ts";

/**
 * What the door answers from: the app's response cache, its request
 * histogram and, when a token protects it, its token and failure budget.
 *
 * @example
 * ```ts
 * import type { DoorSource } from "./answer_door.ts";
 * import { ResponseCache } from "../web/response_cache.ts";
 * import { DashboardMetrics } from "../web/dashboard_metrics.ts";
 * const source: DoorSource = {
 *   cache: new ResponseCache(),
 *   histogram: new DashboardMetrics({ logDir: "logs/execution" }).requestDuration,
 *   token: null,
 * };
 * ```
 */
export interface DoorSource {
  /** The app's response cache. */
  cache: ResponseCache;
  /** The app's request-duration histogram. */
  histogram: Histogram<RequestLabel>;
  /** The token guard and failure budget when a token protects the app, else `null`. */
  token: { guard: TokenGuard; failures: FailureBudget } | null;
}

/**
 * What the door made of one request head: the parts of its answer that do
 * not change while the head is repeated (a keep-alive client polling sends
 * the same head each time, and the guard keeps this with its parse).
 *
 * @example
 * ```ts
 * import type { DoorTicket } from "./answer_door.ts";
 * const ticket: DoorTicket = { target: "/api/live/execution/s1?limit=200", ifNoneMatch: null };
 * ```
 */
export interface DoorTicket {
  /** The request target, as sent. */
  readonly target: string;
  /** The `If-None-Match` value, or `null`. */
  readonly ifNoneMatch: string | null;
}

/**
 * Options of {@linkcode AnswerDoor}.
 *
 * @example
 * ```ts
 * import type { AnswerDoorOptions } from "./answer_door.ts";
 * const options: AnswerDoorOptions = { maxTargets: 1024 };
 * ```
 */
export interface AnswerDoorOptions {
  /**
   * Most request targets remembered (the least recently taught forgotten first).
   * @default {1024}
   */
  maxTargets?: number;
  /** The clock for the `date` header (epoch ms); tests set it. */
  now?: () => number;
}

/**
 * An answer of the door: its bytes, and what the request metrics record
 * once they are written ({@linkcode AnswerDoor.delivered}).
 *
 * @example
 * ```ts
 * import type { DoorAnswer } from "./answer_door.ts";
 * const answer: DoorAnswer = {
 *   bytes: new TextEncoder().encode("HTTP/1.1 304 Not Modified\r\n\r\n"),
 *   route: "/api/live/execution/:session",
 *   statusClass: "3xx",
 *   ms: 0.01,
 * };
 * ```
 */
export interface DoorAnswer {
  /** The complete HTTP response. */
  readonly bytes: Uint8Array;
  /** The route pattern it answers (the `route` label). */
  readonly route: string;
  /** `2xx` or `3xx` (the `status_class` label). */
  readonly statusClass: "2xx" | "3xx";
  /** Milliseconds the door took to find it. */
  readonly ms: number;
}

interface Lesson {
  route: string;
  path: string;
  key: string;
}

/** One cached answer's bytes on the wire, for the second their `date` names. */
interface Wire {
  second: number;
  full: Uint8Array;
  notModified: Uint8Array;
}

/** Headers that ask for more than a plain read: the app (or hyper) answers them. */
const FORWARDED_HEADERS = new Set([
  "upgrade",
  "expect",
  "range",
  "if-range",
  "if-match",
  "if-modified-since",
  "if-unmodified-since",
  "content-length",
]);
const BEARER = /^Bearer[ ]+(\S+)\s*$/i;
/** Bearer values already checked against the token (a handful of clients reuse theirs). */
const MAX_CHECKED_BEARERS = 64;
const METHOD = "GET";
const encoder = new TextEncoder();

/** The header lines of a cached JSON answer, as the app builds them (`cached_answer.ts`). */
function headerLines(pairs: ReadonlyArray<readonly [string, string]>): string {
  let text = "";
  for (const [name, value] of pairs) text += `${name}: ${value}\r\n`;
  return text;
}
const FULL_HEADERS = headerLines([
  ["content-type", "application/json"],
  ["cache-control", "no-store"],
  ...SECURITY_HEADERS,
]);
const NOT_MODIFIED_HEADERS = headerLines([["cache-control", "no-store"], ...SECURITY_HEADERS]);

/**
 * The request target of a request URL as `Deno.serve` builds it (the
 * scheme, the authority, then the target exactly as the client sent it).
 *
 * @example
 * ```ts
 * import { requestTarget } from "./answer_door.ts";
 * console.log(requestTarget("http://127.0.0.1:8000/api/live/execution/s1?limit=5")); // "/api/live/execution/s1?limit=5"
 * ```
 */
export function requestTarget(url: string): string {
  const authority = url.indexOf("//");
  const slash = url.indexOf("/", authority === -1 ? 0 : authority + 2);
  return slash === -1 ? "/" : url.slice(slash);
}

/**
 * The guard's own answers to repeated reads of cached API answers.
 *
 * @example
 * ```ts
 * import { AnswerDoor } from "./answer_door.ts";
 * import { ResponseCache } from "../web/response_cache.ts";
 * import { DashboardMetrics } from "../web/dashboard_metrics.ts";
 * const door = new AnswerDoor();
 * door.serveFrom({
 *   cache: new ResponseCache(),
 *   histogram: new DashboardMetrics({ logDir: "logs/execution" }).requestDuration,
 *   token: null,
 * });
 * // Nothing taught yet: every request goes to the app.
 * console.log(door.answer({ target: "/api/live/execution/s1", ifNoneMatch: null }, "127.0.0.1")); // null
 * ```
 */
export class AnswerDoor implements DoorRegistry {
  #source: DoorSource | null = null;
  #lessons = new Map<string, Lesson>();
  #maxTargets: number;
  #now: () => number;
  #wires = new WeakMap<CachedAnswer, Wire>();
  #checkedBearers = new Map<string, boolean>();
  #series: RequestSeries | null = null;

  /** A door that answers nothing until {@linkcode serveFrom} and {@linkcode remember}. */
  constructor(options: AnswerDoorOptions = {}) {
    this.#maxTargets = Math.max(1, options.maxTargets ?? 1024);
    this.#now = options.now ?? Date.now;
  }

  /** Answer from `source` (the app calls this once, when it is built). */
  serveFrom(source: DoorSource): void {
    this.#source = source;
    this.#series = new RequestSeries(source.histogram);
  }

  /**
   * The app answered the request for `url` from the cache entry `key` of the
   * file at `path`, under the route pattern `route`: the door may answer the
   * same target from that entry while it is current.
   */
  remember(url: string, route: string, path: string, key: string): void {
    if (this.#source === null) return;
    const target = requestTarget(url);
    this.#lessons.delete(target);
    this.#lessons.set(target, { route, path, key });
    if (this.#lessons.size > this.#maxTargets) {
      this.#lessons.delete(this.#lessons.keys().next().value!);
    }
  }

  /**
   * What the door makes of a request head, or `null` when it would never
   * answer that head (it goes to the app). Asynchronous only the first time
   * a bearer token is seen.
   */
  async ticket(parsed: RequestHead): Promise<DoorTicket | null> {
    const source = this.#source;
    if (source === null) return null;
    if (parsed.method !== METHOD || parsed.version !== "1.1" || parsed.bodyLength !== 0) {
      return null;
    }
    let host: string | null = null;
    let authorization: string | null = null;
    let ifNoneMatch: string | null = null;
    for (const [name, value] of parsed.headers) {
      if (FORWARDED_HEADERS.has(name)) return null;
      switch (name) {
        case "host":
          host = value;
          break;
        case "connection":
          if (value.toLowerCase() !== "keep-alive") return null;
          break;
        case "authorization":
          if (authorization !== null) return null;
          authorization = value;
          break;
        case "if-none-match":
          if (ifNoneMatch !== null) return null;
          ifNoneMatch = value;
          break;
      }
    }
    if (host === null) return null;
    const parsedHost = parseHostHeader(host);
    if (typeof parsedHost === "string") return null;
    if (source.token === null) {
      if (!isLoopbackHost(parsedHost.hostname)) return null;
    } else {
      const bearer = authorization === null ? undefined : BEARER.exec(authorization)?.[1];
      if (bearer === undefined || !(await this.#isToken(source.token.guard, bearer))) return null;
    }
    return { target: parsed.target, ifNoneMatch };
  }

  /**
   * The complete answer to a request with `ticket` from `client`, or `null`
   * when the app must answer it (nothing taught for the target, the entry
   * not current, or the client's address held back by the failure budget).
   * Call {@linkcode delivered} once its bytes are written.
   */
  answer(ticket: DoorTicket, client: string): DoorAnswer | null {
    const source = this.#source;
    if (source === null) return null;
    const lesson = this.#lessons.get(ticket.target);
    if (lesson === undefined) return null;
    const start = performance.now();
    const token = source.token;
    if (token !== null && token.failures.retryAfterSeconds(client) > 0) return null;
    let cached: CachedAnswer | undefined;
    try {
      cached = source.cache.current(lesson.path, lesson.key);
    } catch {
      return null; // the app says what is wrong with the file
    }
    if (cached === undefined || cached.etag === "") return null;
    const wire = this.#wire(cached);
    if (wire === null) return null;
    const notModified = ifNoneMatches(ticket.ifNoneMatch, cached.etag);
    return {
      bytes: notModified ? wire.notModified : wire.full,
      route: lesson.route,
      statusClass: notModified ? "3xx" : "2xx",
      ms: performance.now() - start,
    };
  }

  /**
   * `answer` was written to `client`: it is counted in the route's
   * request-duration series, and a token it carried counts as a success
   * for the client's failure budget (as the app's token check does).
   */
  delivered(answer: DoorAnswer, client: string): void {
    this.#source?.token?.failures.succeed(client);
    this.#series?.observe(answer.route, METHOD, answer.statusClass, answer.ms / 1000);
  }

  async #isToken(guard: TokenGuard, bearer: string): Promise<boolean> {
    let valid = this.#checkedBearers.get(bearer);
    if (valid === undefined) {
      valid = await guard.checkToken(bearer);
      if (this.#checkedBearers.size >= MAX_CHECKED_BEARERS) this.#checkedBearers.clear();
      this.#checkedBearers.set(bearer, valid);
    }
    return valid;
  }

  /**
   * The answer's bytes dated this second (rebuilt once a second while it is asked for), or
   * `null` for a body that is not ASCII (the cache escapes everything else; never expected).
   */
  #wire(cached: CachedAnswer): Wire | null {
    const now = this.#now();
    const second = Math.floor(now / 1000);
    const known = this.#wires.get(cached);
    if (known !== undefined && known.second === second) return known;
    const date = `date: ${new Date(second * 1000).toUTCString()}\r\n\r\n`;
    const etag = `etag: ${cached.etag}\r\n`;
    const body = cached.body; // ASCII (the cache escapes everything else): one byte a character
    const head =
      `HTTP/1.1 200 OK\r\n${etag}${FULL_HEADERS}content-length: ${body.length}\r\n${date}`;
    const full = new Uint8Array(head.length + body.length);
    encoder.encodeInto(head, full);
    if (known !== undefined) {
      full.set(known.full.subarray(known.full.length - body.length), head.length);
    } else if (encoder.encodeInto(body, full.subarray(head.length)).read !== body.length) {
      return null;
    }
    const notModified = encoder.encode(
      `HTTP/1.1 304 Not Modified\r\n${etag}${NOT_MODIFIED_HEADERS}${date}`,
    );
    const wire = { second, full, notModified };
    this.#wires.set(cached, wire);
    return wire;
  }
}
