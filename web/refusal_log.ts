/**
 * One line per refused request or connection (bad `Host`, timeouts, limits,
 * wrong tokens), never a stack trace, and at most a few lines a second: a
 * client that sends garbage in a loop must not be able to fill the disk
 * through the server's log.
 *
 * @module
 */

/**
 * Options of {@linkcode RefusalLog}.
 *
 * @example
 * ```ts
 * import type { RefusalLogOptions } from "./refusal_log.ts";
 * const lines: string[] = [];
 * const options: RefusalLogOptions = { write: (line) => lines.push(line), maxPerSecond: 5 };
 * ```
 */
export interface RefusalLogOptions {
  /**
   * Where a line goes (without a trailing newline).
   * @default {(line) => console.error(line)}
   */
  write?: (line: string) => void;
  /**
   * Most lines written in one second; the rest are counted and the count is
   * written with the next line that gets through.
   * @default {20}
   */
  maxPerSecond?: number;
  /**
   * The clock, in milliseconds.
   * @default {Date.now}
   */
  now?: () => number;
}

/**
 * A rate-limited, one-line-per-event log of refusals.
 *
 * @example
 * ```ts
 * import { RefusalLog } from "./refusal_log.ts";
 * const lines: string[] = [];
 * const log = new RefusalLog({ write: (line) => lines.push(line) });
 * log.refused("400 invalid_host from 127.0.0.1: the port is not 1 to 65535");
 * console.log(lines[0]); // "dashboard: refused 400 invalid_host from 127.0.0.1: the port is not 1 to 65535"
 * ```
 */
export class RefusalLog {
  #write: (line: string) => void;
  #maxPerSecond: number;
  #now: () => number;
  #windowStart = -Infinity;
  #writtenInWindow = 0;
  #suppressed = 0;

  /** Build a log that writes through `options.write`. */
  constructor(options: RefusalLogOptions = {}) {
    this.#write = options.write ?? ((line) => console.error(line));
    this.#maxPerSecond = options.maxPerSecond ?? 20;
    this.#now = options.now ?? Date.now;
  }

  /** Log one refusal (`what` is one line: status, code, client and reason; newlines are replaced). */
  refused(what: string): void {
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#writtenInWindow = 0;
    }
    if (this.#writtenInWindow >= this.#maxPerSecond) {
      this.#suppressed++;
      return;
    }
    this.#writtenInWindow++;
    const skipped = this.#suppressed === 0
      ? ""
      : ` (${this.#suppressed} more refusals were not logged)`;
    this.#suppressed = 0;
    this.#write(`dashboard: refused ${what.replace(/[\r\n]+/g, " ")}${skipped}`);
  }
}
