/**
 * Compressing a closed segment and repairing a session's segment directory,
 * crash-safe at every step. Runs off the writer's hot path (in a worker, see
 * `segment_compactor.ts`); retention calls the same functions (the one
 * implementation of segment compression and repair): `compactSegment` for its
 * compression rule, `inspectSegmentRepairs` for its dry-run and
 * `repairSessionSegments` (with `compressPlain: false`) when it applies.
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
  readSegmentManifestSync,
  readSessionLayoutSync,
  segmentDir,
  type SegmentEntry,
  segmentFileName,
  type SegmentManifest,
  SegmentManifestError,
  type SegmentMember,
  TEMPORARY_SUFFIX,
  updateSegmentManifest,
  updateSegmentManifestSync,
  withSegmentEntry,
} from "./segments.ts";
import { syncDirectory } from "../atomic_file.ts";
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
      // The segment keeps its age: retention judges closed segments by modification time.
      if (held.mtime !== null) Deno.utimeSync(temporary, held.atime ?? held.mtime, held.mtime);
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
        }, "compress-manifest-write"),
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
          // A compaction may have renamed its `.gz` into place since the layout was read.
          if (lstatOrNull(join(segmentDir(baseDir, sessionId), current.file)) !== null) continue;
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

/**
 * Run `action` holding the compaction lock of the segment whose plain copy is
 * `plainPath` (the `flock` {@linkcode compactSegment} holds while it
 * compresses), if nobody else does; `false` when a compaction holds it. A
 * segment without a plain copy is never being compacted: `action` just runs.
 */
export function whileNotCompacting(plainPath: string, action: () => void): boolean {
  let plain: Deno.FsFile;
  try {
    const info = Deno.lstatSync(plainPath);
    if (!info.isFile) throw new Error(`${plainPath} is not a regular file; left alone`);
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

/** What one repair step does. */
export type SegmentRepairKind =
  | "remove-temporary"
  | "rebuild-manifest"
  | "remove-deleted-leftover"
  | "adopt-segment"
  | "remove-plain-copy"
  | "compress-segment";

/** One repair step: what it does to which files, and the bytes it frees or writes. */
export interface SegmentRepairStep {
  /** What the step does. */
  kind: SegmentRepairKind;
  /** The segment it is about, or `null` (temporaries, the manifest). */
  index: number | null;
  /** Names (inside the segment directory) of the files it removes or replaces. */
  files: string[];
  /** One sentence saying why. */
  detail: string;
  /** Bytes of the files it removes or replaces. */
  bytesBefore: number;
  /** Bytes it leaves in their place, or `null` until done (a compression, a restored copy). */
  bytesAfter: number | null;
}

/** What {@linkcode inspectSegmentRepairs} found: the steps, and what repair leaves alone. */
export interface SegmentRepairPlan {
  /** The session. */
  sessionId: string;
  /** Steps in the order they are done. */
  steps: SegmentRepairStep[];
  /** Things repair cannot fix and leaves alone (links, entries without a file, …). */
  problems: string[];
}

/** What {@linkcode repairSessionSegments} did. */
export interface SegmentRepairReport extends SegmentRepairPlan {
  /** Steps done, with their measured sizes (a step another process made moot is left out). */
  steps: SegmentRepairStep[];
  /** Steps that failed, with why (later steps of the same segment are not tried). */
  failed: { step: SegmentRepairStep; error: string }[];
}

/**
 * Options of {@linkcode inspectSegmentRepairs} and {@linkcode repairSessionSegments}.
 */
export interface SegmentRepairOptions {
  /**
   * Also compress closed segments that were never compressed (no `.gz` of
   * theirs exists). The writer's start-up repair does; retention does not,
   * because its policy (`compress_after_days`) decides when to compress.
   * Segments whose compression was interrupted are always finished.
   * @default {true}
   */
  compressPlain?: boolean;
}

/** A segment directory as found: its files by kind, the manifest, what is wrong. */
interface DirectoryState {
  temporaries: { name: string; size: number }[];
  segments: Map<number, { plain?: number; gz?: number }>;
  manifest: SegmentManifest | null;
  manifestProblem: string | null;
  links: string[];
}

/** Our temporaries: a manifest's, a compression's (`<k>.jsonl.gz.<id>.tmp`), a restored copy's. */
const MANIFEST_TEMPORARY = /^manifest\.json\..+\.tmp$/;
const SEGMENT_TEMPORARY = /^(\d+\.jsonl)(?:\.gz)?\..+\.tmp$/;

function readDirectoryState(dir: string, baseDir: string, sessionId: string): DirectoryState {
  const state: DirectoryState = {
    temporaries: [],
    segments: new Map(),
    manifest: null,
    manifestProblem: null,
    links: [],
  };
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isSymlink) {
      state.links.push(entry.name);
      continue;
    }
    if (!entry.isFile) continue;
    const info = lstatOrNull(join(dir, entry.name));
    if (info === null || !info.isFile) continue; // removed or replaced meanwhile
    if (MANIFEST_TEMPORARY.test(entry.name) || SEGMENT_TEMPORARY.test(entry.name)) {
      state.temporaries.push({ name: entry.name, size: info.size });
      continue;
    }
    const parsed = parseSegmentFileName(entry.name);
    if (parsed === null) continue;
    const files = state.segments.get(parsed.index) ?? {};
    if (parsed.compressed) files.gz = info.size;
    else files.plain = info.size;
    state.segments.set(parsed.index, files);
  }
  if (state.links.length === 0) {
    try {
      state.manifest = readSegmentManifestSync(baseDir, sessionId);
    } catch (err) {
      if (!(err instanceof SegmentManifestError)) throw err;
      state.manifestProblem = err.message;
    }
  }
  return state;
}

