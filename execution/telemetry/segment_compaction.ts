/**
 * Compressing a closed segment and repairing a session's segment directory,
 * crash-safe at every step. Runs off the writer's hot path (in a worker, see
 * `segment_compactor.ts`); retention can call the same functions.
 *
 * Compression: `<k>.jsonl` → `<k>.jsonl.gz.<uuid>.tmp` as one gzip member per
 * ~1 MiB of whole lines (a reader decompresses only the members a page
 * needs), fsync, rename to `<k>.jsonl.gz`, verify (decompress every member,
 * compare SHA-256, line count and size), enter it in the manifest with the
 * segment's summary (so no reader decompresses it to summarise), then remove
 * the plain copy. Until the manifest names the `.gz`, the plain copy is what
 * counts; afterwards the `.gz` is verified.
 *
 * The process that compresses segment `k` holds an exclusive `flock` on its
 * plain copy, so two processes never compress the same segment and repair
 * never removes a temporary file another process is writing.
 *
 * @module
 */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  parseSegmentFileName,
  readSessionLayoutSync,
  segmentDir,
  type SegmentEntry,
  segmentFileName,
  type SegmentManifest,
  type SegmentMember,
  syncDirectory,
  TEMPORARY_SUFFIX,
  updateSegmentManifest,
  withSegmentEntry,
} from "./segments.ts";
import { crashPoint } from "./crash_points.ts";
import { describePlainSegment } from "./rotation.ts";
import { addCompleteLines, SummaryState } from "../wire/summary_state.ts";
import { formatWireTimestamp } from "../wire_time.ts";
import { sessionFilePath } from "../log_root.ts";

/** Uncompressed bytes of whole lines per gzip member (a reader's unit of decompression). */
export const MEMBER_BYTES = 1024 * 1024;
const LF = 0x0a;
const SEQ_KEY = new TextEncoder().encode('"seq":');

/**
 * Run `change` (a manifest update) holding the session's write lock, the
 * `flock` writers take on `<root>/<sid>.jsonl` while they append and rotate
 * (retention takes it too before it changes a session), besides the
 * manifest's own lock that `updateSegmentManifest` takes: so no process that
 * follows either rule loses a change to this one. Waits for the lock (a writer
 * holds it for one append); a session without an active file runs unlocked.
 */
