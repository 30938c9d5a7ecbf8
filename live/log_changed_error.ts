/**
 * The error a reader throws when a session file keeps shrinking under it.
 *
 * @module
 */

/**
 * Thrown by {@linkcode getExecutionTimeline} when the session file shrank
 * (truncated or rotated in place) during every one of its bounded read
 * attempts. A caller can retry later; the dashboard answers it as a
 * temporary condition, not a server fault.
 *
 * @example
 * ```ts
 * import { getExecutionTimeline, SessionLogChangedError } from "@peak-trade/execution";
 * try {
 *   await getExecutionTimeline("demo");
 * } catch (err) {
 *   if (err instanceof SessionLogChangedError) console.warn(err.code, err.message);
 *   else throw err;
 * }
 * ```
 */
export class SessionLogChangedError extends Error {
  /** Stable machine code. */
  readonly code = "SESSION_LOG_CHANGED";
  /** The session whose file kept changing. */
  readonly sessionId: string;

  /** Build the error for `sessionId` after `attempts` reads that all saw the file shrink. */
  constructor(sessionId: string, attempts: number) {
    super(
      `the log of session ${sessionId} shrank while it was read (${attempts} attempts); ` +
        "it is being truncated or rotated, try again",
    );
    this.name = "SessionLogChangedError";
    this.sessionId = sessionId;
  }
}