/**
 * Whether the `.gz` at `gzPath` decompresses to exactly the bytes of the
 * plain copy at `plainPath` (false also when it is not gzip at all).
 */
function gzipHolds(gzPath: string, plainPath: string): boolean {
  try {
    const plain = Deno.readFileSync(plainPath);
    const unpacked = gunzipSync(Deno.readFileSync(gzPath));
    if (unpacked.length !== plain.length) return false;
    for (let i = 0; i < plain.length; i++) if (unpacked[i] !== plain[i]) return false;
    return true;
  } catch {
    return false;
  }
}

function compressStep(index: number, bytesBefore: number, why: string): SegmentRepairStep {
  const gzName = segmentFileName(index, true);
  return {
    kind: "compress-segment",
    index,
    files: [segmentFileName(index, false), gzName],
    detail: `${gzName} ${why}: compressed from the plain copy`,
    bytesBefore,
    bytesAfter: null,
  };
}

/**
 * The repair steps a session's segment directory needs, found without
 * changing anything (a `.gz` beside its plain copy is decompressed to check
 * it). No directory means nothing to do. The rules, in order:
 *
 * - a directory that is a symbolic link, or holds one, is left alone (never
 *   followed, nothing repaired: a problem);
 * - our temporary files (`manifest.json.*.tmp`, `<k>.jsonl.gz.*.tmp`,
 *   `<k>.jsonl.*.tmp`) are removed, a segment's only while no compaction
 *   holds that segment;
 * - an unreadable manifest is set aside (`manifest.json.<time>.corrupt`) and
 *   the segments are entered again from their bytes;
 * - a segment file below the manifest's first entry is what a retention
 *   deletion left (it writes the manifest first, then removes the files) and
 *   is removed;
 * - a segment after the manifest's last entry gets an entry from its first
 *   and last lines (a `.gz` without its plain copy is decompressed beside it
 *   first, then compressed again);
 * - a plain copy beside the `.gz` its entry names is removed when the `.gz`
 *   reproduces it exactly; otherwise (or when the `.gz` is unrecorded, or
 *   recorded but missing) the segment is compressed again from the plain copy;
 * - with `compressPlain`, a segment never compressed is compressed.
 */
export function inspectSegmentRepairs(
  baseDir: string,
  sessionId: string,
  options: SegmentRepairOptions = {},
): Promise<SegmentRepairPlan> {
  try {
    return Promise.resolve(inspectSync(baseDir, sessionId, options.compressPlain ?? true));
  } catch (err) {
    return Promise.reject(err);
  }
}

