/**
 * The on-disk layout of a rotated session: where its closed segments and its
 * manifest live, what the manifest says, how it is read and written, and how
 * a session is one logical byte stream across its segments. The writer,
 * every reader, retention and fleet shipping use this one module.
 *
 * ```text
 * <root>/<sid>.jsonl                        the active segment (always this path)
 * <root>/.segments/<sid>/manifest.json      the manifest (written atomically)
 * <root>/.segments/<sid>/<NNNNNN>.jsonl     a closed segment not yet compressed
 * <root>/.segments/<sid>/<NNNNNN>.jsonl.gz  a closed, compressed segment
 * <root>/<sid>.jsonl.gz                     a whole-session archive (the original's retention)
 * ```
 *
 * Session ids never start with `.`, so `.segments` cannot collide with one.
 *
 * @module
 */
import { join } from "node:path";
import { assertValidSessionId } from "../session_id.ts";

/**
 * The directory under the log root that holds every rotated session's segments.
 *
 * @example
 * ```ts
 * import { SEGMENTS_DIR_NAME } from "@peak-trade/execution";
 * console.log(SEGMENTS_DIR_NAME); // ".segments"
 * ```
 */
export const SEGMENTS_DIR_NAME = ".segments";

/**
 * The `format` of a manifest this module writes and reads.
 *
 * @example
 * ```ts
 * import { SEGMENT_MANIFEST_FORMAT } from "@peak-trade/execution";
 * console.log(SEGMENT_MANIFEST_FORMAT); // "peak-exec-segments/1"
 * ```
 */
export const SEGMENT_MANIFEST_FORMAT = "peak-exec-segments/1";

/** Digits of a segment index in its file name (wider indexes keep all their digits). */
const INDEX_DIGITS = 6;
const SEGMENT_FILE = /^(\d{6,})\.jsonl(\.gz)?$/;
/** Largest manifest read (a manifest of 100,000 segments is a few tens of MiB; refuse beyond). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * Why a segment was closed.
 *
 * @example
 * ```ts
 * import type { RotationTrigger } from "@peak-trade/execution";
 * const trigger: RotationTrigger = "size";
 * ```
 */
export type RotationTrigger = "size" | "daily" | "request" | "repair";

/**
 * A gzip member of a compressed segment: where it starts in the compressed
 * file and in the segment's uncompressed bytes. Members hold whole lines, so
 * a reader can decompress from any member on.
 *
 * @example
 * ```ts
 * import type { SegmentMember } from "@peak-trade/execution";
 * const member: SegmentMember = { offset: 0, start: 0, first_seq: 1 };
 * ```
 */
export interface SegmentMember {
  /** Byte offset of the member in the `.gz` file. */
  offset: number;
  /** Uncompressed offset of its first byte within the segment. */
  start: number;
  /** `seq` of its first line, or `null` when that line has none. */
  first_seq: number | null;
}

/**
 * One closed segment as the manifest records it.
 *
 * @example
 * ```ts
 * import type { SegmentEntry } from "@peak-trade/execution";
 * const entry: SegmentEntry = {
 *   index: 1, file: "000001.jsonl", start_offset: 0, bytes: 512, compressed_bytes: null,
 *   lines: 2, first_seq: 1, last_seq: 2, first_ts: null, last_ts: null, sha256: null,
 *   members: [], trigger: "size", closed_at: "2026-11-25T09:30:45.000000+00:00", summary: null,
 * };
 * ```
 */
