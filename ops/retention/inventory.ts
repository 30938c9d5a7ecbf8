/**
 * What retention finds in a log root: every session with all its files (the
 * active `<sid>.jsonl`, a whole-session archive `<sid>.jsonl.gz`, the
 * `.segments/<sid>/` directory with its manifest and closed segments, and
 * temporary files), their real sizes and modification times, whether a
 * writer holds the session's lock, and why a session must be left alone.
 * Only reads; never follows a symbolic link (every entry is looked at with
 * `lstat`, and a link makes its session untouchable).
 *
 * @module
 */
import { join } from "node:path";
import { isValidSessionId } from "../../execution/session_id.ts";
import {
  parseSegmentFileName,
  readSegmentManifest,
  type SegmentEntry,
  SegmentManifestError,
  SEGMENTS_DIR_NAME,
} from "../../execution/telemetry/segments.ts";
import { gunzipChunks } from "../../live/gzip_readers.ts";
import { decodeEventLine } from "../../execution/wire/line_decoder.ts";
import { SessionWriteLock } from "./session_lock.ts";

/**
 * A file as retention saw it; `path` is relative to the log root.
 *
 * @example
 * ```ts
 * import type { RetentionFile } from "@peak-trade/execution";
 * const file: RetentionFile = { path: "paper-1.jsonl", bytes: 4096, mtime_ms: 0, ino: 42 };
 * ```
 */
export interface RetentionFile {
  /** Path relative to the log root (`s1.jsonl`, `.segments/s1/000001.jsonl.gz`). */
  path: string;
  /** Size in bytes (`st_size`). */
  bytes: number;
  /** Modification time, epoch milliseconds. */
  mtime_ms: number;
  /** Inode number (to notice a file replaced between plan and apply), or `null`. */
  ino: number | null;
}

/** A closed segment: its manifest entry and the files present for it. */
export interface InventorySegment {
  /** Segment index. */
  index: number;
  /** Its manifest entry. */
  entry: SegmentEntry;
  /** The plain copy, when present. */
  plain: RetentionFile | null;
  /** The compressed file, when present. */
  gz: RetentionFile | null;
}

/** One session and everything that belongs to it. */
export interface InventorySession {
  /** The session id. */
  sessionId: string;
  /** `<sid>.jsonl`, or `null`. */
  active: RetentionFile | null;
  /** `<sid>.jsonl.gz` (a whole-session archive), or `null`. */
  archive: RetentionFile | null;
  /** Whether `.segments/<sid>/` exists (a real directory). */
  hasSegmentDir: boolean;
  /** The manifest file, or `null`. */
  manifest: RetentionFile | null;
  /** The manifest's entries with their files, in index order (empty when there is no usable manifest). */
  segments: InventorySegment[];
  /** Whether the manifest exists but cannot be read. */
  manifestCorrupt: boolean;
  /** Every regular file of the session (what deleting it whole removes). */
  files: RetentionFile[];
  /** Our temporaries in the root (`<sid>.jsonl.gz.<uuid>.tmp`) left by an interrupted compression. */
  rootTemporaries: RetentionFile[];
  /** Sum of `files` (and root temporaries). */
  bytes: number;
  /** Newest modification time of the session's data files (ms). */
  lastModifiedMs: number;
  /** Whether another holder had the lock on the active file when looked at. */
  locked: boolean;
  /** Why the session is left alone entirely, or `null`. */
  skip: string | null;
}

/** Everything found in a log root. */
export interface RetentionInventory {
  /** The sessions, in no particular order. */
  sessions: InventorySession[];
  /** Problems that stop part of the work (unreadable directories, links where directories belong). */
  problems: string[];
}

const ACTIVE_SUFFIX = ".jsonl";
const ARCHIVE_SUFFIX = ".jsonl.gz";
/** Our temporaries in the root: `<sid>.jsonl.gz.<uuid>.tmp`. */
const ROOT_TEMPORARY = /^(.+)\.jsonl\.gz\.[0-9a-f-]{36}\.tmp$/;
/** Bytes read from the start of a file to find its first line. */
const SNIFF_BYTES = 64 * 1024;
/** The longest first line looked for (the readers' line limit). */
const MAX_FIRST_LINE = 1024 * 1024;

function fileOf(path: string, info: Deno.FileInfo): RetentionFile {
  return { path, bytes: info.size, mtime_ms: info.mtime?.getTime() ?? 0, ino: info.ino };
}