function inspectSync(
  baseDir: string,
  sessionId: string,
  compressPlain: boolean,
): SegmentRepairPlan {
  const dir = segmentDir(baseDir, sessionId);
  const plan: SegmentRepairPlan = { sessionId, steps: [], problems: [] };
  const info = lstatOrNull(dir);
  if (info === null) return plan;
  if (!info.isDirectory) {
    plan.problems.push(`${dir} is not a directory (a link is never followed); left alone`);
    return plan;
  }
  const state = readDirectoryState(dir, baseDir, sessionId);
  if (state.links.length > 0) {
    plan.problems.push(
      `${dir} holds symbolic links (${state.links.join(", ")}); never followed, nothing repaired`,
    );
    return plan;
  }
  for (const t of state.temporaries.sort((a, b) => a.name.localeCompare(b.name))) {
    plan.steps.push({
      kind: "remove-temporary",
      index: null,
      files: [t.name],
      detail: `leftover temporary file ${t.name} of an interrupted write`,
      bytesBefore: t.size,
      bytesAfter: 0,
    });
  }
  let entries: SegmentEntry[] = state.manifest?.segments ?? [];
  if (state.manifestProblem !== null) {
    plan.steps.push({
      kind: "rebuild-manifest",
      index: null,
      files: ["manifest.json"],
      detail: `${state.manifestProblem}: set aside and rebuilt from the segment files`,
      bytesBefore: 0,
      bytesAfter: 0,
    });
    entries = [];
  }
  const byIndex = new Map(entries.map((e) => [e.index, e]));
  const first = entries[0]?.index;
  const last = entries.at(-1)?.index ?? 0;
  const indexes = [...new Set([...state.segments.keys(), ...byIndex.keys()])].sort((a, b) => a - b);
  for (const index of indexes) {
    const files = state.segments.get(index) ?? {};
    const entry = byIndex.get(index);
    const plainName = segmentFileName(index, false);
    const gzName = segmentFileName(index, true);
    const sizes = (files.plain ?? 0) + (files.gz ?? 0);
    if (entry === undefined) {
      if (first !== undefined && index < first) {
        plan.steps.push({
          kind: "remove-deleted-leftover",
          index,
          files: [
            files.plain === undefined ? null : plainName,
            files.gz === undefined ? null : gzName,
          ].filter((n) => n !== null),
          detail: `segment ${index} is below the manifest's first entry (${first}): ` +
            "left by a retention deletion",
          bytesBefore: sizes,
          bytesAfter: 0,
        });
      } else if (index < last) {
        plan.problems.push(`segment ${index} has no manifest entry but lies between entries`);
      } else {
        plan.steps.push({
          kind: "adopt-segment",
          index,
          files: [],
          detail: files.plain !== undefined
            ? `segment ${index} has no manifest entry: one is rebuilt from its first and last lines`
            : `compressed segment ${index} has no manifest entry and no plain copy: it is ` +
              "decompressed beside it and recorded",
          bytesBefore: 0,
          bytesAfter: files.plain !== undefined ? 0 : null,
        });
        if (files.gz !== undefined) {
          plan.steps.push(compressStep(index, sizes, "is not recorded in the manifest"));
        } else if (compressPlain) {
          plan.steps.push(compressStep(index, sizes, "was never made"));
        }
      }
      continue;
    }
    const namesGz = entry.file === gzName;
    if (files.plain !== undefined && files.gz !== undefined) {
      const verified = namesGz && gzipHolds(join(dir, gzName), join(dir, plainName));
      plan.steps.push(
        verified
          ? {
            kind: "remove-plain-copy",
            index,
            files: [plainName],
            detail: `${gzName} is recorded and reproduces ${plainName} exactly`,
            bytesBefore: files.plain,
            bytesAfter: 0,
          }
          : compressStep(
            index,
            sizes,
            namesGz ? "does not reproduce its plain copy" : "is not recorded in the manifest",
          ),
      );
    } else if (files.plain !== undefined && namesGz) {
      plan.steps.push(compressStep(index, sizes, "is recorded but missing"));
    } else if (files.plain !== undefined && compressPlain) {
      plan.steps.push(compressStep(index, sizes, "was never made"));
    } else if (files.plain === undefined && files.gz === undefined) {
      plan.problems.push(`segment ${index}: the manifest names ${entry.file}, which is missing`);
    } else if (files.gz !== undefined && !namesGz) {
      plan.problems.push(
        `segment ${index}: the manifest names ${plainName}, but only ${gzName} exists`,
      );
    }
  }
  return plan;
}

