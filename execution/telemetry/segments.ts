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
import { writeFileAtomicSync } from "../atomic_file.ts";
import { join } from "../paths.ts";
import { assertValidSessionId } from "../session_id.ts";
import { readRegularFile, readStateTextFile } from "../wire/regular_file.ts";
import { crashPoint } from "./crash_points.ts";
import { formatWireTimestamp } from "../wire_time.ts";
import { gunzipSync } from "../gunzip.ts";

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

/** The manifest's file name in a session's segment directory. */
const MANIFEST_NAME = "manifest.json";
/**
 * The suffix of every temporary file in a segment directory (removed by repair).
 *
 * @example
 * ```ts
 * import { TEMPORARY_SUFFIX } from "@peak-trade/execution";
 * console.log("manifest.json.1234.tmp".endsWith(TEMPORARY_SUFFIX)); // true
 * ```
 */
export const TEMPORARY_SUFFIX = ".tmp";
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
  return join(segmentDir(baseDir, sessionId), MANIFEST_NAME);
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
 * that is a symbolic link or not a regular file (never blocking on a FIFO),
 * and throws {@linkcode SegmentManifestError} for an unusable one (callers
 * that can, rebuild the picture from the directory instead).
 *
 * @example
 * ```ts
 * import { readSegmentManifest } from "@peak-trade/execution";
 * const manifest = await readSegmentManifest("logs/execution", "paper-1");
 * console.log(manifest?.segments.length ?? 0);
 * ```
 */
