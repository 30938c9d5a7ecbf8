/**
 * Where a fleet's events travel in NATS: one JetStream stream (default
 * `PEAK_EXEC`) whose subjects are `peak.exec.<host>.<session>`, one subject
 * per host and session, so a consumer can take one host (`peak.exec.<host>.*`)
 * or all of them (`peak.exec.>`). A dot separates subject tokens, so a dot in
 * a session id travels as `~` (a character session ids never contain).
 *
 * @module
 */
import { assertValidSessionId, isValidSessionId } from "../session_id.ts";
import { assertValidHostId, isValidHostId } from "./host_id.ts";

/**
 * The stream `ship` publishes to and `collect` reads from, unless told otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_FLEET_STREAM } from "@peak-trade/execution";
 * console.log(DEFAULT_FLEET_STREAM); // "PEAK_EXEC"
 * ```
 */
export const DEFAULT_FLEET_STREAM = "PEAK_EXEC";

/**
 * The first two tokens of every event subject.
 *
 * @example
 * ```ts
 * import { FLEET_SUBJECT_PREFIX } from "@peak-trade/execution";
 * console.log(`${FLEET_SUBJECT_PREFIX}.>`); // "peak.exec.>"
 * ```
 */
export const FLEET_SUBJECT_PREFIX = "peak.exec";

/**
 * The subjects of the fleet stream: every host and session.
 *
 * @example
 * ```ts
 * import { FLEET_STREAM_SUBJECTS } from "@peak-trade/execution";
 * console.log(FLEET_STREAM_SUBJECTS); // "peak.exec.>"
 * ```
 */
export const FLEET_STREAM_SUBJECTS = `${FLEET_SUBJECT_PREFIX}.>`;

/**
 * The prefix of the shippers' status subjects (`peak.fleet.status.<host>`):
 * plain NATS messages, not stored in the stream.
 *
 * @example
 * ```ts
 * import { FLEET_STATUS_SUBJECT_PREFIX } from "@peak-trade/execution";
 * console.log(`${FLEET_STATUS_SUBJECT_PREFIX}.ny4-01`); // "peak.fleet.status.ny4-01"
 * ```
 */
export const FLEET_STATUS_SUBJECT_PREFIX = "peak.fleet.status";

/** Stream names NATS accepts (no `.`, `*`, `>`, whitespace or path separators). */
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Whether `name` can name the fleet stream (1-64 letters, digits, `_`, `-`).
 *
 * @example
 * ```ts
 * import { isValidStreamName } from "@peak-trade/execution";
 * console.log(isValidStreamName("PEAK_EXEC")); // true
 * console.log(isValidStreamName("peak.exec")); // false
 * ```
 */
export function isValidStreamName(name: unknown): name is string {
  return typeof name === "string" && STREAM_NAME.test(name);
}

/**
 * The subject a host's session travels on: `peak.exec.<host>.<session>`, with
 * each `.` of the session id written as `~`.
 *
 * @throws {InvalidHostIdError} or `InvalidSessionIdError` for an invalid id.
 *
 * @example
 * ```ts
 * import { fleetSubject } from "@peak-trade/execution";
 * console.log(fleetSubject("ny4-01", "paper.2026-11-25")); // "peak.exec.ny4-01.paper~2026-11-25"
 * ```
 */
export function fleetSubject(hostId: string, sessionId: string): string {
  assertValidHostId(hostId);
  assertValidSessionId(sessionId);
  return `${FLEET_SUBJECT_PREFIX}.${hostId}.${sessionId.replaceAll(".", "~")}`;
}

/**
 * The host and session of an event subject, or `null` when `subject` is not
 * one (another prefix, a wrong number of tokens, an invalid id).
 *
 * @example
 * ```ts
 * import { parseFleetSubject } from "@peak-trade/execution";
 * console.log(parseFleetSubject("peak.exec.ny4-01.paper~1")); // { hostId: "ny4-01", sessionId: "paper.1" }
 * console.log(parseFleetSubject("orders.new")); // null
 * ```
 */
export function parseFleetSubject(
  subject: string,
): { hostId: string; sessionId: string } | null {
  const tokens = subject.split(".");
  if (tokens.length !== 4 || `${tokens[0]}.${tokens[1]}` !== FLEET_SUBJECT_PREFIX) return null;
  const hostId = tokens[2];
  const sessionId = tokens[3].replaceAll("~", ".");
  if (!isValidHostId(hostId) || !isValidSessionId(sessionId)) return null;
  return { hostId, sessionId };
}

/**
 * The subject filter of one host's sessions (`peak.exec.<host>.*`), or of
 * every host (`peak.exec.>`) without a host.
 *
 * @example
 * ```ts
 * import { fleetSubjectFilter } from "@peak-trade/execution";
 * console.log(fleetSubjectFilter("ny4-01")); // "peak.exec.ny4-01.*"
 * ```
 */
export function fleetSubjectFilter(hostId?: string): string {
  if (hostId === undefined) return FLEET_STREAM_SUBJECTS;
  assertValidHostId(hostId);
  return `${FLEET_SUBJECT_PREFIX}.${hostId}.*`;
}

/**
 * The subject a shipper publishes its status on.
 *
 * @example
 * ```ts
 * import { fleetStatusSubject } from "@peak-trade/execution";
 * console.log(fleetStatusSubject("ny4-01")); // "peak.fleet.status.ny4-01"
 * ```
 */
export function fleetStatusSubject(hostId: string): string {
  assertValidHostId(hostId);
  return `${FLEET_STATUS_SUBJECT_PREFIX}.${hostId}`;
}