/**
 * Repair a session's segment directory after a crash (see
 * {@linkcode inspectSegmentRepairs} for the rules) and return what was done,
 * what failed and what was left alone. Safe at any time, also while writers
 * append and rotate: every manifest change holds the session's write lock
 * and the manifest lock, and a segment a compaction holds is left to it. The
 * caller holds no lock of the session. A missing directory is no work.
 */
export async function repairSessionSegments(
  baseDir: string,
  sessionId: string,
  options: SegmentRepairOptions = {},
): Promise<SegmentRepairReport> {
  const plan = inspectSync(baseDir, sessionId, options.compressPlain ?? true);
  const report: SegmentRepairReport = { ...plan, steps: [], failed: [] };
  const failedIndexes = new Set<number>();
  for (const step of plan.steps) {
    if (step.index !== null && failedIndexes.has(step.index)) continue;
    try {
      const after = await doStep(baseDir, sessionId, step);
      if (after !== null) report.steps.push({ ...step, bytesAfter: after });
    } catch (err) {
      if (step.index !== null) failedIndexes.add(step.index);
      report.failed.push({ step, error: err instanceof Error ? err.message : String(err) });
      if (step.kind === "rebuild-manifest") break; // nothing else is safe without a manifest
    }
  }
  if (plan.steps.length > 0) syncDirectory(segmentDir(baseDir, sessionId));
  return report;
}

/** Run `change` holding the session's write lock and the manifest lock; it returns no manifest. */
function underManifestLocks(baseDir: string, sessionId: string, change: () => void): Promise<void> {
  return withSessionWriteLock(baseDir, sessionId, async () => {
    await updateSegmentManifest(baseDir, sessionId, () => {
      change();
      return null;
    });
  });
}

/** Do one step; the bytes it left in place of `step.files`, or `null` when it was moot. */
async function doStep(
  baseDir: string,
  sessionId: string,
  step: SegmentRepairStep,
): Promise<number | null> {
  const dir = segmentDir(baseDir, sessionId);
  switch (step.kind) {
    case "remove-temporary": {
      const name = step.files[0];
      const path = join(dir, name);
      if (MANIFEST_TEMPORARY.test(name)) {
        // A manifest write in progress holds the manifest lock.
        await underManifestLocks(baseDir, sessionId, () => removeIfPresent(path));
        return 0;
      }
      const m = SEGMENT_TEMPORARY.exec(name)!;
      // A compression in progress holds its plain copy's lock.
      return whileNotCompacting(join(dir, m[1]), () => removeIfPresent(path)) ? 0 : null;
    }
    case "rebuild-manifest": {
      await underManifestLocks(baseDir, sessionId, () => {
        try {
          readSegmentManifestSync(baseDir, sessionId);
          return; // readable again: another process rewrote it
        } catch (err) {
          if (!(err instanceof SegmentManifestError)) throw err;
        }
        // Kept for a person to look at; the segments are entered again from their bytes.
        Deno.renameSync(
          join(dir, "manifest.json"),
          join(dir, `manifest.json.${Date.now()}.corrupt`),
        );
      });
      return 0;
    }
    case "remove-deleted-leftover": {
      const index = step.index!;
      let removed = false;
      const done = whileNotCompacting(join(dir, segmentFileName(index, false)), () => {
        // Synchronously under the manifest lock: the index must still be below the first entry.
        updateSegmentManifestSync(baseDir, sessionId, (manifest) => {
          const first = manifest.segments[0]?.index;
          if (first === undefined || index >= first) return null;
          for (const name of step.files) removeIfPresent(join(dir, name));
          removed = true;
          return null;
        });
      });
      return done && removed ? 0 : null;
    }
    case "adopt-segment": {
      const restored = restoreOrphanedGz(baseDir, sessionId, step.index!);
      await ensureEntries(baseDir, sessionId);
      return restored;
    }
    case "remove-plain-copy": {
      const index = step.index!;
      const plainPath = join(dir, segmentFileName(index, false));
      let removed = false;
      const done = whileNotCompacting(plainPath, () => {
        // The entry must still name the `.gz` (verified when inspected; only a compaction, which
        // holds this lock, writes it).
        if (entryOf(baseDir, sessionId, index)?.file.endsWith(".gz") !== true) return;
        removeIfPresent(plainPath);
        removed = true;
      });
      return done && removed ? 0 : null;
    }
    case "compress-segment":
      return await recompress(baseDir, sessionId, step.index!);
  }
}

