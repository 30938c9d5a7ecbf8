/**
 * Session ids name telemetry files (`<log root>/<session_id>.jsonl`), so they
 * are validated everywhere a session id enters: writers, readers, the CLI and
 * HTTP. A valid id can never name a path outside the log root.
 *
 * @module
 */

/**
 * The pattern a session id must match: a letter or digit, then up to 127
 * letters, digits, `.`, `_` or `-`. No `/`, `\`, NUL, spaces, and never `.` or
 * `..` (the first character cannot be a dot).
 *
 * @example
 * ```ts
 * import { SESSION_ID_PATTERN } from "@peak-trade/execution";
 * console.log(SESSION_ID_PATTERN.test("paper-2026-11-25")); // true
 * ```
 */
export const SESSION_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Whether `id` is a valid session id (see {@linkcode SESSION_ID_PATTERN}).
 *
 * @example
 * ```ts
 * import { isValidSessionId } from "@peak-trade/execution";
 * console.log(isValidSessionId("dryrun-20261125T101500Z")); // true
 * console.log(isValidSessionId("../etc/passwd")); // false
 * ```
 */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === "string" && SESSION_ID_PATTERN.test(id);
}

/**
 * Thrown by readers and the CLI when a session id is not valid. Its message
 * says what a valid id looks like.
 *
 * @example
 * ```ts
 * import { assertValidSessionId, InvalidSessionIdError } from "@peak-trade/execution";
 * try {
 *   assertValidSessionId("../x");
 * } catch (err) {
 *   console.log(err instanceof InvalidSessionIdError); // true
 * }
 * ```
 */
export class InvalidSessionIdError extends Error {
  /** Stable machine code. */
  readonly code = "SESSION_ID_INVALID";
  /** The refused id (as given; may be any value). */
  readonly sessionId: unknown;

  /** Build the error for the refused `sessionId`. */
  constructor(sessionId: unknown) {
    super(
      `invalid session id ${describeRefusedId(sessionId)}: use 1-128 characters from ` +
        `A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
    this.name = "InvalidSessionIdError";
    this.sessionId = sessionId;
  }
}

/**
 * Throw {@linkcode InvalidSessionIdError} unless `id` is a valid session id.
 *
 * @example
 * ```ts
 * import { assertValidSessionId } from "@peak-trade/execution";
 * assertValidSessionId("paper-1"); // returns; "../x" would throw
 * ```
 */
export function assertValidSessionId(id: unknown): asserts id is string {
  if (!isValidSessionId(id)) throw new InvalidSessionIdError(id);
}

/** Quote a refused id for a message without echoing control characters or megabytes. */
function describeRefusedId(id: unknown): string {
  if (typeof id !== "string") return `of type ${id === null ? "null" : typeof id}`;
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  // JSON.stringify escapes C0 controls; DEL and C1 controls are replaced so a terminal shows them inertly.
  return JSON.stringify(shown).replace(/[\u007f-\u009f]/g, "?") +
    (id.length > 40 ? ` (${id.length} characters)` : "");
}