export interface SegmentEntry {
  /** 1-based index; segments are read in index order. */
  index: number;
  /** File name inside the session's segment directory (`NNNNNN.jsonl` or `NNNNNN.jsonl.gz`). */
  file: string;
  /** Logical offset of the segment's first byte in the session's byte stream. */
  start_offset: number;
  /** Uncompressed bytes (whole lines only). */
  bytes: number;
  /** Size of the `.gz` file, or `null` while not compressed. */
  compressed_bytes: number | null;
  /** Lines in the segment. */
  lines: number;
  /** `seq` of its first line that has one, or `null`. */
  first_seq: number | null;
  /** `seq` of its last line that has one, or `null`. */
  last_seq: number | null;
  /** Earliest timestamp in wire form, or `null`. */
  first_ts: string | null;
  /** Latest timestamp in wire form, or `null`. */
  last_ts: string | null;
  /** Hex SHA-256 of the uncompressed bytes, or `null` until computed. */
  sha256: string | null;
  /** The gzip members of the compressed file (empty while not compressed). */
  members: SegmentMember[];
  /** Why the segment was closed. */
  trigger: RotationTrigger;
  /** When it was closed (wire form). */
  closed_at: string;
  /**
   * The segment's summary counts (the shape the summary state serialises to),
   * or `null` until computed; readers then summarise the bytes themselves.
   */
  summary: Record<string, unknown> | null;
}

/**
 * A session's manifest: its closed segments in index order.
 *
 * @example
 * ```ts
 * import { emptySegmentManifest } from "@peak-trade/execution";
 * console.log(emptySegmentManifest("paper-1").segments.length); // 0
 * ```
 */
export interface SegmentManifest {
  /** Always {@linkcode SEGMENT_MANIFEST_FORMAT}. */
  format: string;
  /** The session the segments belong to. */
  session_id: string;
  /** Closed segments, ascending by index. */
  segments: SegmentEntry[];
}

/**
 * A manifest file that cannot be used (not JSON, wrong format, inconsistent).
 *
 * @example
 * ```ts
 * import { parseSegmentManifest, SegmentManifestError } from "@peak-trade/execution";
 * try {
 *   parseSegmentManifest("{}", "paper-1");
 * } catch (err) {
 *   console.log(err instanceof SegmentManifestError); // true
 * }
 * ```
 */
export class SegmentManifestError extends Error {
  /** `detail` says what is wrong. */
  constructor(detail: string) {
    super(`segment manifest: ${detail}`);
    this.name = "SegmentManifestError";
  }
}

/**
 * The directory holding a session's closed segments and manifest.
 *
 * @example
 * ```ts
 * import { segmentDir } from "@peak-trade/execution";
 * console.log(segmentDir("logs/execution", "paper-1")); // "logs/execution/.segments/paper-1"
 * ```
 */
export function segmentDir(baseDir: string, sessionId: string): string {
  assertValidSessionId(sessionId);
  return join(baseDir, SEGMENTS_DIR_NAME, sessionId);
}

/**
 * The path of a session's manifest.
 *
 * @example
 * ```ts
 * import { segmentManifestPath } from "@peak-trade/execution";
 * console.log(segmentManifestPath("logs/execution", "paper-1"));
 * // "logs/execution/.segments/paper-1/manifest.json"
 * ```
 */
export function segmentManifestPath(baseDir: string, sessionId: string): string {
  return join(segmentDir(baseDir, sessionId), "manifest.json");
}

/**
 * The path of a whole-session archive, `<root>/<sid>.jsonl.gz`.
 *
 * @example
 * ```ts
 * import { sessionArchivePath } from "@peak-trade/execution";
 * console.log(sessionArchivePath("logs/execution", "old-1")); // "logs/execution/old-1.jsonl.gz"
 * ```
 */
export function sessionArchivePath(baseDir: string, sessionId: string): string {
  assertValidSessionId(sessionId);
  return join(baseDir, `${sessionId}.jsonl.gz`);
}

/**
 * The file name of segment `index`: `NNNNNN.jsonl`, or `NNNNNN.jsonl.gz` when compressed.
 *
 * @example
 * ```ts
 * import { segmentFileName } from "@peak-trade/execution";
 * console.log(segmentFileName(7, true)); // "000007.jsonl.gz"
 * ```
 */
export function segmentFileName(index: number, compressed: boolean): string {
  if (!Number.isSafeInteger(index) || index < 1) {
    throw new RangeError(`segment index must be a positive integer, got ${index}`);
  }
  return `${String(index).padStart(INDEX_DIGITS, "0")}.jsonl${compressed ? ".gz" : ""}`;
}

