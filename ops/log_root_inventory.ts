/**
 * One pass over a log root that every health check reads from: the sessions
 * (active file, whole-session archive, rotated segments as every reader sees
 * them: the one segment layout of `execution/telemetry/segments.ts`, from
 * the manifest and the directory), the bytes of every file, leftover
 * temporary files and the retention marker. Only metadata is read (directory
 * listings, `lstat`, the manifests), never a session's lines, so it stays
 * fast on a root of thousands of sessions. Symbolic links are neither
 * followed nor counted.
 *
 * @module
 */
import { join } from "node:path";
import { isValidSessionId } from "../execution/session_id.ts";
import {
  readSegmentManifest,
  readSessionLayoutSync,
  SEGMENTS_DIR_NAME,
} from "../execution/telemetry/segments.ts";

/** The marker file retention writes after each applied run (`.last_retention_run`). */
export const RETENTION_MARKER_NAME = ".last_retention_run";
/** How deep other directories under the root are walked for their size. */
const MAX_WALK_DEPTH = 8;

/**
 * A file's size and modification time.
 *
 * @example
 * ```ts
 * import type { FileFacts } from "./log_root_inventory.ts";
 * const facts: FileFacts = { path: "logs/execution/a.jsonl", size: 512, mtime_ms: 0 };
 * ```
 */
export interface FileFacts {
  /** Path (under the log root). */
  path: string;
  /** Size in bytes (apparent size, as `ls -l` shows). */
  size: number;
  /** Modification time, epoch ms (0 when the platform has none). */
  mtime_ms: number;
}

/**
 * A closed segment of a rotated session: the file readers read it from (the
 * plain copy until its compressed one is entered in the manifest), and where
 * it lies in the session's logical byte stream.
 *
 * @example
 * ```ts
 * import type { SegmentFacts } from "./log_root_inventory.ts";
 * const segment: SegmentFacts = {
 *   path: "logs/execution/.segments/a/000001.jsonl.gz", size: 100, mtime_ms: 0,
 *   index: 1, compressed: true, last_ts: null, start_offset: 0, bytes: 512,
 * };
 * ```
 */
export interface SegmentFacts extends FileFacts {
  /** Segment index. */
  index: number;
  /** Whether it is the `.gz` file. */
  compressed: boolean;
  /** Its last event's timestamp from the manifest, or `null`. */
  last_ts: string | null;
  /** Logical offset of its first byte in the session. */
  start_offset: number;
  /** Its uncompressed bytes. */
  bytes: number;
}

/**
 * Everything on disk about one session.
 *
 * @example
 * ```ts
 * import type { SessionFacts } from "./log_root_inventory.ts";
 * const session: SessionFacts = {
 *   root: "logs/execution", session_id: "a", active: null, archive: null, segments: [],
 *   bytes: 0, mtime_ms: 0, manifest_problem: null,
 * };
 * ```
 */
export interface SessionFacts {
  /** The log root holding it. */
  root: string;
  /** The session id. */
  session_id: string;
  /** `<sid>.jsonl`, the file being written, or `null`. */
  active: FileFacts | null;
  /** `<sid>.jsonl.gz`, a whole-session archive, or `null`. */
  archive: FileFacts | null;
  /**
   * Closed segments, ascending by index, one per segment (a plain copy left
   * beside its compressed file while it is being compressed counts in `bytes`,
   * not here).
   */
  segments: SegmentFacts[];
  /** Bytes on disk of all of its files (every segment file, plain and compressed, the manifest). */
  bytes: number;
  /** The newest modification time of its files (epoch ms). */
  mtime_ms: number;
  /** Why the manifest could not be read (the directory listing was used), or `null`. */
  manifest_problem: string | null;
}

/**
 * A log root, as one pass over its metadata found it.
 *
 * @example
 * ```ts
 * import { scanLogRoot } from "./log_root_inventory.ts";
 * const inventory = await scanLogRoot("logs/execution");
 * console.log(inventory.exists, inventory.sessions.length, inventory.total_bytes);
 * ```
 */
export interface LogRootInventory {
  /** The root scanned. */
  root: string;
  /** Whether it exists (a missing root has no sessions and no bytes). */
  exists: boolean;
  /** Every session found, newest first by modification time. */
  sessions: SessionFacts[];
  /** Bytes of every regular file under the root (the original's recursive size). */
  total_bytes: number;
  /** `*.tmp` files anywhere under the root. */
  temp_files: FileFacts[];
  /** Modification time of `.last_retention_run`, or `null`. */
  retention_marker_ms: number | null;
}

function lstatFacts(path: string): FileFacts | null {
  try {
    const info = Deno.lstatSync(path);
    if (!info.isFile) return null;
    return { path, size: info.size, mtime_ms: info.mtime?.getTime() ?? 0 };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null; // removed while scanning
    throw err;
  }
}

