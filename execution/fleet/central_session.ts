/**
 * How a host's session is named in the central log root that `collect`
 * writes: `<host>.<session>`, a valid session id (a host id has no dot, so
 * the first dot separates the two). When the two together would be longer
 * than a session id may be (128 characters), the session part is cut and a
 * hash of the whole session id keeps it unique: `<host>.<start of session>-<16 hex>`.
 *
 * @module
 */
import { assertValidSessionId, SESSION_ID_PATTERN } from "../session_id.ts";
import { assertValidHostId } from "./host_id.ts";

/** Longest session id (see `SESSION_ID_PATTERN`). */
const MAX_SESSION_ID = 128;
/** `-` and 16 hex digits. */
const HASH_SUFFIX = 17;

/** Two 32-bit FNV-1a hashes of `text` (different offsets), as 16 hex digits. */
function fnvHex(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
    b = (b ^ (b >>> 15)) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

/**
 * The central session id of `sessionId` shipped by `hostId`: `<host>.<session>`
 * (cut and hashed when longer than 128 characters). Always a valid session id.
 *
 * @throws {InvalidHostIdError} or `InvalidSessionIdError` for an invalid id.
 *
 * @example
 * ```ts
 * import { centralSessionId } from "@peak-trade/execution";
 * console.log(centralSessionId("ny4-01", "paper-1")); // "ny4-01.paper-1"
 * ```
 */
export function centralSessionId(hostId: string, sessionId: string): string {
  assertValidHostId(hostId);
  assertValidSessionId(sessionId);
  const full = `${hostId}.${sessionId}`;
  if (full.length <= MAX_SESSION_ID) return full;
  const keep = MAX_SESSION_ID - hostId.length - 1 - HASH_SUFFIX;
  const id = `${hostId}.${sessionId.slice(0, keep)}-${fnvHex(sessionId)}`;
  // The cut session part may end in `.`, `_` or `-`: still a valid id (checked for certainty).
  if (!SESSION_ID_PATTERN.test(id)) throw new Error(`central session id ${id} is not valid`);
  return id;
}