function emptySession(sessionId: string): InventorySession {
  return {
    sessionId,
    active: null,
    archive: null,
    hasSegmentDir: false,
    manifest: null,
    segments: [],
    manifestCorrupt: false,
    files: [],
    rootTemporaries: [],
    bytes: 0,
    lastModifiedMs: 0,
    locked: false,
    skip: null,
  };
}

/** Add a reason to leave the session alone (the first one wins). */
function skip(session: InventorySession, why: string): void {
  session.skip ??= why;
}

/**
 * Look at everything in the log root `root` (a real path, already checked):
 * sessions, their files, sizes, modification times and locks. Reads only.
 */
export async function takeInventory(root: string): Promise<RetentionInventory> {
  const sessions = new Map<string, InventorySession>();
  const problems: string[] = [];
  const session = (id: string): InventorySession => {
    let s = sessions.get(id);
    if (s === undefined) sessions.set(id, s = emptySession(id));
    return s;
  };
  let segmentsRoot: "none" | "dir" | "unusable" = "none";
  for await (const entry of Deno.readDir(root)) {
    const name = entry.name;
    if (name === SEGMENTS_DIR_NAME) {
      if (entry.isDirectory) segmentsRoot = "dir";
      else {
        segmentsRoot = "unusable";
        problems.push(
          `${SEGMENTS_DIR_NAME} is ${
            entry.isSymlink ? "a symbolic link" : "not a directory"
          }: never followed, so no session is deleted or compressed until it is a plain directory`,
        );
      }
      continue;
    }
    const temporary = ROOT_TEMPORARY.exec(name);
    let id: string | null = null;
    let kind: "active" | "archive" | "temporary" | null = null;
    if (temporary !== null && isValidSessionId(temporary[1])) {
      [id, kind] = [temporary[1], "temporary"];
    } else if (name.endsWith(ARCHIVE_SUFFIX)) {
      [id, kind] = [name.slice(0, -ARCHIVE_SUFFIX.length), "archive"];
    } else if (name.endsWith(ACTIVE_SUFFIX)) {
      [id, kind] = [name.slice(0, -ACTIVE_SUFFIX.length), "active"];
    }
    if (id === null || kind === null || !isValidSessionId(id)) continue;
    const s = session(id);
    if (entry.isSymlink) {
      skip(s, `${name} is a symbolic link (never followed); remove or replace it by hand`);
      continue;
    }
    if (!entry.isFile) {
      skip(s, `${name} is not a regular file`);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(join(root, name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // removed meanwhile
      throw err;
    }
    const file = fileOf(name, info);
    if (kind === "temporary") s.rootTemporaries.push(file);
    else if (kind === "archive") s.archive = file;
    else s.active = file;
  }
  if (segmentsRoot === "dir") await readSegmentsRoot(root, session, problems);
  for (const s of sessions.values()) await complete(root, s, segmentsRoot === "unusable");
  return { sessions: [...sessions.values()], problems };
}

/** Read `.segments/`: one directory per session. */
async function readSegmentsRoot(
  root: string,
  session: (id: string) => InventorySession,
  problems: string[],
): Promise<void> {
  const dir = join(root, SEGMENTS_DIR_NAME);
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!isValidSessionId(entry.name)) continue;
      const s = session(entry.name);
      if (entry.isSymlink) {
        skip(s, `${SEGMENTS_DIR_NAME}/${entry.name} is a symbolic link (never followed)`);
        continue;
      }
      if (!entry.isDirectory) {
        skip(s, `${SEGMENTS_DIR_NAME}/${entry.name} is not a directory`);
        continue;
      }
      s.hasSegmentDir = true;
      try {
        await readSegmentDir(root, s);
      } catch (err) {
        problems.push(`cannot read ${SEGMENTS_DIR_NAME}/${entry.name}: ${message(err)}`);
        skip(s, `its segment directory cannot be read (${message(err)})`);
      }
    }
  } catch (err) {
    problems.push(`cannot read ${SEGMENTS_DIR_NAME}: ${message(err)}`);
  }
}

