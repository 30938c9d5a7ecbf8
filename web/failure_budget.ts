/**
 * A per-client budget of failed token checks: a few wrong tokens are free
 * (typos), then each further failure locks the client out for twice as long
 * as the last (1 s, 2 s, 4 s … up to a minute), and during a lockout its
 * attempts are answered `429` with `Retry-After` without checking the token,
 * so guessing runs at about one try a minute instead of thousands a second.
 * Nothing waits on a timer: a locked-out request is answered at once, and
 * the lockout is a timestamp compared on the next attempt.
 *
 * @module
 */

/**
 * Options of {@linkcode FailureBudget}.
 *
 * @example
 * ```ts
 * import type { FailureBudgetOptions } from "./failure_budget.ts";
 * const options: FailureBudgetOptions = { freeFailures: 5, maxLockoutMs: 60_000 };
 * ```
 */
export interface FailureBudgetOptions {
  /**
   * Failures a client may have before lockouts begin.
   * @default {5}
   */
  freeFailures?: number;
  /**
   * The first lockout; each further failure doubles it.
   * @default {1000}
   */
  baseLockoutMs?: number;
  /**
   * The longest lockout.
   * @default {60000}
   */
  maxLockoutMs?: number;
  /**
   * A client with no failure for this long starts afresh.
   * @default {900000}
   */
  forgetAfterMs?: number;
  /**
   * Most clients remembered (the least recently failing are forgotten first),
   * so many addresses cannot grow the table without bound.
   * @default {10000}
   */
  maxClients?: number;
  /**
   * The clock, in milliseconds.
   * @default {Date.now}
   */
  now?: () => number;
}

interface ClientRecord {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/** Expand an IPv6 address to its eight groups (no zone id; `null` when it is no IPv6 address). */
function ipv6Groups(address: string): string[] | null {
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 1 || halves[1] === "" ? [] : halves[1].split(":");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...head, ...Array(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
}

/**
 * The key a client's failures are counted under: its IPv4 address, or the
 * /64 network of an IPv6 address (one host usually holds a whole /64, so
 * counting single IPv6 addresses would let it start afresh at will).
 *
 * @example
 * ```ts
 * import { clientKey } from "./failure_budget.ts";
 * console.log(clientKey("192.0.2.7")); // "192.0.2.7"
 * console.log(clientKey("2001:db8:1:2:aaaa::1")); // "2001:db8:1:2::/64"
 * ```
 */
export function clientKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (!bare.includes(":") || bare.includes(".")) return bare; // IPv4, or IPv4-mapped IPv6
  const groups = ipv6Groups(bare.split("%")[0]);
  if (groups === null) return bare;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Failed-attempt counts and lockouts per client.
 *
 * @example
 * ```ts
 * import { FailureBudget } from "./failure_budget.ts";
 * const budget = new FailureBudget({ freeFailures: 1 });
 * budget.fail("192.0.2.7");
 * console.log(budget.retryAfterSeconds("192.0.2.7")); // 0
 * budget.fail("192.0.2.7");
 * console.log(budget.retryAfterSeconds("192.0.2.7")); // 1
 * ```
 */
export class FailureBudget {
  #clients = new Map<string, ClientRecord>();
  #freeFailures: number;
  #baseLockoutMs: number;
  #maxLockoutMs: number;
  #forgetAfterMs: number;
  #maxClients: number;
  #now: () => number;

  /** Build an empty budget. */
  constructor(options: FailureBudgetOptions = {}) {
    this.#freeFailures = options.freeFailures ?? 5;
    this.#baseLockoutMs = options.baseLockoutMs ?? 1000;
    this.#maxLockoutMs = options.maxLockoutMs ?? 60_000;
    this.#forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The client's record, or `undefined` (forgetting one whose last failure is long past). */
  #record(client: string): ClientRecord | undefined {
    const key = clientKey(client);
    const record = this.#clients.get(key);
    if (record !== undefined && this.#now() - record.lastFailure >= this.#forgetAfterMs) {
      this.#clients.delete(key);
      return undefined;
    }
    return record;
  }

  /** Seconds until `client` may try again (rounded up), or 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const record = this.#record(client);
    if (record === undefined) return 0;
    const wait = record.lockedUntil - this.#now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** Count a failure of `client`; returns the lockout it starts, in seconds (0 while still free). */
  fail(client: string): number {
    const key = clientKey(client);
    const now = this.#now();
    const record = this.#record(client) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    record.failures++;
    record.lastFailure = now;
    const over = record.failures - this.#freeFailures;
    if (over > 0) {
      // 2 ** 30 already exceeds any sensible maximum; the cap keeps the power finite.
      const lockout = Math.min(
        this.#maxLockoutMs,
        this.#baseLockoutMs * 2 ** Math.min(over - 1, 30),
      );
      record.lockedUntil = now + lockout;
    }
    this.#clients.delete(key);
    this.#clients.set(key, record); // most recent failure last
    while (this.#clients.size > this.#maxClients) {
      this.#clients.delete(this.#clients.keys().next().value!);
    }
    return over > 0 ? Math.ceil((record.lockedUntil - now) / 1000) : 0;
  }

  /** Forget `client`'s failures (it gave the right token). */
  succeed(client: string): void {
    this.#clients.delete(clientKey(client));
  }

  /** Number of clients with failures remembered. */
  get size(): number {
    return this.#clients.size;
  }
}
