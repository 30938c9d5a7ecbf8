/**
 * Retry delays for the fleet's network loops: exponential from a minimum to
 * a maximum, with jitter so a thousand hosts that lost the same server do
 * not come back in step; and a sleep that an abort ends early.
 *
 * @module
 */

/** Exponential retry delays with jitter. */
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  #current: number;

  /** Delays from `minMs`, doubling up to `maxMs`. */
  constructor(minMs = 500, maxMs = 30_000) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#current = minMs;
  }

  /** The next delay in milliseconds (±20 % jitter), and double the one after. */
  next(): number {
    const base = this.#current;
    this.#current = Math.min(this.#current * 2, this.#maxMs);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Start again from the minimum (after a success). */
  reset(): void {
    this.#current = this.#minMs;
  }
}

/** Sleep `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