async function withSessionWriteLock<T>(
  baseDir: string,
  sessionId: string,
  change: () => Promise<T>,
): Promise<T> {
  const path = sessionFilePath(baseDir, sessionId);
  for (let attempt = 0; attempt < 8; attempt++) {
    const before = lstatOrNull(path);
    if (before === null) return await change();
    if (!before.isFile) throw new Error(`${path} is not a regular file`);
    let file: Deno.FsFile;
    try {
      // Read and write: opening a FIFO swapped in this way never waits for a writer.
      file = Deno.openSync(path, { read: true, write: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    try {
      const held = file.statSync();
      if (!held.isFile) throw new Error(`${path} is not a regular file`);
      await file.lock(true);
      // Under the lock the path must still name this file (a writer may have rotated it).
      const now = lstatOrNull(path);
      if (now === null || now.ino !== held.ino || now.dev !== held.dev) continue;
      return await change();
    } finally {
      file.close(); // releases the lock
    }
  }
  throw new Error(`${path} keeps being replaced; the manifest is updated on the next attempt`);
}

/** What happened to one segment. */
export type CompactionOutcome =
  | "compressed"
  | "already-compressed"
  | "gone"
  | "busy"
  | "size-mismatch";

/** Let other work run between members (matters when compaction runs on the main thread). */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length;) {
    written += file.writeSync(bytes.subarray(written));
  }
}

function readFullySync(file: Deno.FsFile, position: number, into: Uint8Array): number {
  file.seekSync(position, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < into.length) {
    const n = file.readSync(into.subarray(filled));
    if (n === null || n === 0) break;
    filled += n;
  }
  return filled;
}

/** The `seq` at the end of the line `bytes[start, end)` (where our writer puts it), else `null`. */
function seqOfLine(bytes: Uint8Array, start: number, end: number): number | null {
  // `"seq":123}` ends the line; look for the key in its last 32 bytes.
  const from = Math.max(start, end - 32);
  for (let i = end - SEQ_KEY.length; i >= from; i--) {
    let same = true;
    for (let j = 0; same && j < SEQ_KEY.length; j++) same = bytes[i + j] === SEQ_KEY[j];
    if (!same) continue;
    let value = 0;
    let digits = 0;
    for (let k = i + SEQ_KEY.length; k < end && bytes[k] >= 0x30 && bytes[k] <= 0x39; k++) {
      value = value * 10 + bytes[k] - 0x30;
      digits++;
    }
    return digits > 0 && Number.isSafeInteger(value) ? value : null;
  }
  return null;
}

/** First and last `seq` of the whole lines in `bytes`. */
function seqBounds(bytes: Uint8Array): { first: number | null; last: number | null } {
  let first: number | null = null;
  let start = 0;
  for (let nl = bytes.indexOf(LF); nl !== -1 && first === null; nl = bytes.indexOf(LF, start)) {
    first = seqOfLine(bytes, start, nl);
    start = nl + 1;
  }
  let last: number | null = null;
  let end = bytes.length;
  while (last === null && end > 0) {
    const nl = bytes.lastIndexOf(LF, end - 1);
    if (nl === -1) break;
    const prev = bytes.lastIndexOf(LF, nl - 1);
    last = seqOfLine(bytes, prev + 1, nl);
    end = prev + 1;
  }
  return { first, last };
}

/** What compressing produced, before it is entered in the manifest. */
interface Compressed {
  members: SegmentMember[];
  compressedBytes: number;
  sha256: string;
  lines: number;
  /** `\n` bytes in the segment (every line but a final fragment). */
  newlines: number;
  firstSeq: number | null;
  lastSeq: number | null;
  state: SummaryState;
}

/** Compress the first `size` bytes of `plain` into `out` member by member, hashing and summarising. */
async function compressInto(
  plain: Deno.FsFile,
  size: number,
  out: Deno.FsFile,
): Promise<Compressed> {
  const hash = createHash("sha256");
  const state = new SummaryState(true);
  const members: SegmentMember[] = [];
  let compressedBytes = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let position = 0;
  let newlines = 0;
  let buf = new Uint8Array(MEMBER_BYTES * 2);
  let carry = 0;
  while (position + carry < size) {
    if (buf.length - carry < MEMBER_BYTES) {
      // A line longer than a member: grow the buffer so the member holds it whole.
      const grown = new Uint8Array(buf.length * 2);
      grown.set(buf.subarray(0, carry));
      buf = grown;
    }
    // A member holds at most MEMBER_BYTES of whole lines (more only for a longer line).
    const room = carry < MEMBER_BYTES ? MEMBER_BYTES - carry : MEMBER_BYTES;
    const want = Math.min(room, size - position - carry);
    const n = readFullySync(plain, position + carry, buf.subarray(carry, carry + want));
    if (n !== want) throw new Error("the segment shrank while it was compressed");
    const filled = carry + n;
    const atEnd = position + filled === size;
    const cut = atEnd ? filled : buf.lastIndexOf(LF, filled - 1) + 1;
    if (cut === 0) {
      carry = filled;
      continue;
    }
    const member = buf.subarray(0, cut);
    hash.update(member);
    const linesBefore = state.totalLines;
    const consumed = addCompleteLines(state, member, position);
    newlines += state.totalLines - linesBefore;
    if (consumed < member.length) {
      // A last line without `\n` (a segment is closed at a line end; only a foreign writer leaves
      // one): counted as an invalid line so every byte is accounted for.
      state.totalLines++;
      state.invalidLines++;
      state.consumed = position + member.length;
    }
    const seqs = seqBounds(member);
    firstSeq ??= seqs.first;
    if (seqs.last !== null) lastSeq = seqs.last;
    const gz = gzipSync(member);
    writeAllSync(out, gz);
    members.push({ offset: compressedBytes, start: position, first_seq: seqs.first });
    compressedBytes += gz.length;
    position += cut;
    buf.copyWithin(0, cut, filled);
    carry = filled - cut;
    await yieldTurn();
  }
  return {
    members,
    compressedBytes,
    sha256: hash.digest("hex"),
    lines: state.totalLines,
    newlines,
    firstSeq,
    lastSeq,
    state,
  };
}

/** Decompress every member of `gzPath` and compare with what was compressed; throws on a mismatch. */
async function verifyCompressed(gzPath: string, expected: Compressed, size: number): Promise<void> {
  const data = Deno.readFileSync(gzPath);
  if (data.length !== expected.compressedBytes) {
    throw new Error(`${gzPath} has ${data.length} bytes, ${expected.compressedBytes} were written`);
  }
  const hash = createHash("sha256");
  let bytes = 0;
  let lines = 0;
  const members = expected.members;
  for (let m = 0; m < members.length; m++) {
    const end = m + 1 < members.length ? members[m + 1].offset : data.length;
    const plain = gunzipSync(data.subarray(members[m].offset, end));
    if (members[m].start !== bytes) throw new Error(`${gzPath}: member ${m} starts elsewhere`);
    hash.update(plain);
    bytes += plain.length;
    for (let i = plain.indexOf(LF); i !== -1; i = plain.indexOf(LF, i + 1)) lines++;
    await yieldTurn();
  }
  const sha = hash.digest("hex");
  if (bytes !== size || sha !== expected.sha256 || lines !== expected.newlines) {
    throw new Error(`${gzPath} does not verify (size, SHA-256 or line count differ)`);
  }
}

function findEntry(manifest: SegmentManifest, index: number): SegmentEntry | undefined {
  return manifest.segments.find((s) => s.index === index);
}

/**
 * Compress closed segment `index` of `sessionId` (see the module doc for the
 * order of steps). Returns what happened: `"gone"` when there is no plain
 * copy (compressed already by another process, or deleted), `"busy"` never
 * (the lock is waited for), `"size-mismatch"` when the plain copy's size
 * differs from its manifest entry (then it is left alone). Throws when the
 * compressed file does not verify (it is removed; the plain copy stays).
 */
export async function compactSegment(
  baseDir: string,
  sessionId: string,
  index: number,
): Promise<CompactionOutcome> {
  const dir = segmentDir(baseDir, sessionId);
  const plainPath = join(dir, segmentFileName(index, false));
  const gzPath = join(dir, segmentFileName(index, true));
  const before = lstatOrNull(plainPath);
  if (before === null || !before.isFile) return "gone";
  let plain: Deno.FsFile;
  try {
    plain = Deno.openSync(plainPath, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "gone";
    throw err;
  }
  try {
    await plain.lock(true);
    // Another process may have compressed and removed it while we waited for the lock.
    const now = lstatOrNull(plainPath);
    const held = plain.statSync();
    if (now === null || now.ino !== held.ino || now.dev !== held.dev) return "gone";
    const size = held.size;
    await ensureEntries(baseDir, sessionId);
    const layout = readSessionLayoutSync(baseDir, sessionId);
    const entry = layout.manifest === null ? undefined : findEntry(layout.manifest, index);
    if (entry === undefined) return "gone"; // not part of the session (an index retention dropped)
    if (entry.file.endsWith(".gz") && lstatOrNull(gzPath) !== null) {
      // Compressed and entered; only the removal of the plain copy was left.
      removeIfPresent(plainPath);
      syncDirectory(dir);
      return "already-compressed";
    }
    if (entry.bytes !== size) return "size-mismatch";
    const temporary = `${gzPath}.${crypto.randomUUID()}${TEMPORARY_SUFFIX}`;
    let compressed: Compressed;
    try {
      const out = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o644 });
      try {
        compressed = await compressInto(plain, size, out);
        crashPoint("compress-before-fsync");
        out.syncSync();
      } finally {
        out.close();
      }
      crashPoint("compress-before-rename");
      Deno.renameSync(temporary, gzPath);
      syncDirectory(dir);
    } catch (err) {
      removeIfPresent(temporary);
      throw err;
    }
    crashPoint("compress-after-rename");
    try {
      await verifyCompressed(gzPath, compressed, size);
    } catch (err) {
      removeIfPresent(gzPath);
      throw err;
    }
    const state = compressed.state;
    await withSessionWriteLock(
      baseDir,
      sessionId,
      () =>
        updateSegmentManifest(baseDir, sessionId, (manifest) => {
          const current = findEntry(manifest, index);
          if (current === undefined) return null;
          return withSegmentEntry(manifest, {
            ...current,
            file: segmentFileName(index, true),
            compressed_bytes: compressed.compressedBytes,
            lines: compressed.lines,
            first_seq: compressed.firstSeq,
            last_seq: compressed.lastSeq,
            first_ts: state.minTs === null ? current.first_ts : formatWireTimestamp(state.minTs),
            last_ts: state.maxTs === null ? current.last_ts : formatWireTimestamp(state.maxTs),
            sha256: compressed.sha256,
            members: compressed.members,
            summary: state.toJSON(),
          });
        }),
    );
    crashPoint("compress-after-manifest");
    removeIfPresent(plainPath);
    syncDirectory(dir);
    return "compressed";
  } finally {
    plain.close(); // releases the lock
  }
}

