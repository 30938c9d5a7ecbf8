/**
 * The fleet's message: a batch of complete JSONL lines of one host's session,
 * byte for byte as the host's file holds them, with headers that say whose
 * they are and which lines they carry (by {@linkcode LineKey}). Its
 * `Nats-Msg-Id` is derived from the host, the session and the keys of its
 * first and last line, so JetStream drops a batch published twice within its
 * duplicate window.
 *
 * ```text
 * subject        peak.exec.<host>.<session, . as ~>
 * Nats-Msg-Id    <host>/<session>/<first key>-<last key>
 * Peak-Format    peak-exec-batch/1
 * Peak-Host      <host id>          Peak-Session   <session id>
 * Peak-Prev-Key  key of the line before the batch in the host's file (absent: unknown)
 * Peak-First-Key, Peak-Last-Key, Peak-Lines, Peak-Offset (logical offset of the first byte)
 * body           the lines, each ending with \n
 * ```
 *
 * @module
 */
import { isValidSessionId } from "../session_id.ts";
import { isValidHostId } from "./host_id.ts";
import { fleetSubject } from "./subjects.ts";
import {
  compareLineKeys,
  formatLineKey,
  type LineKey,
  lineSeq,
  parseLineKey,
  START_LINE_KEY,
} from "./line_key.ts";

/**
 * The `Peak-Format` of a batch this version writes and reads.
 *
 * @example
 * ```ts
 * import { FLEET_BATCH_FORMAT } from "@peak-trade/execution";
 * console.log(FLEET_BATCH_FORMAT); // "peak-exec-batch/1"
 * ```
 */
export const FLEET_BATCH_FORMAT = "peak-exec-batch/1";

/**
 * The header names of a batch.
 *
 * @example
 * ```ts
 * import { FLEET_BATCH_HEADERS } from "@peak-trade/execution";
 * console.log(FLEET_BATCH_HEADERS.firstKey); // "Peak-First-Key"
 * ```
 */
export const FLEET_BATCH_HEADERS: Readonly<{
  format: string;
  host: string;
  session: string;
  prevKey: string;
  firstKey: string;
  lastKey: string;
  lines: string;
  offset: string;
}> = Object.freeze({
  format: "Peak-Format",
  host: "Peak-Host",
  session: "Peak-Session",
  prevKey: "Peak-Prev-Key",
  firstKey: "Peak-First-Key",
  lastKey: "Peak-Last-Key",
  lines: "Peak-Lines",
  offset: "Peak-Offset",
});

const LF = 0x0a;

/**
 * The lines of a batch body: where each ends (after its `\n`) and its key.
 *
 * @example
 * ```ts
 * import { scanBatchLines, START_LINE_KEY } from "@peak-trade/execution";
 * const lines = scanBatchLines(new TextEncoder().encode('{"seq":1}\n{"seq":2}\n'), START_LINE_KEY)!;
 * console.log(lines.count, lines.last); // 2 { seq: 2, n: 0 }
 * ```
 */
export interface BatchLines {
  /** Number of lines. */
  count: number;
  /** Offset just after each line's `\n`, within the body. */
  ends: Uint32Array;
  /** Each line's key `seq`. */
  seqs: Float64Array;
  /** Each line's key `n`. */
  ns: Float64Array;
  /** Key of the first line. */
  first: LineKey;
  /** Key of the last line. */
  last: LineKey;
  /** Every key is greater than the one before (true for any file our writer wrote). */
  ascending: boolean;
}

/**
 * Split `body` (complete lines, ending with `\n`) into lines and give each its
 * key, counting on from `previous` (the key of the line before the body).
 * `null` for an empty body or one that does not end with `\n`.
 *
 * @example
 * ```ts
 * import { scanBatchLines } from "@peak-trade/execution";
 * const body = new TextEncoder().encode('{"seq":7}\nnot json\n');
 * console.log(scanBatchLines(body, { seq: 6, n: 0 })?.last); // { seq: 7, n: 1 }
 * ```
 */
