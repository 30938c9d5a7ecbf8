/**
 * Closing the active file of a session into a segment, under the writer's
 * file lock: rename it into the session's segment directory (atomic, same
 * file system) and enter it in the manifest. Compression happens later, off
 * the hot path (see `segment_compaction.ts`).
 *
 * @module
 */
import { join } from "node:path";
import {
  plainSegmentEntry,
  readSessionLayoutSync,
  type RotationTrigger,
  segmentDir,
  type SegmentEntry,
  segmentFileName,
  type SessionLayout,
  updateSegmentManifestSync,
  withSegmentEntry,
} from "./segments.ts";
import { syncDirectory } from "../atomic_file.ts";
import { crashPoint } from "./crash_points.ts";
import { countLinesSync, type ReadAtSync, readSegmentBounds } from "./segment_bounds.ts";
import { RegularFile } from "../wire/regular_file.ts";
import { readTailState } from "./tail_state.ts";

/** A closed segment, renamed and (when the manifest could be written) entered. */
export interface ClosedSegment {
  index: number;
  /** The manifest update failed (the segment is still found by readers and entered by repair). */
  manifestError: unknown;
}

/** The next free segment index: after every index in the manifest and in the directory. */
function nextIndex(layout: SessionLayout): number {
  const fromManifest = layout.manifest?.segments.at(-1)?.index ?? 0;
  const fromDir = layout.segments.at(-1)?.index ?? 0;
  return Math.max(fromManifest, fromDir) + 1;
}

/** The entry of a plain segment from its bytes: place, size, lines, first and last line. */
export function describePlainSegment(
  index: number,
  startOffset: number,
  size: number,
  read: ReadAtSync,
  trigger: RotationTrigger,
  lines: number | null,
): SegmentEntry {
  return {
    ...plainSegmentEntry(index, startOffset, size, trigger),
    ...readSegmentBounds(read, size),
    lines: lines ?? countLinesSync(read, size),
  };
}

/** Entries for plain segments only the directory knows (a writer crashed before entering one). */
function directoryOnlyEntries(layout: SessionLayout): SegmentEntry[] {
  const entries: SegmentEntry[] = [];
  for (const part of layout.segments) {
    if (part.entry !== null || part.compressed) continue;
    const file = RegularFile.open(part.path);
    if (file === null) continue;
    using opened = file;
    entries.push(
      describePlainSegment(
        part.index,
        part.start_offset,
        part.bytes,
        (p, into) => opened.readSync(p, into),
        "repair",
        null,
      ),
    );
  }
  return entries;
}

/**
 * Close the active file `path` of `sessionId` (open as `file`, locked, ending
 * with `\n`, `size` bytes) into the next segment: rename it into the segment
 * directory, then enter it (and any segment only the directory knew) in the
 * manifest. Throws when the rename fails (the file stays active); a failed
 * manifest update is returned, not thrown: the segment is closed either way.
 */
export function closeActiveFileSync(
  baseDir: string,
  sessionId: string,
  path: string,
  file: Deno.FsFile,
  size: number,
  trigger: RotationTrigger,
  knownLines: number | null,
): ClosedSegment {
  const dir = segmentDir(baseDir, sessionId);
  Deno.mkdirSync(dir, { recursive: true });
  const layout = readSessionLayoutSync(baseDir, sessionId);
  const index = nextIndex(layout);
  crashPoint("rotate-before-rename");
  Deno.renameSync(path, join(dir, segmentFileName(index, false)));
  syncDirectory(dir);
  crashPoint("rotate-after-rename");
  let manifestError: unknown = null;
  try {
    const read: ReadAtSync = (position, into) => {
      file.seekSync(position, Deno.SeekMode.Start);
      return file.readSync(into) ?? 0;
    };
    const known = directoryOnlyEntries(layout);
    const entry = describePlainSegment(index, layout.base, size, read, trigger, knownLines);
    updateSegmentManifestSync(baseDir, sessionId, (manifest) => {
      let next = manifest;
      for (const e of known) {
        if (!next.segments.some((s) => s.index === e.index)) next = withSegmentEntry(next, e);
      }
      return withSegmentEntry(next, entry);
    });
    crashPoint("rotate-after-manifest");
  } catch (err) {
    manifestError = err;
  }
  return { index, manifestError };
}

/**
 * The last `seq` of the session's closed segments: the tail of the newest
 * plain segment, or its manifest entry once compressed (0 when none). A new
 * active file continues from it.
 */
export function lastClosedSeqSync(baseDir: string, sessionId: string): number {
  let layout: SessionLayout;
  try {
    layout = readSessionLayoutSync(baseDir, sessionId);
  } catch {
    return 0;
  }
  let best = 0;
  for (const entry of layout.manifest?.segments ?? []) best = Math.max(best, entry.last_seq ?? 0);
  const newest = layout.segments.at(-1);
  if (newest !== undefined && !newest.compressed) {
    try {
      const file = Deno.openSync(newest.path, { read: true });
      try {
        best = Math.max(best, readTailState(file, file.statSync().size).lastSeq);
      } finally {
        file.close();
      }
    } catch {
      // Compressed meanwhile: its entry has the seq.
      const again = readSessionLayoutSync(baseDir, sessionId);
      for (const entry of again.manifest?.segments ?? []) {
        best = Math.max(best, entry.last_seq ?? 0);
      }
    }
  }
  return best;
}
