/**
 * What `ship` has delivered, kept in the log root it ships: one checkpoint
 * per session with the logical offset up to which JetStream acknowledged
 * every line, and a marker that says the root is shipped at all. A restart
 * resumes from the checkpoints, and retention asks {@linkcode unshippedFrom}
 * before deleting anything: bytes at or after that offset are not deleted.
 *
 * ```text
 * <root>/.fleet/ship/shipper.json          the marker: host, stream, since when
 * <root>/.fleet/ship/sessions/<sid>.json   a session's checkpoint (replaced atomically)
 * ```
 *
 * Offsets are the session's logical offsets (closed segments, then the
 * active file; see `segments.ts`), which stay valid across rotation and
 * compression.
 *
 * @module
 */
import { join } from "node:path";
import { assertValidSessionId } from "../session_id.ts";
import { gunzipSync } from "node:zlib";
import { readSessionLayoutSync } from "../telemetry/segments.ts";
import { writeFileAtomicSync } from "../atomic_file.ts";
import { readStateTextFile } from "../wire/regular_file.ts";
import { isValidHostId } from "./host_id.ts";
import { formatLineKey, type LineKey, parseLineKey } from "./line_key.ts";

/**
 * The directory under a log root that holds the fleet's state (never a
 * session: session ids cannot start with `.`).
 *
 * @example
 * ```ts
 * import { FLEET_STATE_DIR } from "@peak-trade/execution";
 * console.log(FLEET_STATE_DIR); // ".fleet"
 * ```
 */
export const FLEET_STATE_DIR = ".fleet";

/**
 * The `format` of a ship checkpoint.
 *
 * @example
 * ```ts
 * import { SHIP_CHECKPOINT_FORMAT } from "@peak-trade/execution";
 * console.log(SHIP_CHECKPOINT_FORMAT); // "peak-exec-ship/1"
 * ```
 */
export const SHIP_CHECKPOINT_FORMAT = "peak-exec-ship/1";

const MARKER_FORMAT = "peak-exec-shipper/1";
const MAX_STATE_BYTES = 64 * 1024;

/**
 * A session's shipping progress.
 *
 * @example
 * ```ts
 * import type { ShipCheckpoint } from "@peak-trade/execution";
 * const checkpoint: ShipCheckpoint = {
 *   session_id: "paper-1", host_id: "ny4-01", stream: "PEAK_EXEC",
 *   offset: 4096, last_key: { seq: 17, n: 0 }, lines: 17,
 *   updated_at: "2026-11-25T09:30:45.000Z",
 * };
 * ```
 */
export interface ShipCheckpoint {
  /** The session. */
  session_id: string;
  /** The host id it was shipped as. */
  host_id: string;
  /** The stream it was shipped to. */
  stream: string;
  /** Logical offset just after the last acknowledged line: where shipping resumes. */
  offset: number;
  /** Key of the last acknowledged line. */
  last_key: LineKey;
  /** Lines acknowledged so far (by this and earlier runs). */
  lines: number;
  /** When it was written (ISO 8601). */
  updated_at: string;
}

/**
 * That a log root is shipped: written by `ship` when it starts, before it
 * connects, so retention holds back unshipped data from then on.
 *
 * @example
 * ```ts
 * import type { ShipMarker } from "@peak-trade/execution";
 * const marker: ShipMarker = { host_id: "ny4-01", stream: "PEAK_EXEC", since: "2026-11-25T09:30:45.000Z" };
 * ```
 */
export interface ShipMarker {
  /** The host id the root is shipped as. */
  host_id: string;
  /** The stream it is shipped to. */
  stream: string;
  /** When shipping first started (ISO 8601). */
  since: string;
}

/**
 * A checkpoint or marker file that cannot be used.
 *
 * @example
 * ```ts
 * import { ShipStateError } from "@peak-trade/execution";
 * console.log(new ShipStateError("x").name); // "ShipStateError"
 * ```
 */
export class ShipStateError extends Error {
  /** `detail` says which file and what is wrong with it. */
  constructor(detail: string) {
    super(detail);
    this.name = "ShipStateError";
  }
}

/**
 * `<root>/.fleet/ship`: where `ship` keeps its marker and checkpoints.
 *
 * @example
 * ```ts
 * import { shipStateDir } from "@peak-trade/execution";
 * console.log(shipStateDir("logs/execution")); // "logs/execution/.fleet/ship"
 * ```
 */