/**
 * The index and compression of a segment file name, or `null` for any other name.
 *
 * @example
 * ```ts
 * import { parseSegmentFileName } from "@peak-trade/execution";
 * console.log(parseSegmentFileName("000007.jsonl.gz")); // { index: 7, compressed: true }
 * console.log(parseSegmentFileName("manifest.json")); // null
 * ```
 */
export function parseSegmentFileName(
  name: string,
): { index: number; compressed: boolean } | null {
  const m = SEGMENT_FILE.exec(name);
  if (m === null) return null;
  const index = Number(m[1]);
  return Number.isSafeInteger(index) && index >= 1
    ? { index, compressed: m[2] !== undefined }
    : null;
}

/**
 * A manifest with no segments.
 *
 * @example
 * ```ts
 * import { emptySegmentManifest } from "@peak-trade/execution";
 * console.log(emptySegmentManifest("paper-1").format); // "peak-exec-segments/1"
 * ```
 */
export function emptySegmentManifest(sessionId: string): SegmentManifest {
  assertValidSessionId(sessionId);
  return { format: SEGMENT_MANIFEST_FORMAT, session_id: sessionId, segments: [] };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function nullable<T>(value: unknown, check: (v: unknown) => v is T): value is T | null {
  return value === null || check(value);
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isMember(value: unknown): value is SegmentMember {
  const m = value as SegmentMember;
  return typeof value === "object" && value !== null && isCount(m.offset) && isCount(m.start) &&
    nullable(m.first_seq, isCount);
}

const TRIGGERS: readonly string[] = ["size", "daily", "request", "repair"];

/** The problem with `value` as a segment entry, or `null` when it is one. */
function entryProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "not an object";
  const e = value as SegmentEntry;
  if (!isCount(e.index) || e.index < 1) return "index must be a positive integer";
  const name = parseSegmentFileName(String(e.file));
  if (name === null || name.index !== e.index) return `file ${JSON.stringify(e.file)} ≠ its index`;
  if (!isCount(e.start_offset) || !isCount(e.bytes) || !isCount(e.lines)) {
    return "start_offset, bytes and lines must be integers ≥ 0";
  }
  if (!nullable(e.compressed_bytes, isCount)) return "compressed_bytes must be an integer or null";
  if (!nullable(e.first_seq, isCount) || !nullable(e.last_seq, isCount)) {
    return "first_seq and last_seq must be integers or null";
  }
  if (!nullable(e.first_ts, isString) || !nullable(e.last_ts, isString)) {
    return "first_ts and last_ts must be strings or null";
  }
  if (!nullable(e.sha256, isString)) return "sha256 must be a string or null";
  if (!Array.isArray(e.members) || !e.members.every(isMember)) return "members must be a list";
  if (!TRIGGERS.includes(e.trigger)) return `trigger must be one of ${TRIGGERS.join(", ")}`;
  if (!isString(e.closed_at)) return "closed_at must be a string";
  if (e.summary !== null && (typeof e.summary !== "object" || Array.isArray(e.summary))) {
    return "summary must be an object or null";
  }
  return null;
}

/**
 * Parse a manifest's text for `sessionId`. Throws {@linkcode SegmentManifestError}
 * when it is not a manifest of this format and session, or when its segments
 * overlap or are out of order.
 *
 * @example
 * ```ts
 * import { parseSegmentManifest, serializeSegmentManifest, emptySegmentManifest } from "@peak-trade/execution";
 * const text = serializeSegmentManifest(emptySegmentManifest("paper-1"));
 * console.log(parseSegmentManifest(text, "paper-1").session_id); // "paper-1"
 * ```
 */
export function parseSegmentManifest(text: string, sessionId: string): SegmentManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SegmentManifestError(`not JSON (${err instanceof Error ? err.message : err})`);
  }
  const m = value as SegmentManifest;
  if (typeof value !== "object" || value === null || m.format !== SEGMENT_MANIFEST_FORMAT) {
    throw new SegmentManifestError(`format is not ${SEGMENT_MANIFEST_FORMAT}`);
  }
  if (m.session_id !== sessionId) {
    throw new SegmentManifestError(
      `written for session ${JSON.stringify(m.session_id)}, not ${JSON.stringify(sessionId)}`,
    );
  }
  if (!Array.isArray(m.segments)) throw new SegmentManifestError("segments must be a list");
  let previous: SegmentEntry | null = null;
  for (const entry of m.segments) {
    const problem = entryProblem(entry);
    if (problem !== null) throw new SegmentManifestError(`segment entry: ${problem}`);
    if (previous !== null) {
      if (entry.index <= previous.index) throw new SegmentManifestError("segments out of order");
      if (entry.start_offset < previous.start_offset + previous.bytes) {
        throw new SegmentManifestError(`segment ${entry.index} overlaps segment ${previous.index}`);
      }
    }
    previous = entry;
  }
  return { format: m.format, session_id: m.session_id, segments: m.segments };
}

