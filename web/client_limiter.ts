/**
 * A per-client rate limit: at most `limit` attempts per client address in a
 * sliding `windowMs`, with the wait until the next allowed attempt (for a
 * `Retry-After` header). Memory is bounded: at most `maxClients` addresses
 * are remembered, the least recently seen forgotten first. One reusable
 * piece for every limit the dashboard needs (login attempts today).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

/**
 * Options of {@linkcode ClientLimiter}.
 *
 * @example
 * ```ts
 * import type { ClientLimiterOptions } from "./client_limiter.ts";
 * const options: ClientLimiterOptions = { limit: 10, windowMs: 60_000 };
 * ```
 */
export interface ClientLimiterOptions {
  /** Attempts allowed per client within the window. */
  limit: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /**
   * Clients remembered at most.
   * @default {10000}
   */
  maxClients?: number;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
}

/** What {@linkcode ClientLimiter.attempt} decided. */
export interface LimitDecision {
  /** Whether this attempt may go ahead. */
  allowed: boolean;
  /** Seconds until the next attempt would be allowed (0 when this one is). */
  retryAfterSeconds: number;
}

/**
 * Counts attempts per client and says whether one more is allowed.
 *
 * @example
 * ```ts
 * import { ClientLimiter } from "./client_limiter.ts";
 * const limiter = new ClientLimiter({ limit: 2, windowMs: 60_000 });
 * console.log(limiter.attempt("10.0.0.1").allowed, limiter.attempt("10.0.0.1").allowed); // true true
 * console.log(limiter.attempt("10.0.0.1")); // { allowed: false, retryAfterSeconds: 60 }
 * ```
 */
export class ClientLimiter {
  #limit: number;
  #windowMs: number;
  #maxClients: number;
  #now: () => number;
  /** Attempt times per client, oldest first (a sliding window). */
  #attempts = new Map<string, number[]>();

  /** A limiter of `limit` attempts per `windowMs` per client. */
  constructor(options: ClientLimiterOptions) {
    if (!(Number.isSafeInteger(options.limit) && options.limit > 0)) {
      throw new RangeError(`limit: expected a whole number > 0, got ${options.limit}`);
    }
    if (!(options.windowMs > 0)) {
      throw new RangeError(`windowMs: expected > 0, got ${options.windowMs}`);
    }
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Record an attempt by `client`; refused ones are not recorded. */
  attempt(client: string): LimitDecision {
    const now = this.#now();
    const times = (this.#attempts.get(client) ?? []).filter((t) => t > now - this.#windowMs);
    this.#attempts.delete(client);
    if (times.length >= this.#limit) {
      this.#attempts.set(client, times);
      const wait = times[0] + this.#windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    }
    times.push(now);
    this.#attempts.set(client, times); // most recently seen last
    if (this.#attempts.size > this.#maxClients) {
      this.#attempts.delete(this.#attempts.keys().next().value!);
    }
    return { allowed: true, retryAfterSeconds: 0 };
  }

  /** Clients remembered now. */
  get size(): number {
    return this.#attempts.size;
  }
}

/**
 * The client address of a request served by `Deno.serve` (Hono passes the
 * connection info as `c.env`), or `"unknown"` (e.g. in `app.request()`).
 *
 * @example
 * ```ts
 * import { clientAddress } from "./client_limiter.ts";
 * // in a Hono handler: const who = clientAddress(c);
 * ```
 */
export function clientAddress(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

/**
 * Middleware that answers `429` (JSON, with `Retry-After`) once a client has
 * used up its attempts; `methods` limits which requests count.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { ClientLimiter, rateLimit } from "./client_limiter.ts";
 * const app = new Hono();
 * app.use("/login", rateLimit(new ClientLimiter({ limit: 10, windowMs: 60_000 }), ["POST"]));
 * ```
 */
export function rateLimit(
  limiter: ClientLimiter,
  methods: readonly string[] = ["POST"],
): MiddlewareHandler {
  return async (c, next) => {
    if (!methods.includes(c.req.method)) return await next();
    const decision = limiter.attempt(clientAddress(c));
    if (decision.allowed) return await next();
    return jsonError(
      429,
      "too_many_attempts",
      `too many attempts from this address: wait ${decision.retryAfterSeconds} s and try again`,
      { "retry-after": String(decision.retryAfterSeconds) },
    );
  };
}