export function shipStateDir(baseDir: string): string {
  return join(baseDir, FLEET_STATE_DIR, "ship");
}

/**
 * The path of a session's checkpoint.
 *
 * @example
 * ```ts
 * import { shipCheckpointPath } from "@peak-trade/execution";
 * console.log(shipCheckpointPath("logs/execution", "paper-1"));
 * // "logs/execution/.fleet/ship/sessions/paper-1.json"
 * ```
 */
export function shipCheckpointPath(baseDir: string, sessionId: string): string {
  assertValidSessionId(sessionId);
  return join(shipStateDir(baseDir), "sessions", `${sessionId}.json`);
}

/** The text of a checkpoint or marker file, or `null` when there is none (never follows a link). */
function readStateFile(path: string): string | null {
  const read = readStateTextFile(path, MAX_STATE_BYTES);
  if (read === null) return null;
  if ("problem" in read) throw new ShipStateError(`${path} is ${read.problem}`);
  return read.text;
}

/**
 * Read a session's checkpoint: `null` when there is none. Throws
 * {@linkcode ShipStateError} for a file that is not a checkpoint of this
 * session.
 *
 * @example
 * ```ts
 * import { readShipCheckpointSync } from "@peak-trade/execution";
 * console.log(readShipCheckpointSync("logs/execution", "never-shipped")); // null
 * ```
 */
export function readShipCheckpointSync(baseDir: string, sessionId: string): ShipCheckpoint | null {
  const path = shipCheckpointPath(baseDir, sessionId);
  const text = readStateFile(path);
  if (text === null) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShipStateError(`${path} is not JSON`);
  }
  const key = typeof value?.last_key === "string" ? parseLineKey(value.last_key) : null;
  const offset = value?.offset;
  const lines = value?.lines;
  if (
    value?.format !== SHIP_CHECKPOINT_FORMAT || value.session_id !== sessionId || key === null ||
    typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0 ||
    typeof lines !== "number" || !Number.isSafeInteger(lines) || lines < 0 ||
    !isValidHostId(value.host_id) || typeof value.stream !== "string"
  ) {
    throw new ShipStateError(
      `${path} is not a ${SHIP_CHECKPOINT_FORMAT} checkpoint of ${sessionId}`,
    );
  }
  return {
    session_id: sessionId,
    host_id: value.host_id,
    stream: value.stream,
    offset,
    last_key: key,
    lines,
    updated_at: String(value.updated_at ?? ""),
  };
}

/**
 * Replace a session's checkpoint atomically (see {@linkcode writeFileAtomicSync}).
 *
 * @example
 * ```ts
 * import { readShipCheckpointSync, writeShipCheckpointSync } from "@peak-trade/execution";
 * writeShipCheckpointSync("logs/execution", {
 *   session_id: "example-1", host_id: "ny4-01", stream: "PEAK_EXEC",
 *   offset: 0, last_key: { seq: 0, n: 0 }, lines: 0, updated_at: new Date().toISOString(),
 * });
 * console.log(readShipCheckpointSync("logs/execution", "example-1")?.offset); // 0
 * ```
 */
export function writeShipCheckpointSync(baseDir: string, checkpoint: ShipCheckpoint): void {
  const path = shipCheckpointPath(baseDir, checkpoint.session_id);
  writeFileAtomicSync(
    path,
    `${
      JSON.stringify({
        format: SHIP_CHECKPOINT_FORMAT,
        session_id: checkpoint.session_id,
        host_id: checkpoint.host_id,
        stream: checkpoint.stream,
        offset: checkpoint.offset,
        last_key: formatLineKey(checkpoint.last_key),
        lines: checkpoint.lines,
        updated_at: checkpoint.updated_at,
      })
    }\n`,
  );
}

function markerPath(baseDir: string): string {
  return join(shipStateDir(baseDir), "shipper.json");
}

/**
 * The marker of a shipped log root, or `null` when the root is not shipped.
 * Throws {@linkcode ShipStateError} for an unusable marker file.
 *
 * @example
 * ```ts
 * import { readShipMarkerSync } from "@peak-trade/execution";
 * console.log(readShipMarkerSync("logs/never-shipped")); // null
 * ```
 */