export function readSegmentManifest(
  baseDir: string,
  sessionId: string,
): Promise<SegmentManifest | null> {
  try {
    return Promise.resolve(readSegmentManifestSync(baseDir, sessionId));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * {@linkcode readSegmentManifest}, synchronously (a manifest is small and
 * its open never blocks).
 *
 * @example
 * ```ts
 * import { readSegmentManifestSync } from "@peak-trade/execution";
 * console.log(readSegmentManifestSync("logs/execution", "paper-1")?.segments.length ?? 0);
 * ```
 */
export function readSegmentManifestSync(
  baseDir: string,
  sessionId: string,
): SegmentManifest | null {
  const path = segmentManifestPath(baseDir, sessionId);
  const read = readStateTextFile(path, MAX_MANIFEST_BYTES);
  if (read === null) return null;
  if ("problem" in read) throw new SegmentManifestError(`${path} is ${read.problem}`);
  return parseSegmentManifest(read.text, sessionId);
}

/**
 * Write a session's manifest atomically: a temporary file in the same
 * directory, fsync, rename over the manifest, fsync of the directory. A crash
 * leaves either the old or the new manifest, never a mix. Writers that
 * change an existing manifest use {@linkcode updateSegmentManifest}, which
 * also serialises concurrent changes.
 *
 * @example
 * ```ts
 * import { emptySegmentManifest, writeSegmentManifest } from "@peak-trade/execution";
 * await writeSegmentManifest("logs/execution", emptySegmentManifest("paper-1"));
 * ```
 */
export function writeSegmentManifest(
  baseDir: string,
  manifest: SegmentManifest,
): Promise<void> {
  try {
    writeSegmentManifestSync(baseDir, manifest);
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * {@linkcode writeSegmentManifest}, synchronously (the writer updates the
 * manifest under its file lock while it rotates). `crashPointName` names the
 * point between the temporary file and the rename for the crash-safety tests
 * (`crash_points.ts`); it does nothing unless a test arms that name.
 *
 * @example
 * ```ts
 * import { emptySegmentManifest, writeSegmentManifestSync } from "@peak-trade/execution";
 * writeSegmentManifestSync("logs/execution", emptySegmentManifest("paper-1"));
 * ```
 */
export function writeSegmentManifestSync(
  baseDir: string,
  manifest: SegmentManifest,
  crashPointName = "manifest-write",
): void {
  const path = join(segmentDir(baseDir, manifest.session_id), MANIFEST_NAME);
  writeFileAtomicSync(path, serializeSegmentManifest(manifest), {
    beforeRename: () => crashPoint(crashPointName),
  });
}

/** The lock file every manifest change holds (a manifest is replaced by rename, so it cannot be locked itself). */
const MANIFEST_LOCK_NAME = "manifest.lock";

function openManifestLock(baseDir: string, sessionId: string): Deno.FsFile {
  const dir = segmentDir(baseDir, sessionId);
  Deno.mkdirSync(dir, { recursive: true });
  const path = join(dir, MANIFEST_LOCK_NAME);
  const info = lstatOrNull(path);
  if (info !== null && !info.isFile) {
    throw new SegmentManifestError(`${path} is not a regular file`);
  }
  return Deno.openSync(path, { read: true, write: true, create: true, mode: 0o644 });
}

/** Read the manifest for a change: an unreadable one is rebuilt from the directory. */
function manifestForChange(baseDir: string, sessionId: string): SegmentManifest {
  try {
    return readSegmentManifestSync(baseDir, sessionId) ?? emptySegmentManifest(sessionId);
  } catch (err) {
    if (!(err instanceof SegmentManifestError)) throw err;
    return rebuiltManifest(baseDir, sessionId);
  }
}

/**
 * Change a session's manifest under its lock (`<dir>/manifest.lock`, an
 * exclusive `flock`): read it (an unreadable one is rebuilt from the
 * directory), apply `change`, and write the result atomically unless
 * `change` returns `null`. Every process that changes a manifest (writers
 * rotating, compaction, repair, retention) goes through this, so no change is
 * lost to a concurrent one. Returns the manifest as written (or as read).
 * `crashPointName`: see {@linkcode writeSegmentManifestSync}.
 *
 * @example
 * ```ts
 * import { updateSegmentManifestSync } from "@peak-trade/execution";
 * updateSegmentManifestSync("logs/execution", "paper-1", (m) => m.segments.length > 0 ? m : null);
 * ```
 */
export function updateSegmentManifestSync(
  baseDir: string,
  sessionId: string,
  change: (manifest: SegmentManifest) => SegmentManifest | null,
  crashPointName?: string,
): SegmentManifest {
  const lock = openManifestLock(baseDir, sessionId);
  try {
    lock.lockSync(true);
    const current = manifestForChange(baseDir, sessionId);
    const next = change(current);
    if (next === null) return current;
    writeSegmentManifestSync(baseDir, next, crashPointName);
    return next;
  } finally {
    lock.close(); // releases the lock
  }
}

/**
 * {@linkcode updateSegmentManifestSync}, waiting for the lock without
 * blocking the event loop.
 *
 * @example
 * ```ts
 * import { updateSegmentManifest } from "@peak-trade/execution";
 * await updateSegmentManifest("logs/execution", "paper-1", () => null);
 * ```
 */
export async function updateSegmentManifest(
  baseDir: string,
  sessionId: string,
  change: (manifest: SegmentManifest) => SegmentManifest | null,
  crashPointName?: string,
): Promise<SegmentManifest> {
  const lock = openManifestLock(baseDir, sessionId);
  try {
    await lock.lock(true);
    const current = manifestForChange(baseDir, sessionId);
    const next = change(current);
    if (next === null) return current;
    writeSegmentManifestSync(baseDir, next, crashPointName);
    return next;
  } finally {
    lock.close();
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

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}

/**
 * One closed segment as a reader finds it: from the manifest, or (not yet
 * entered there, or the manifest is unreadable) from the directory alone.
 *
 * @example
 * ```ts
 * import { readSessionLayoutSync } from "@peak-trade/execution";
 * for (const part of readSessionLayoutSync("logs/execution", "paper-1").segments) {
 *   console.log(part.index, part.start_offset, part.bytes, part.compressed);
 * }
 * ```
 */
export interface SegmentPart {
  /** The segment's index. */
  index: number;
  /** Logical offset of its first byte. */
  start_offset: number;
  /** Its uncompressed bytes. */
  bytes: number;
  /** The file to read: the plain copy while one exists, else the `.gz`. */
  path: string;
  /** Whether `path` is the compressed file. */
  compressed: boolean;
  /** Size of `path` on disk. */
  disk_bytes: number;
  /** The manifest's entry, or `null` when only the directory knows the segment. */
  entry: SegmentEntry | null;
}

/**
 * Everything a reader needs to see a session as one byte stream: its closed
 * segments in index order, where the active file starts, and the paths of
 * the active file and of a whole-session archive.
 *
 * @example
 * ```ts
 * import { readSessionLayoutSync } from "@peak-trade/execution";
 * const layout = readSessionLayoutSync("logs/execution", "paper-1");
 * console.log(layout.base, layout.segments.length, layout.activePath);
 * ```
 */
export interface SessionLayout {
  /** The session. */
  session_id: string;
  /** Closed segments still on disk, ascending by index. */
  segments: SegmentPart[];
  /** Logical offset of the active file's first byte (the end of the last closed segment). */
  base: number;
  /** `<root>/<sid>.jsonl`. */
  activePath: string;
  /** `<root>/<sid>.jsonl.gz`. */
  archivePath: string;
  /** The manifest as read, or `null` (none, or unreadable). */
  manifest: SegmentManifest | null;
}

/** Parsed manifests by path, reused while the file is the same (a rename gives a new inode). */
const manifestCache = new Map<
  string,
  { ino: number | null; mtime: number; size: number; manifest: SegmentManifest }
>();
const MANIFEST_CACHE_ENTRIES = 256;

function cachedManifest(baseDir: string, sessionId: string): SegmentManifest | null {
  const path = segmentManifestPath(baseDir, sessionId);
  const info = lstatOrNull(path);
  if (info === null) {
    manifestCache.delete(path);
    return null;
  }
  const mtime = info.mtime?.getTime() ?? 0;
  const hit = manifestCache.get(path);
  if (hit !== undefined && hit.ino === info.ino && hit.mtime === mtime && hit.size === info.size) {
    return hit.manifest;
  }
  const manifest = readSegmentManifestSync(baseDir, sessionId);
  if (manifest === null) return null;
  if (manifestCache.size >= MANIFEST_CACHE_ENTRIES) {
    manifestCache.delete(manifestCache.keys().next().value!);
  }
  manifestCache.set(path, { ino: info.ino, mtime, size: info.size, manifest });
  return manifest;
}

/**
 * Forget every parsed manifest (the next layout of each session reads its
 * manifest again; unchanged manifests are otherwise reused).
 *
 * @example
 * ```ts
 * import { clearSegmentLayoutCache } from "@peak-trade/execution";
 * clearSegmentLayoutCache();
 * ```
 */
export function clearSegmentLayoutCache(): void {
  manifestCache.clear();
}

/** Segment files of a session's directory by index: which of plain and `.gz` exist. */
interface DirSegment {
  plain: boolean;
  gz: boolean;
}

/**
 * The segment files of `dir` (one `readdir`, no `stat`: a reader looks at a
 * session's layout on every page and every follow step).
 */
function listSegmentFiles(dir: string): Map<number, DirSegment> {
  const found = new Map<number, DirSegment>();
  let names: Iterable<Deno.DirEntry>;
  try {
    names = Deno.readDirSync(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return found;
    }
    throw err;
  }
  for (const entry of names) {
    if (!entry.isFile) continue; // links, FIFOs and directories are never segments
    const parsed = parseSegmentFileName(entry.name);
    if (parsed === null) continue;
    const slot = found.get(parsed.index) ?? { plain: false, gz: false };
    if (parsed.compressed) slot.gz = true;
    else slot.plain = true;
    found.set(parsed.index, slot);
  }
  return found;
}

/** The size of the regular file at `path`, or `null` (gone, or not a regular file). */
function regularFileSize(path: string): number | null {
  const info = lstatOrNull(path);
  return info !== null && info.isFile ? info.size : null;
}

/**
 * The uncompressed size of a gzip file (every member), by decompressing it:
 * only for a `.gz` segment that nothing else describes (a lost manifest).
 */
function gzipContentSize(path: string): number {
  const compressed = readRegularFile(path, Number.MAX_SAFE_INTEGER);
  if (compressed === null) return 0; // swapped for something else meanwhile: nothing to read
  try {
    return gunzipSync(compressed).length;
  } catch {
    return 0; // not gzip: nothing a reader could read from it
  }
}

/**
 * A session as readers see it: the manifest's segments (those whose file is
 * still on disk), then segments the manifest does not list yet (a writer
 * between its rename and its manifest update, or a lost manifest), each
 * placed right after the one before. An unreadable manifest is treated as
 * missing. The parsed manifest is cached while its file is unchanged.
 *
 * @example
 * ```ts
 * import { readSessionLayoutSync } from "@peak-trade/execution";
 * const layout = readSessionLayoutSync("logs/execution", "paper-1");
 * console.log(`the active file starts at logical offset ${layout.base}`);
 * ```
 */
export function readSessionLayoutSync(baseDir: string, sessionId: string): SessionLayout {
  const dir = segmentDir(baseDir, sessionId);
  let manifest: SegmentManifest | null;
  try {
    manifest = cachedManifest(baseDir, sessionId);
  } catch (err) {
    if (!(err instanceof SegmentManifestError)) throw err;
    manifest = null;
  }
  const files = listSegmentFiles(dir);
  const segments: SegmentPart[] = [];
  let end = 0;
  let lastIndex = 0;
  for (const entry of manifest?.segments ?? []) {
    lastIndex = entry.index;
    end = entry.start_offset + entry.bytes;
    const onDisk = files.get(entry.index);
    files.delete(entry.index);
    if (onDisk === undefined) continue; // deleted (retention) or not readable
    // The entry names the file to trust; the other copy is a compaction in progress.
    const useGz = onDisk.gz && (entry.file.endsWith(".gz") || !onDisk.plain);
    const path = join(dir, segmentFileName(entry.index, useGz));
    // Sizes from the entry where it knows them (the plain copy holds `bytes`), else a stat.
    const diskBytes = useGz
      ? (entry.file.endsWith(".gz") ? entry.compressed_bytes : null) ?? regularFileSize(path) ?? 0
      : entry.bytes;
    segments.push({
      index: entry.index,
      start_offset: entry.start_offset,
      bytes: entry.bytes,
      path,
      compressed: useGz,
      disk_bytes: diskBytes,
      entry,
    });
  }
  for (const index of [...files.keys()].sort((a, b) => a - b)) {
    if (index <= lastIndex) continue; // an index the manifest dropped: retention's leftovers
    const onDisk = files.get(index)!;
    const compressed = !onDisk.plain;
    const path = join(dir, segmentFileName(index, compressed));
    const diskBytes = regularFileSize(path);
    if (diskBytes === null) continue; // gone since the listing
    const bytes = compressed ? gzipContentSize(path) : diskBytes;
    segments.push({
      index,
      start_offset: end,
      bytes,
      path,
      compressed,
      disk_bytes: diskBytes,
      entry: null,
    });
    end += bytes;
  }
  return {
    session_id: sessionId,
    segments,
    base: end,
    activePath: join(baseDir, `${sessionId}.jsonl`),
    archivePath: sessionArchivePath(baseDir, sessionId),
    manifest,
  };
}

/**
 * A manifest rebuilt from the directory (the manifest is unreadable): every
 * segment gets an entry with what its size says; structural fields are
 * filled in by repair.
 */
function rebuiltManifest(baseDir: string, sessionId: string): SegmentManifest {
  const files = listSegmentFiles(segmentDir(baseDir, sessionId));
  const manifest = emptySegmentManifest(sessionId);
  let end = 0;
  const dir = segmentDir(baseDir, sessionId);
  for (const index of [...files.keys()].sort((a, b) => a - b)) {
    // A `.gz` without an entry always has its plain copy beside it (compaction's order).
    if (!files.get(index)!.plain) continue;
    const size = regularFileSize(join(dir, segmentFileName(index, false)));
    if (size === null) continue;
    manifest.segments.push(plainSegmentEntry(index, end, size, "repair"));
    end += size;
  }
  return manifest;
}

/**
 * An entry for a closed, not yet compressed segment: its place and size;
 * the rest is filled in from its bytes by the caller or by compaction.
 *
 * @example
 * ```ts
 * import { plainSegmentEntry } from "@peak-trade/execution";
 * console.log(plainSegmentEntry(1, 0, 4096, "size").file); // "000001.jsonl"
 * ```
 */
export function plainSegmentEntry(
  index: number,
  startOffset: number,
  bytes: number,
  trigger: RotationTrigger,
): SegmentEntry {
  return {
    index,
    file: segmentFileName(index, false),
    start_offset: startOffset,
    bytes,
    compressed_bytes: null,
    lines: 0,
    first_seq: null,
    last_seq: null,
    first_ts: null,
    last_ts: null,
    sha256: null,
    members: [],
    trigger,
    closed_at: formatWireTimestamp(new Date()),
    summary: null,
  };
}

/**
 * Put `entry` into `manifest` in index order, replacing an entry of the same
 * index (changes are idempotent: a repair and a writer may both add one).
 *
 * @example
 * ```ts
 * import { emptySegmentManifest, plainSegmentEntry, withSegmentEntry } from "@peak-trade/execution";
 * const m = withSegmentEntry(emptySegmentManifest("s-1"), plainSegmentEntry(1, 0, 10, "size"));
 * console.log(m.segments.length); // 1
 * ```
 */
export function withSegmentEntry(manifest: SegmentManifest, entry: SegmentEntry): SegmentManifest {
  const segments = manifest.segments.filter((s) => s.index !== entry.index);
  segments.push(entry);
  segments.sort((a, b) => a.index - b.index);
  return { ...manifest, segments };
}
