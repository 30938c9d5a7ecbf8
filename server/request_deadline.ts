/**
 * A deadline on the time to answer: a handler stuck on a file read, or
 * queued behind one (a session's summary is computed one at a time), is
 * answered `503 request_timeout` with `Retry-After` instead of holding the
 * client, its connection and a shutdown forever. The deadline covers the
 * time until the response starts; an event stream that has started is not
 * cut by it.
 *
 * @module
 */
import { jsonError } from "../web/errors.ts";

interface Pending {
  startedAt: number;
  expire: () => void;
}

/**
 * Answers within a fixed deadline. Every request has the same deadline, so
 * they expire in the order they started: one timer and a queue in arrival
 * order serve them all (a timer per request would cost more than the check).
 *
 * @example
 * ```ts
 * import { AnswerDeadline } from "./request_deadline.ts";
 * const deadline = new AnswerDeadline(10);
 * const res = await deadline.within(new Promise<Response>(() => {}));
 * console.log(res.status, res.headers.get("retry-after")); // 503 "5"
 * deadline.close();
 * ```
 */
export class AnswerDeadline {
  #ms: number;
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** When the timer last checked (or started): the next check judges the requests as of then. */
  #lastCheck = 0;
  #every: number;

  /**
   * Answer within `ms` milliseconds (checked every quarter of that, 10 ms to 1 s; a request is
   * answered 503 at the first check that follows a check made `ms` or more after it started).
   */
  constructor(ms: number) {
    this.#ms = ms;
    this.#every = Math.min(1000, Math.max(10, ms / 4));
  }

  /**
   * `answer`, or, when it is not ready within the deadline, a `503
   * request_timeout` answer (`onLate` is called then). A late answer that
   * arrives afterwards is dropped and its body cancelled.
   */
  within(answer: Promise<Response>, onLate?: () => void): Promise<Response> {
    const id = this.#nextId++;
    const { promise, resolve } = Promise.withResolvers<Response>();
    let settled = false;
    this.#pending.set(id, {
      startedAt: performance.now(),
      expire: () => {
        settled = true;
        onLate?.();
        resolve(jsonError(
          503,
          "request_timeout",
          `the server could not answer within ${this.#ms / 1000} s (a session file may be very ` +
            "large, or blocked); retry shortly",
          { "retry-after": "5" },
        ));
        // The late answer is dropped; cancelling its body releases a stream it may hold.
        answer.then((res) => res.body?.cancel(), () => {}).catch(() => {});
      },
    });
    if (this.#timer === null) {
      this.#lastCheck = performance.now();
      this.#timer = setInterval(() => this.#expire(), this.#every);
    }
    answer.then(
      (res) => {
        if (settled) return;
        this.#done(id);
        resolve(res);
      },
      (err) => {
        if (settled) return;
        this.#done(id);
        resolve(Promise.reject(err));
      },
    );
    return promise;
  }

  /** Stop the timer (requests still waiting keep waiting on their own answers). */
  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #done(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.close();
  }

  /**
   * Expire the requests that were over the deadline at the previous check. This check may run
   * right after the event loop stalled (a long synchronous task, a starved process), and a timer
   * that is due runs before the I/O that completed meanwhile is delivered: an answer that became
   * ready during the stall would be replaced by a 503. What was ready by the previous check has
   * been delivered by now. A deadline thus takes effect up to one more check (a quarter of it, at
   * most 1 s) later.
   */
  #expire(): void {
    const asOf = this.#lastCheck;
    this.#lastCheck = performance.now();
    const cutoff = asOf - this.#ms;
    for (const [id, pending] of this.#pending) {
      if (pending.startedAt > cutoff) break; // in arrival order: the rest are younger
      this.#pending.delete(id);
      pending.expire();
    }
    if (this.#pending.size === 0) this.close();
  }
}