/**
 * Enter every plain segment the manifest lacks (after the last entry, in
 * index order), from its first and last lines; point an entry whose `.gz` is
 * missing back at its plain copy. Under the manifest lock; no change, no write.
 */
async function ensureEntries(baseDir: string, sessionId: string): Promise<void> {
  const layout = readSessionLayoutSync(baseDir, sessionId);
  const needsEntry = layout.segments.filter((p) => p.entry === null && !p.compressed);
  const lostGz = (layout.manifest?.segments ?? []).filter((e) => {
    if (!e.file.endsWith(".gz")) return false;
    const part = layout.segments.find((p) => p.index === e.index);
    return part !== undefined && !part.compressed;
  });
  if (needsEntry.length === 0 && lostGz.length === 0) return;
  const described: SegmentEntry[] = [];
  for (const part of needsEntry) {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(part.path, { read: true });
    } catch {
      continue;
    }
    try {
      described.push(
        describePlainSegment(
          part.index,
          part.start_offset,
          part.bytes,
          (p, into) => readFullySync(file, p, into),
          "repair",
          null,
        ),
      );
    } finally {
      file.close();
    }
  }
  await withSessionWriteLock(
    baseDir,
    sessionId,
    () =>
      updateSegmentManifest(baseDir, sessionId, (manifest) => {
        let next = manifest;
        let changed = false;
        for (const entry of described) {
          const last = next.segments.at(-1);
          if (last !== undefined && last.index >= entry.index) continue;
          next = withSegmentEntry(next, entry);
          changed = true;
        }
        for (const lost of lostGz) {
          const current = findEntry(next, lost.index);
          if (current === undefined || !current.file.endsWith(".gz")) continue;
          next = withSegmentEntry(next, {
            ...current,
            file: segmentFileName(lost.index, false),
            compressed_bytes: null,
            members: [],
          });
          changed = true;
        }
        return changed ? next : null;
      }),
  );
}