function readDirSafe(path: string, skipUnreadable = false): Deno.DirEntry[] {
  try {
    return Array.from(Deno.readDirSync(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return [];
    }
    // Below the root, a directory this process may not read is not the health check's concern.
    if (skipUnreadable && err instanceof Deno.errors.PermissionDenied) return [];
    throw err;
  }
}

/** Size of every regular file under `dir` (no links), collecting `*.tmp` files. */
function walkSize(dir: string, depth: number, temps: FileFacts[]): number {
  if (depth > MAX_WALK_DEPTH) return 0;
  let total = 0;
  for (const entry of readDirSafe(dir, true)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += walkSize(path, depth + 1, temps);
    else if (entry.isFile) {
      const facts = lstatFacts(path);
      if (facts === null) continue;
      total += facts.size;
      if (entry.name.endsWith(".tmp")) temps.push(facts);
    }
  }
  return total;
}

function sessionOf(map: Map<string, SessionFacts>, root: string, id: string): SessionFacts {
  let facts = map.get(id);
  if (facts === undefined) {
    facts = {
      root,
      session_id: id,
      active: null,
      archive: null,
      segments: [],
      bytes: 0,
      mtime_ms: 0,
      manifest_problem: null,
    };
    map.set(id, facts);
  }
  return facts;
}

/**
 * Read one session's segment directory: the size and time of its files, and
 * its segments as the readers see them (the manifest's, then any it does not
 * list yet).
 */
async function scanSegments(
  root: string,
  id: string,
  facts: SessionFacts,
  temps: FileFacts[],
): Promise<number> {
  const dir = join(root, SEGMENTS_DIR_NAME, id);
  let bytes = 0;
  const files = new Map<string, FileFacts>();
  for (const entry of readDirSafe(dir)) {
    if (!entry.isFile) continue;
    const path = join(dir, entry.name);
    const file = lstatFacts(path);
    if (file === null) continue;
    bytes += file.size;
    if (entry.name.endsWith(".tmp")) temps.push(file);
    else files.set(path, file);
  }
  const layout = readSessionLayoutSync(root, id);
  if (layout.manifest === null && files.has(join(dir, "manifest.json"))) {
    // Unreadable: the layout came from the directory; say why.
    try {
      await readSegmentManifest(root, id);
    } catch (err) {
      facts.manifest_problem = err instanceof Error ? err.message : String(err);
    }
  }
  facts.segments = [];
  for (const segment of layout.segments) {
    const file = files.get(segment.path);
    if (file === undefined) continue; // removed since the listing
    facts.segments.push({
      ...file,
      index: segment.index,
      compressed: segment.compressed,
      last_ts: segment.entry?.last_ts ?? null,
      start_offset: segment.start_offset,
      bytes: segment.bytes,
    });
  }
  return bytes;
}

/**
 * Scan `root`: sessions, sizes, temporary files and the retention marker.
 * A missing root gives an empty inventory with `exists: false`.
 *
 * @example
 * ```ts
 * import { scanLogRoot } from "./log_root_inventory.ts";
 * const inventory = await scanLogRoot("logs/execution");
 * for (const s of inventory.sessions.slice(0, 5)) console.log(s.session_id, s.bytes);
 * ```
 */
export async function scanLogRoot(root: string): Promise<LogRootInventory> {
  const inventory: LogRootInventory = {
    root,
    exists: false,
    sessions: [],
    total_bytes: 0,
    temp_files: [],
    retention_marker_ms: null,
  };
  try {
    if (!Deno.statSync(root).isDirectory) return inventory;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return inventory;
    throw err;
  }
  inventory.exists = true;
  const sessions = new Map<string, SessionFacts>();
  for (const entry of readDirSafe(root)) {
    const path = join(root, entry.name);
    if (entry.isDirectory) {
      if (entry.name !== SEGMENTS_DIR_NAME) {
        // Other directories (the health and alert state) count for size; their temporary files
        // are state writes, not compressions, so they are not collected.
        inventory.total_bytes += walkSize(path, 1, []);
        continue;
      }
      for (const sessionDir of readDirSafe(path)) {
        if (!sessionDir.isDirectory) continue;
        if (!isValidSessionId(sessionDir.name)) {
          inventory.total_bytes += walkSize(join(path, sessionDir.name), 2, inventory.temp_files);
          continue;
        }
        const facts = sessionOf(sessions, root, sessionDir.name);
        const bytes = await scanSegments(root, sessionDir.name, facts, inventory.temp_files);
        facts.bytes += bytes;
        inventory.total_bytes += bytes;
      }
      continue;
    }
    if (!entry.isFile) continue;
    const file = lstatFacts(path);
    if (file === null) continue;
    inventory.total_bytes += file.size;
    if (entry.name === RETENTION_MARKER_NAME) inventory.retention_marker_ms = file.mtime_ms;
    else if (entry.name.endsWith(".tmp")) inventory.temp_files.push(file);
    else if (entry.name.endsWith(".jsonl.gz")) {
      const id = entry.name.slice(0, -".jsonl.gz".length);
      if (isValidSessionId(id)) sessionOf(sessions, root, id).archive = file;
    } else if (entry.name.endsWith(".jsonl")) {
      const id = entry.name.slice(0, -".jsonl".length);
      if (isValidSessionId(id)) sessionOf(sessions, root, id).active = file;
    }
  }
  for (const facts of sessions.values()) {
    for (const file of [facts.active, facts.archive, ...facts.segments]) {
      if (file === null) continue;
      if (file === facts.active || file === facts.archive) facts.bytes += file.size;
      facts.mtime_ms = Math.max(facts.mtime_ms, file.mtime_ms);
    }
  }
  inventory.sessions = [...sessions.values()].sort((a, b) =>
    b.mtime_ms - a.mtime_ms || (a.session_id < b.session_id ? -1 : 1)
  );
  return inventory;
}