/**
 * A manifest as the text written to disk (stable key order, one segment per line).
 *
 * @example
 * ```ts
 * import { emptySegmentManifest, serializeSegmentManifest } from "@peak-trade/execution";
 * console.log(serializeSegmentManifest(emptySegmentManifest("paper-1")).startsWith("{")); // true
 * ```
 */
export function serializeSegmentManifest(manifest: SegmentManifest): string {
  const segments = manifest.segments.map((s) => `    ${JSON.stringify(s)}`).join(",\n");
  return `{\n  "format": ${JSON.stringify(manifest.format)},\n  "session_id": ${
    JSON.stringify(manifest.session_id)
  },\n  "segments": [${segments === "" ? "" : `\n${segments}\n  `}]\n}\n`;
}

/**
 * Read a session's manifest: `null` when there is none. Refuses a manifest
 * that is a symbolic link or not a regular file, and throws
 * {@linkcode SegmentManifestError} for an unusable one (callers that can,
 * rebuild the picture from the directory instead).
 *
 * @example
 * ```ts
 * import { readSegmentManifest } from "@peak-trade/execution";
 * const manifest = await readSegmentManifest("logs/execution", "paper-1");
 * console.log(manifest?.segments.length ?? 0);
 * ```
 */
export async function readSegmentManifest(
  baseDir: string,
  sessionId: string,
): Promise<SegmentManifest | null> {
  const path = segmentManifestPath(baseDir, sessionId);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (!info.isFile) throw new SegmentManifestError(`${path} is not a regular file`);
  if (info.size > MAX_MANIFEST_BYTES) throw new SegmentManifestError(`${path} is too large`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  return parseSegmentManifest(text, sessionId);
}

/**
 * Write a session's manifest atomically: a temporary file in the same
 * directory, fsync, rename over the manifest, fsync of the directory. A crash
 * leaves either the old or the new manifest, never a mix.
 *
 * @example
 * ```ts
 * import { emptySegmentManifest, writeSegmentManifest } from "@peak-trade/execution";
 * await writeSegmentManifest("logs/execution", emptySegmentManifest("paper-1"));
 * ```
 */
export async function writeSegmentManifest(
  baseDir: string,
  manifest: SegmentManifest,
): Promise<void> {
  const dir = segmentDir(baseDir, manifest.session_id);
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "manifest.json");
  const temporary = join(dir, `manifest.json.${crypto.randomUUID()}.tmp`);
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true, mode: 0o644 });
    try {
      const bytes = new TextEncoder().encode(serializeSegmentManifest(manifest));
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (err) {
    await Deno.remove(temporary).catch(() => {});
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync a directory so a rename in it survives a power loss (best effort where unsupported). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Where the active file starts in the session's logical byte stream: the end
 * of the last closed segment (0 before the first rotation).
 *
 * @example
 * ```ts
 * import { activeBaseOffset, emptySegmentManifest } from "@peak-trade/execution";
 * console.log(activeBaseOffset(emptySegmentManifest("paper-1"))); // 0
 * ```
 */
export function activeBaseOffset(manifest: SegmentManifest | null): number {
  const last = manifest?.segments.at(-1);
  return last === undefined ? 0 : last.start_offset + last.bytes;
}