/** Run `action` holding segment `index`'s compaction lock if nobody else does; false when busy. */
function whileNotCompacting(plainPath: string, action: () => void): boolean {
  let plain: Deno.FsFile;
  try {
    plain = Deno.openSync(plainPath, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      action();
      return true;
    }
    throw err;
  }
  try {
    if (!plain.tryLockSync(true)) return false;
    action();
    return true;
  } finally {
    plain.close();
  }
}

/** What {@linkcode repairSessionSegments} did. */
export interface RepairReport {
  /** Temporary files removed. */
  removedTemporaries: string[];
  /** Segments compressed (left plain by a crash or not compressed yet). */
  compressed: number[];
  /** Plain copies removed whose `.gz` the manifest names. */
  removedPlainCopies: number[];
  /** `.gz` files removed because the manifest does not name them (compressed again). */
  removedUnverified: number[];
}

/**
 * Repair a session's segment directory after a crash, then compress what is
 * left plain: temporary files are removed (not those of a compaction running
 * in another process), plain segments without an entry get one (from their
 * first and last lines), a plain copy whose `.gz` the manifest names is
 * removed, a `.gz` the manifest does not name is removed and its plain copy
 * compressed again, and every plain segment is compressed. Safe to run at any
 * time, also while writers append and rotate; a missing directory is no work.
 */
