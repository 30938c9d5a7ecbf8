/**
 * Host ids name a trading host in a fleet: they are a token of the NATS
 * subject its events travel on (`peak.exec.<host>.<session>`) and the prefix
 * of its sessions' ids in the central log root (`<host>.<session>`), so they
 * may not contain a dot.
 *
 * @module
 */

/**
 * The pattern a host id must match: a letter or digit, then up to 62
 * letters, digits, `_` or `-` (no dot: it separates the host from the
 * session in subjects and central session ids).
 *
 * @example
 * ```ts
 * import { HOST_ID_PATTERN } from "@peak-trade/execution";
 * console.log(HOST_ID_PATTERN.test("ny4-trader-01")); // true
 * ```
 */
export const HOST_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * Whether `id` is a valid host id (see {@linkcode HOST_ID_PATTERN}).
 *
 * @example
 * ```ts
 * import { isValidHostId } from "@peak-trade/execution";
 * console.log(isValidHostId("ny4-trader-01")); // true
 * console.log(isValidHostId("ny4.trader")); // false
 * ```
 */
export function isValidHostId(id: unknown): id is string {
  return typeof id === "string" && HOST_ID_PATTERN.test(id);
}

/**
 * Thrown when a host id is not valid; the message says what a valid one looks like.
 *
 * @example
 * ```ts
 * import { assertValidHostId, InvalidHostIdError } from "@peak-trade/execution";
 * try {
 *   assertValidHostId("a.b");
 * } catch (err) {
 *   console.log(err instanceof InvalidHostIdError); // true
 * }
 * ```
 */
export class InvalidHostIdError extends Error {
  /** The refused id (as given). */
  readonly hostId: unknown;

  /** Build the error for the refused `hostId`. */
  constructor(hostId: unknown) {
    const shown = typeof hostId === "string"
      ? JSON.stringify(hostId.length > 40 ? `${hostId.slice(0, 40)}…` : hostId)
      : `of type ${hostId === null ? "null" : typeof hostId}`;
    super(
      `invalid host id ${shown}: use 1-63 characters from A-Z a-z 0-9 _ -, ` +
        "starting with a letter or digit (no dots)",
    );
    this.name = "InvalidHostIdError";
    this.hostId = hostId;
  }
}

/**
 * Throw {@linkcode InvalidHostIdError} unless `id` is a valid host id.
 *
 * @example
 * ```ts
 * import { assertValidHostId } from "@peak-trade/execution";
 * assertValidHostId("ny4-trader-01"); // returns; "a.b" would throw
 * ```
 */
export function assertValidHostId(id: unknown): asserts id is string {
  if (!isValidHostId(id)) throw new InvalidHostIdError(id);
}