/** The manifest's entry of segment `index`, if any. */
function entryOf(baseDir: string, sessionId: string, index: number): SegmentEntry | undefined {
  const manifest = readSegmentManifestSync(baseDir, sessionId);
  return manifest === null ? undefined : findEntry(manifest, index);
}

/**
 * Compress segment `index` again from its plain copy: a `.gz` its entry
 * names that does not reproduce the plain copy is removed first and the
 * entry pointed back at the plain copy (the plain copy is what counts until
 * a verified `.gz` is entered). Returns the size of the verified `.gz`.
 */
async function recompress(
  baseDir: string,
  sessionId: string,
  index: number,
): Promise<number | null> {
  const dir = segmentDir(baseDir, sessionId);
  const plainPath = join(dir, segmentFileName(index, false));
  const gzPath = join(dir, segmentFileName(index, true));
  // Only with the plain copy there and its compaction lock held: a compaction that finished
  // meanwhile (entered its `.gz`, removed the plain copy) must find its `.gz` untouched.
  let plain: Deno.FsFile;
  try {
    plain = Deno.openSync(plainPath, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null; // compressed by another process
    throw err;
  }
  try {
    if (!plain.tryLockSync(true)) return null; // a compaction is at it now
    const now = lstatOrNull(plainPath);
    const held = plain.statSync();
    if (now === null || now.ino !== held.ino || now.dev !== held.dev) return null;
    const entry = entryOf(baseDir, sessionId, index);
    if (
      entry !== undefined && entry.file.endsWith(".gz") && lstatOrNull(gzPath) !== null &&
      !gzipHolds(gzPath, plainPath)
    ) {
      removeIfPresent(gzPath); // the plain copy is what counts until a verified `.gz` is entered
    }
  } finally {
    plain.close();
  }
  await ensureEntries(baseDir, sessionId); // an entry naming a missing .gz names the plain copy again
  const outcome = await compactSegment(baseDir, sessionId, index);
  if (outcome === "size-mismatch") {
    throw new Error(
      `${plainPath} does not hold the bytes its manifest entry says; left alone`,
    );
  }
  if (outcome === "gone") return null;
  return lstatOrNull(gzPath)?.size ?? null;
}

/**
 * A `.gz` segment that has neither a manifest entry nor a plain copy (a lost
 * manifest) is decompressed back to a plain copy beside it, keeping its
 * modification time, so it can be entered and compressed again. Returns the
 * bytes written (0 when there was nothing to restore).
 */
function restoreOrphanedGz(baseDir: string, sessionId: string, index: number): number {
  const dir = segmentDir(baseDir, sessionId);
  const plainPath = join(dir, segmentFileName(index, false));
  const gzPath = join(dir, segmentFileName(index, true));
  const gz = lstatOrNull(gzPath);
  if (lstatOrNull(plainPath) !== null || gz === null) return 0;
  if (!gz.isFile) throw new Error(`${gzPath} is not a regular file; left alone`);
  const bytes = gunzipSync(Deno.readFileSync(gzPath));
  const temporary = `${plainPath}.${crypto.randomUUID()}${TEMPORARY_SUFFIX}`;
  const out = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o644 });
  try {
    writeAllSync(out, bytes);
    out.syncSync();
  } finally {
    out.close();
  }
  if (gz.mtime !== null) Deno.utimeSync(temporary, gz.atime ?? gz.mtime, gz.mtime);
  Deno.renameSync(temporary, plainPath);
  syncDirectory(dir);
  return bytes.length;
}
