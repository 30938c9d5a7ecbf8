/**
 * Deleting a session's oldest closed segment (what retention does to keep a
 * live session within its limits), in the order the segment contract makes
 * crash-safe: the manifest first (under its lock, through
 * `updateSegmentManifestSync`), then the segment's files. A crash between the
 * two leaves files below the manifest's first entry, which repair removes
 * (`remove-deleted-leftover`); readers never see them, because the manifest
 * no longer lists them.
 *
 * Only the oldest entry may go (so a session stays one contiguous logical
 * stream from its first kept segment on), and never the newest: the end of
 * the last closed segment is where the active file starts in the session's
 * logical byte stream (`activeBaseOffset`), so it stays in the manifest.
 *
 * @module
 */
import { join } from "node:path";
import {
  readSegmentManifestSync,
  segmentDir,
  segmentFileName,
  updateSegmentManifestSync,
} from "./segments.ts";
import { syncDirectory } from "../atomic_file.ts";
import { whileNotCompacting } from "./segment_compaction.ts";

/** Why a closed segment was not removed (nothing was changed). */
export class SegmentRemovalRefused extends Error {
  /** `detail` says why. */
  constructor(detail: string) {
    super(detail);
    this.name = "SegmentRemovalRefused";
  }
}

/**
 * Remove closed segment `index` of `sessionId`: its manifest entry (written
 * first), then its plain and compressed files. Throws
 * {@linkcode SegmentRemovalRefused} when it is not the manifest's oldest
 * entry, when it is the newest (the anchor of the logical offsets), or while
 * a compaction holds it, and `SegmentManifestError` when the manifest cannot
 * be read. Returns the bytes removed from disk. The caller may
 * hold the session's write lock (retention does); this takes the segment's
 * compaction lock (without waiting) and the manifest lock.
 */
export function removeClosedSegment(baseDir: string, sessionId: string, index: number): number {
  const dir = segmentDir(baseDir, sessionId);
  const names = [segmentFileName(index, false), segmentFileName(index, true)];
  let refusal: string | null = null;
  let removed = 0;
  const free = whileNotCompacting(join(dir, names[0]), () => {
    // An unreadable manifest is an error here (SegmentManifestError), not a picture rebuilt from
    // the directory to delete by: repair sets it aside first.
    readSegmentManifestSync(baseDir, sessionId);
    updateSegmentManifestSync(baseDir, sessionId, (manifest) => {
      const entries = manifest.segments;
      const at = entries.findIndex((e) => e.index === index);
      if (at === -1) refusal = "no longer in the manifest";
      else if (at !== 0) refusal = "an older segment is still there; only the oldest may go";
      else if (entries.length === 1) {
        refusal = "it is now the newest closed segment, which anchors the active file's offsets";
      }
      return refusal === null ? { ...manifest, segments: entries.slice(1) } : null;
    });
    if (refusal !== null) return;
    for (const name of names) {
      const path = join(dir, name);
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      if (!info.isFile) throw new Error(`${path} is not a regular file; left alone`);
      Deno.removeSync(path);
      removed += info.size;
    }
    syncDirectory(dir);
  });
  if (!free) refusal = "a compaction is working on it; tried again on the next run";
  if (refusal !== null) throw new SegmentRemovalRefused(refusal);
  return removed;
}
