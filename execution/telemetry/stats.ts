/**
 * The counters of `JsonlExecutionLogger`: the public snapshot type and the
 * live counters that the logger and its session queues update.
 *
 * @module
 */

/**
 * Counters of a {@linkcode JsonlExecutionLogger}; all are event counts unless
 * the name says otherwise.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger } from "@peak-trade/execution";
 * const logger = new JsonlExecutionLogger();
 * const { written, dropped, errors, refused } = logger.stats;
 * console.log(written, dropped, errors, refused); // 0 0 0 0
 * await logger.close();
 * ```
 */
export interface TelemetryStats {
  /** Events written to their session file (the logger's own `TELEMETRY_DROPPED` reports excluded). */
  written: number;
  /** Events lost: beyond the buffer cap, emitted after `close()`, unencodable, or still unwritten at close. */
  dropped: number;
  /** Failed attempts: opening or writing a file, fsync, encoding an event. */
  errors: number;
  /** Events refused because of an invalid session id or an unsafe session file (a symlink). */
  refused: number;
  /** Events waiting in memory to be written. */
  buffered: number;
  /** Size of the events waiting in memory, in bytes of their encoded lines. */
  bufferedBytes: number;
  /** Session files currently open. */
  openFiles: number;
}

/**
 * The live counters behind {@linkcode TelemetryStats}, shared by a logger and
 * its session queues. `buffered` and `bufferedBytes` cover every session's
 * queue and in-flight batch: they are what the memory cap is checked against.
 */
export class TelemetryCounters {
  written = 0;
  dropped = 0;
  errors = 0;
  refused = 0;
  buffered = 0;
  bufferedBytes = 0;

  /** The public snapshot, with the number of open files (counted by the caller). */
  snapshot(openFiles: number): TelemetryStats {
    return {
      written: this.written,
      dropped: this.dropped,
      errors: this.errors,
      refused: this.refused,
      buffered: this.buffered,
      bufferedBytes: this.bufferedBytes,
      openFiles,
    };
  }
}
