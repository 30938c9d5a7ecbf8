/**
 * Compressing one closed segment in the crash-safe order of the segment
 * contract: `<k>.jsonl` → `<k>.jsonl.gz.tmp` (gzip members of whole lines),
 * fsync, rename to `<k>.jsonl.gz`, verify (decompress and compare with the
 * plain bytes), record it in the manifest atomically, then remove the plain
 * copy. A crash at any step leaves a state repair finishes: the plain copy is
 * removed only after the manifest names the verified `.gz`.
 *
 * A closed segment never changes, so compressing it needs no lock; the
 * manifest update at the end is made holding the session's write lock (the
 * flock on `<root>/<sid>.jsonl`), through the caller's `underLock` (by default
 * the caller holds the lock for the whole call).
 *
 * @module
 */
import { join } from "node:path";
import {
  compressSegmentBytes,
  gzipFileHolds,
  sha256Hex,
  syncDirectory,
  writeNewFileSynced,
} from "./segment_gzip.ts";
import {
  readSegmentManifest,
  segmentDir,
  segmentFileName,
  SegmentManifestError,
  writeSegmentManifest,
} from "./segments.ts";

/** What compressing a segment changed on disk. */
export interface SegmentCompressionResult {
  /** Bytes of the segment's files before (the plain copy, and a stale `.gz` if one was replaced). */
  bytesBefore: number;
  /** Size of the verified `.gz` that remains. */
  bytesAfter: number;
}

/** Runs the manifest update of a compression holding the session's write lock. */
export type UnderSessionLock = <T>(commit: () => Promise<T>) => Promise<T>;

/** Remove `path` if it exists. */
async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Size of a regular file at `path` (never through a link), or `null` when there is none. */
async function regularFileSize(path: string): Promise<number | null> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink || !info.isFile) {
      throw new Error(`${path} is not a regular file; it is left alone`);
    }
    return info.size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Compress closed segment `index` of `sessionId` from its plain file (which
 * must hold the bytes its manifest entry records): a `.gz` already beside it
 * (unrecorded, or failing verification) is replaced. Keeps the plain file's
 * modification time on the `.gz`, so the segment's age does not change.
 * Throws when the entry is missing or when any step fails (the temporary file
 * is removed; the plain copy is kept).
 */
export async function compressClosedSegment(
  baseDir: string,
  sessionId: string,
  index: number,
  underLock: UnderSessionLock = (commit) => commit(),
): Promise<SegmentCompressionResult> {
  const dir = segmentDir(baseDir, sessionId);
  const manifest = await readSegmentManifest(baseDir, sessionId);
  const entry = manifest?.segments.find((s) => s.index === index);
  if (manifest === null || entry === undefined) {
    throw new SegmentManifestError(`no entry for segment ${index} of ${sessionId}`);
  }
  const plainName = segmentFileName(index, false);
  const gzName = segmentFileName(index, true);
  const plainPath = join(dir, plainName);
  const gzPath = join(dir, gzName);
  const plainInfo = await Deno.lstat(plainPath);
  if (plainInfo.isSymlink || !plainInfo.isFile) {
    throw new Error(`${plainPath} is not a regular file; it is left alone`);
  }
  const bytes = await Deno.readFile(plainPath);
  if (bytes.length !== entry.bytes) {
    throw new Error(
      `${plainPath} holds ${bytes.length} bytes but its manifest entry says ${entry.bytes}; left alone`,
    );
  }
  const staleGz = await regularFileSize(gzPath);
  if (staleGz !== null) {
    // Unrecorded (a crash before the manifest update) or failing verification: made again.
    await removeIfPresent(gzPath);
  }
  const { gzip, members } = await compressSegmentBytes(bytes);
  const temporary = join(dir, `${gzName}.${crypto.randomUUID()}.tmp`);
  try {
    await writeNewFileSynced(temporary, gzip);
    await Deno.rename(temporary, gzPath);
  } catch (err) {
    await removeIfPresent(temporary);
    throw err;
  }
  await syncDirectory(dir);
  if (!(await gzipFileHolds(gzPath, bytes))) {
    await removeIfPresent(gzPath);
    throw new Error(`${gzPath} did not verify after writing; the plain segment is kept`);
  }
  if (plainInfo.mtime !== null) {
    await Deno.utime(gzPath, plainInfo.atime ?? plainInfo.mtime, plainInfo.mtime);
  }
  const sha256 = entry.sha256 ?? await sha256Hex(bytes);
  try {
    await underLock(async () => {
      // Re-read: the manifest may have gained entries (a rotation) while this segment compressed.
      const current = (await readSegmentManifest(baseDir, sessionId)) ?? manifest;
      const fresh = current.segments.find((s) => s.index === index);
      if (fresh === undefined || fresh.bytes !== bytes.length) {
        throw new SegmentManifestError(
          `segment ${index} of ${sessionId} left the manifest or changed meanwhile`,
        );
      }
      fresh.file = gzName;
      fresh.compressed_bytes = gzip.length;
      fresh.members = members;
      fresh.sha256 ??= sha256;
      await writeSegmentManifest(baseDir, current);
      await removeIfPresent(plainPath);
      await syncDirectory(dir);
    });
  } catch (err) {
    // Not recorded: the plain copy stays the segment, and an unrecorded .gz would only wait
    // for repair to make it again.
    if (await regularFileSize(plainPath) !== null) await removeIfPresent(gzPath).catch(() => {});
    throw err;
  }
  return { bytesBefore: bytes.length + (staleGz ?? 0), bytesAfter: gzip.length };
}