export async function repairSessionSegments(
  baseDir: string,
  sessionId: string,
): Promise<RepairReport> {
  const report: RepairReport = {
    removedTemporaries: [],
    compressed: [],
    removedPlainCopies: [],
    removedUnverified: [],
  };
  const dir = segmentDir(baseDir, sessionId);
  const info = lstatOrNull(dir);
  if (info === null || !info.isDirectory) return report;
  // 1. Temporaries: a manifest's under the manifest lock, a segment's under its compaction lock.
  const names = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name);
  const manifestTemporaries = names.filter((n) =>
    n.startsWith("manifest.json.") && n.endsWith(TEMPORARY_SUFFIX)
  );
  if (manifestTemporaries.length > 0) {
    await withSessionWriteLock(
      baseDir,
      sessionId,
      () =>
        updateSegmentManifest(baseDir, sessionId, () => {
          for (const name of manifestTemporaries) {
            removeIfPresent(join(dir, name));
            report.removedTemporaries.push(name);
          }
          return null;
        }),
    );
  }
  for (const name of names) {
    // `<k>.jsonl.gz.<uuid>.tmp` (compression) or `<k>.jsonl.<uuid>.tmp` (a restored copy).
    const m = /^(\d+\.jsonl)(?:\.gz)?\.[^/]*\.tmp$/.exec(name);
    if (m === null) continue;
    if (whileNotCompacting(join(dir, m[1]), () => removeIfPresent(join(dir, name)))) {
      report.removedTemporaries.push(name);
    }
  }
  // 2. A `.gz` without entry or plain copy (a lost manifest): restore the plain copy first.
  await restoreOrphanedGz(baseDir, sessionId);
  // 3. Entries for plain segments the manifest lacks.
  await ensureEntries(baseDir, sessionId);
  // 4. Both copies on disk: the entry decides which one counts.
  const layout = readSessionLayoutSync(baseDir, sessionId);
  for (const entry of layout.manifest?.segments ?? []) {
    const plainPath = join(dir, segmentFileName(entry.index, false));
    const gzPath = join(dir, segmentFileName(entry.index, true));
    if (lstatOrNull(plainPath) === null || lstatOrNull(gzPath) === null) continue;
    if (entry.file.endsWith(".gz")) {
      if (whileNotCompacting(plainPath, () => removeIfPresent(plainPath))) {
        report.removedPlainCopies.push(entry.index);
      }
    } else if (whileNotCompacting(plainPath, () => removeIfPresent(gzPath))) {
      report.removedUnverified.push(entry.index);
    }
  }
  syncDirectory(dir);
  // 5. Compress whatever is still plain.
  for (const entry of readSessionLayoutSync(baseDir, sessionId).manifest?.segments ?? []) {
    if (lstatOrNull(join(dir, segmentFileName(entry.index, false))) === null) continue;
    if (await compactSegment(baseDir, sessionId, entry.index) === "compressed") {
      report.compressed.push(entry.index);
    }
  }
  return report;
}

/** Decompress a `.gz` segment that has neither a manifest entry nor a plain copy back to plain. */
async function restoreOrphanedGz(baseDir: string, sessionId: string): Promise<void> {
  const layout = readSessionLayoutSync(baseDir, sessionId);
  const dir = segmentDir(baseDir, sessionId);
  for (const part of layout.segments) {
    if (part.entry !== null || !part.compressed) continue;
    const parsed = parseSegmentFileName(segmentFileName(part.index, true));
    if (parsed === null) continue;
    const plainPath = join(dir, segmentFileName(part.index, false));
    const temporary = `${plainPath}.${crypto.randomUUID()}${TEMPORARY_SUFFIX}`;
    const bytes = gunzipSync(Deno.readFileSync(part.path));
    const out = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o644 });
    try {
      writeAllSync(out, bytes);
      out.syncSync();
    } finally {
      out.close();
    }
    Deno.renameSync(temporary, plainPath);
    syncDirectory(dir);
    await yieldTurn();
  }
}