/** Read one session's segment directory: manifest, segment files, anything else. */
async function readSegmentDir(root: string, s: InventorySession): Promise<void> {
  const relative = `${SEGMENTS_DIR_NAME}/${s.sessionId}`;
  const dir = join(root, relative);
  const plain = new Map<number, RetentionFile>();
  const gz = new Map<number, RetentionFile>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${relative}/${entry.name}`;
    if (entry.isSymlink) {
      skip(s, `${path} is a symbolic link (never followed)`);
      continue;
    }
    if (!entry.isFile) {
      skip(s, `${path} is not a regular file`);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(join(dir, entry.name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    const file = fileOf(path, info);
    s.files.push(file);
    if (entry.name === "manifest.json") {
      s.manifest = file;
      continue;
    }
    const parsed = parseSegmentFileName(entry.name);
    if (parsed !== null) (parsed.compressed ? gz : plain).set(parsed.index, file);
  }
  if (s.skip !== null) return;
  try {
    const manifest = await readSegmentManifest(root, s.sessionId);
    for (const entry of manifest?.segments ?? []) {
      s.segments.push({
        index: entry.index,
        entry,
        plain: plain.get(entry.index) ?? null,
        gz: gz.get(entry.index) ?? null,
      });
    }
  } catch (err) {
    if (!(err instanceof SegmentManifestError)) throw err;
    s.manifestCorrupt = true;
  }
}

/** Totals, the newest modification, the lock, and the telemetry check of one session. */
async function complete(
  root: string,
  s: InventorySession,
  segmentsUnusable: boolean,
): Promise<void> {
  if (segmentsUnusable) skip(s, `${SEGMENTS_DIR_NAME} is not a plain directory`);
  if (s.archive !== null) s.files.unshift(s.archive);
  if (s.active !== null) s.files.unshift(s.active);
  s.bytes = [...s.files, ...s.rootTemporaries].reduce((sum, f) => sum + f.bytes, 0);
  const data = [
    s.active,
    s.archive,
    ...s.files.filter((f) => parseSegmentFileName(f.path.slice(f.path.lastIndexOf("/") + 1))),
  ].filter((f): f is RetentionFile => f !== null);
  // Data files only: a manifest rewritten by retention itself must not make a session look new.
  const dated = data.length > 0 ? data : [...s.files, ...s.rootTemporaries];
  s.lastModifiedMs = Math.max(0, ...dated.map((f) => f.mtime_ms));
  if (s.skip !== null) return;
  if (s.active !== null) {
    try {
      s.locked = await SessionWriteLock.isHeld(join(root, s.active.path));
    } catch (err) {
      skip(s, `cannot look at the lock of ${s.active.path}: ${message(err)}`);
      return;
    }
    if (s.active.bytes > 0 && !(await startsWithEvent(join(root, s.active.path), false))) {
      skip(s, `${s.active.path} does not start with an execution event (not telemetry?)`);
    }
  }
  if (s.archive !== null && s.archive.bytes > 0 && s.skip === null) {
    if (!(await startsWithEvent(join(root, s.archive.path), true))) {
      skip(s, `${s.archive.path} does not start with an execution event (not telemetry?)`);
    }
  }
}

/**
 * Whether the first non-blank line of a file is an execution event with a
 * timestamp: a guard against a log root pointed at a directory of other
 * `*.jsonl` files. Reads at most the first line (up to 1 MiB).
 */
async function startsWithEvent(path: string, compressed: boolean): Promise<boolean> {
  let head = new Uint8Array(0);
  try {
    for await (const chunk of compressed ? gunzipChunks(path) : readChunks(path)) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      const verdict = firstLineVerdict(head, false);
      if (verdict !== null) return verdict;
      if (head.length >= MAX_FIRST_LINE) return false;
    }
  } catch {
    return false;
  }
  return firstLineVerdict(head, true) ?? false;
}

/** The verdict on the first non-blank line of `head`, or `null` when it is not complete yet. */
function firstLineVerdict(head: Uint8Array, atEnd: boolean): boolean | null {
  let start = 0;
  for (;;) {
    const newline = head.indexOf(0x0a, start);
    if (newline === -1 && !atEnd) return null;
    const end = newline === -1 ? head.length : newline;
    const verdict = decodeEventLine(head.subarray(start, end), start, end);
    if (verdict !== "blank") return typeof verdict === "object" && verdict.ts !== null;
    if (newline === -1) return false;
    start = newline + 1;
  }
}

async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (!info.isFile) return;
    for (let read = 0; read < MAX_FIRST_LINE;) {
      const buffer = new Uint8Array(SNIFF_BYTES);
      const n = await file.read(buffer);
      if (n === null) return;
      read += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    file.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