export function readShipMarkerSync(baseDir: string): ShipMarker | null {
  const path = markerPath(baseDir);
  const text = readStateFile(path);
  if (text === null) return null;
  try {
    const value = JSON.parse(text);
    if (
      value?.format === MARKER_FORMAT && isValidHostId(value.host_id) &&
      typeof value.stream === "string" && typeof value.since === "string"
    ) {
      return { host_id: value.host_id, stream: value.stream, since: value.since };
    }
  } catch {
    // reported below
  }
  throw new ShipStateError(`${path} is not a ${MARKER_FORMAT} marker`);
}

/**
 * Mark `baseDir` as shipped as `hostId` to `stream` (kept when it already
 * says so, so `since` stays the first start).
 *
 * @example
 * ```ts
 * import { markShippedRootSync, readShipMarkerSync } from "@peak-trade/execution";
 * markShippedRootSync("logs/example-root", "ny4-01", "PEAK_EXEC");
 * console.log(readShipMarkerSync("logs/example-root")?.host_id); // "ny4-01"
 * ```
 */
export function markShippedRootSync(baseDir: string, hostId: string, stream: string): ShipMarker {
  let current: ShipMarker | null = null;
  try {
    current = readShipMarkerSync(baseDir);
  } catch (err) {
    if (!(err instanceof ShipStateError)) throw err;
  }
  if (current !== null && current.host_id === hostId && current.stream === stream) return current;
  const marker = { host_id: hostId, stream, since: new Date().toISOString() };
  writeFileAtomicSync(
    markerPath(baseDir),
    `${JSON.stringify({ format: MARKER_FORMAT, ...marker })}\n`,
  );
  return marker;
}

/**
 * The logical offset from which `sessionId` has not been shipped yet, for
 * retention: bytes before it are acknowledged by JetStream and may be
 * deleted; bytes at or after it must stay. `null` when the root is not
 * shipped (no marker: retention is not constrained). A session without a
 * checkpoint, or with one that cannot be read, has shipped nothing (0).
 *
 * @example
 * ```ts
 * import { unshippedFrom } from "@peak-trade/execution";
 * const from = unshippedFrom("logs/execution", "paper-1");
 * console.log(from === null ? "not shipped" : `unshipped from byte ${from}`);
 * ```
 */
export function unshippedFrom(baseDir: string, sessionId: string): number | null {
  assertValidSessionId(sessionId);
  try {
    if (readShipMarkerSync(baseDir) === null) return null;
  } catch (err) {
    if (!(err instanceof ShipStateError)) throw err;
    // A damaged marker still says the root is shipped: be conservative.
  }
  try {
    return readShipCheckpointSync(baseDir, sessionId)?.offset ?? 0;
  } catch (err) {
    if (err instanceof ShipStateError) return 0;
    throw err;
  }
}

/**
 * Whether retention may delete a session's bytes up to logical offset `end`
 * (a closed segment's `start_offset + bytes`, or a whole session's end):
 * always when the root is not shipped, else only once `end` ≤
 * {@linkcode unshippedFrom}.
 *
 * @example
 * ```ts
 * import { shippingAllowsDelete } from "@peak-trade/execution";
 * console.log(shippingAllowsDelete("logs/never-shipped", "paper-1", 1_000_000)); // true
 * ```
 */
export function shippingAllowsDelete(baseDir: string, sessionId: string, end: number): boolean {
  const from = unshippedFrom(baseDir, sessionId);
  return from === null || end <= from;
}

/**
 * Whether retention may delete a whole session: always when the root is not
 * shipped, else only once its logical end (the end of its active file, of
 * its last closed segment, or of its whole-session archive) is shipped.
 *
 * @example
 * ```ts
 * import { shippingAllowsSessionDelete } from "@peak-trade/execution";
 * console.log(shippingAllowsSessionDelete("logs/never-shipped", "paper-1")); // true
 * ```
 */
export function shippingAllowsSessionDelete(baseDir: string, sessionId: string): boolean {
  const from = unshippedFrom(baseDir, sessionId);
  if (from === null) return true;
  const layout = readSessionLayoutSync(baseDir, sessionId);
  let end = layout.base;
  const active = lstatOrNull(layout.activePath);
  if (active?.isFile) {
    end += active.size;
  } else if (layout.segments.length === 0) {
    const archive = lstatOrNull(layout.archivePath);
    // Only for a session that is all archive (rare, and finished): its uncompressed size.
    if (archive?.isFile) end = gunzipSync(Deno.readFileSync(layout.archivePath)).length;
  }
  return end <= from;
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}