export function scanBatchLines(body: Uint8Array, previous: LineKey): BatchLines | null {
  if (body.length === 0 || body[body.length - 1] !== LF) return null;
  // HOT PATH (every shipped and collected line): one pass, arrays grown by doubling.
  let capacity = Math.max(16, body.length >> 8);
  let ends = new Uint32Array(capacity);
  let seqs = new Float64Array(capacity);
  let ns = new Float64Array(capacity);
  let seq = previous.seq;
  let n = previous.n;
  let ascending = true;
  let count = 0;
  for (let start = 0; start < body.length; count++) {
    const end = body.indexOf(LF, start);
    const own = lineSeq(body, start, end);
    if (own !== null) {
      // (own, 0) follows (seq, n) only when own > seq: else the file's seq went backwards.
      if (own <= seq) ascending = false;
      seq = own;
      n = 0;
    } else {
      n++;
    }
    if (count === capacity) {
      capacity *= 2;
      ends = grow(ends, new Uint32Array(capacity));
      seqs = grow(seqs, new Float64Array(capacity));
      ns = grow(ns, new Float64Array(capacity));
    }
    ends[count] = end + 1;
    seqs[count] = seq;
    ns[count] = n;
    start = end + 1;
  }
  return {
    count,
    ends: ends.subarray(0, count),
    seqs: seqs.subarray(0, count),
    ns: ns.subarray(0, count),
    first: { seq: seqs[0], n: ns[0] },
    last: { seq: seqs[count - 1], n: ns[count - 1] },
    ascending,
  };
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * The `Nats-Msg-Id` of a batch: `<host>/<session>/<first key>-<last key>`.
 *
 * @example
 * ```ts
 * import { fleetBatchMessageId } from "@peak-trade/execution";
 * console.log(fleetBatchMessageId("ny4-01", "paper-1", { seq: 1, n: 0 }, { seq: 500, n: 0 }));
 * // "ny4-01/paper-1/1-500"
 * ```
 */
export function fleetBatchMessageId(
  hostId: string,
  sessionId: string,
  first: LineKey,
  last: LineKey,
): string {
  return `${hostId}/${sessionId}/${formatLineKey(first)}-${formatLineKey(last)}`;
}

/**
 * What a batch says about itself, for its headers.
 *
 * @example
 * ```ts
 * import type { FleetBatchDescription } from "@peak-trade/execution";
 * const d: FleetBatchDescription = {
 *   hostId: "ny4-01", sessionId: "paper-1", prevKey: { seq: 0, n: 0 },
 *   firstKey: { seq: 1, n: 0 }, lastKey: { seq: 2, n: 0 }, lines: 2, offset: 0,
 * };
 * ```
 */
export interface FleetBatchDescription {
  /** The host that shipped it. */
  hostId: string;
  /** The session on that host. */
  sessionId: string;
  /** Key of the line before it in the host's file, or `null` when not known. */
  prevKey: LineKey | null;
  /** Key of its first line. */
  firstKey: LineKey;
  /** Key of its last line. */
  lastKey: LineKey;
  /** Number of lines. */
  lines: number;
  /** Logical offset of its first byte in the host's session, or `null`. */
  offset: number | null;
}

/**
 * The headers of a batch, as name and value pairs (`Nats-Msg-Id` is set by
 * the publisher from {@linkcode fleetBatchMessageId}).
 *
 * @example
 * ```ts
 * import { fleetBatchHeaders } from "@peak-trade/execution";
 * const headers = fleetBatchHeaders({
 *   hostId: "ny4-01", sessionId: "paper-1", prevKey: { seq: 0, n: 0 },
 *   firstKey: { seq: 1, n: 0 }, lastKey: { seq: 2, n: 0 }, lines: 2, offset: 0,
 * });
 * console.log(headers[0]); // ["Peak-Format", "peak-exec-batch/1"]
 * ```
 */
export function fleetBatchHeaders(batch: FleetBatchDescription): Array<[string, string]> {
  const h = FLEET_BATCH_HEADERS;
  const pairs: Array<[string, string]> = [
    [h.format, FLEET_BATCH_FORMAT],
    [h.host, batch.hostId],
    [h.session, batch.sessionId],
    [h.firstKey, formatLineKey(batch.firstKey)],
    [h.lastKey, formatLineKey(batch.lastKey)],
    [h.lines, String(batch.lines)],
  ];
  if (batch.prevKey !== null) pairs.push([h.prevKey, formatLineKey(batch.prevKey)]);
  if (batch.offset !== null) pairs.push([h.offset, String(batch.offset)]);
  return pairs;
}

/**
 * A batch as `collect` receives it, checked: its headers agree with its
 * subject and its body.
 *
 * @example
 * ```ts
 * import { readFleetBatch } from "@peak-trade/execution";
 * const batch = readFleetBatch("orders.new", () => undefined, new Uint8Array());
 * console.log("foreign" in batch); // true
 * ```
 */
export interface FleetBatch extends FleetBatchDescription {
  /** The lines, byte for byte. */
  body: Uint8Array;
  /** The lines' ends and keys. */
  scan: BatchLines;
}

/**
 * Read and check a message of the fleet stream: its `subject`, a way to read
 * its headers, and its body. Anything that is not a batch of this format
 * (another producer on the subject, a damaged message) gives
 * `{foreign: why}`, to be counted and skipped.
 *
 * @example
 * ```ts
 * import { readFleetBatch } from "@peak-trade/execution";
 * const result = readFleetBatch("peak.exec.ny4-01.paper-1", () => undefined, new Uint8Array([0x7b]));
 * console.log("foreign" in result ? result.foreign : "a batch"); // "no Peak-Format header"
 * ```
 */
export function readFleetBatch(
  subject: string,
  header: (name: string) => string | undefined,
  body: Uint8Array,
): FleetBatch | { foreign: string } {
  const h = FLEET_BATCH_HEADERS;
  const format = header(h.format);
  if (format === undefined || format === "") return { foreign: "no Peak-Format header" };
  if (format !== FLEET_BATCH_FORMAT) {
    return { foreign: `Peak-Format ${JSON.stringify(format)} is not ${FLEET_BATCH_FORMAT}` };
  }
  const hostId = header(h.host);
  const sessionId = header(h.session);
  if (!isValidHostId(hostId)) return { foreign: "Peak-Host is not a valid host id" };
  if (!isValidSessionId(sessionId)) return { foreign: "Peak-Session is not a valid session id" };
  if (fleetSubject(hostId, sessionId) !== subject) {
    return { foreign: `subject ${subject} does not match Peak-Host and Peak-Session` };
  }
  const firstKey = parseLineKey(header(h.firstKey));
  const lastKey = parseLineKey(header(h.lastKey));
  const lines = Number(header(h.lines));
  if (firstKey === null || lastKey === null || !Number.isSafeInteger(lines) || lines < 1) {
    return { foreign: "Peak-First-Key, Peak-Last-Key or Peak-Lines missing or not valid" };
  }
  const prevText = header(h.prevKey);
  const prevKey = prevText === undefined || prevText === "" ? null : parseLineKey(prevText);
  if (prevText !== undefined && prevText !== "" && prevKey === null) {
    return { foreign: "Peak-Prev-Key is not a valid key" };
  }
  const offsetText = header(h.offset);
  const offset = offsetText === undefined || offsetText === "" ? null : Number(offsetText);
  if (offset !== null && !(Number.isSafeInteger(offset) && offset >= 0)) {
    return { foreign: "Peak-Offset is not a byte offset" };
  }
  // Count keys from the line before the batch; without it, from just before the first key.
  const before = prevKey ??
    (firstKey.n > 0 ? { seq: firstKey.seq, n: firstKey.n - 1 } : START_LINE_KEY);
  const scan = scanBatchLines(body, before);
  if (scan === null) return { foreign: "the body is empty or does not end with a newline" };
  if (scan.count !== lines) {
    return { foreign: `the body holds ${scan.count} lines, Peak-Lines says ${lines}` };
  }
  if (compareLineKeys(scan.first, firstKey) !== 0 || compareLineKeys(scan.last, lastKey) !== 0) {
    return { foreign: "the lines' keys do not match Peak-First-Key and Peak-Last-Key" };
  }
  return { hostId, sessionId, prevKey, firstKey, lastKey, lines, offset, body, scan };
}
