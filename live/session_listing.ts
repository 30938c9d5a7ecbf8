/**
 * Which sessions a log root holds (their ids: `session_ids.ts`) and how
 * each is stored: an active file (`<id>.jsonl`), closed segments
 * (`.segments/<id>/`), a whole-session archive (`<id>.jsonl.gz`), or several
 * of them. The readers that go over a whole log root (the session list, the
 * sessions index, the cross-session query) find their sessions here, so a
 * rotated or archived session is never missed. Metadata only: one listing of the root and of `.segments`,
 * and, for the disk figures, an `lstat` per file and the cached manifest.
 * Internal: not part of the public API.
 *
 * @module
 */
import { readSessionLayoutSync } from "../execution/telemetry/segments.ts";
import { sessionIds } from "./session_ids.ts";
import type { SessionInfo } from "./types.ts";
import { getExecutionSummary } from "./summary.ts";
import { openSessionView } from "./session_view.ts";

/**
 * How a session is stored now: its active file is being (or was last)
 * written; only closed segments are left; or it is a whole-session archive.
 *
 * @example
 * ```ts ignore
 * const storage: SessionStorage = "archive";
 * ```
 */
export type SessionStorage = "active" | "segments" | "archive";

/**
 * What a session takes on disk and when it last changed.
 *
 * @example
 * ```ts ignore
 * const disk = sessionDiskUsage("logs/execution", "paper-1");
 * console.log(disk.storage, disk.size, disk.modified);
 * ```
 */
export interface SessionDiskUsage {
  /** How it is stored (`null`: nothing of it is left). */
  storage: SessionStorage | null;
  /** Bytes on disk: the active file plus every segment as stored (compressed or plain), or the archive. */
  size: number;
  /** When any of its files last changed (the newest), or `null`. */
  modified: Date | null;
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * The ids of every session in `baseDir` (see `session_ids.ts`), sorted.
 * Throws `NotFound` when `baseDir` does not exist.
 *
 * @example
 * ```ts ignore
 * for (const id of await listSessionIds("logs/execution")) console.log(id);
 * ```
 */
export async function listSessionIds(baseDir: string): Promise<string[]> {
  return [...await sessionIds(baseDir)].sort();
}

/**
 * Whether `sessionId` is a session of `baseDir` a reader can read: an active
 * file, closed segments, or a whole-session archive that is gzip. Throws
 * `InvalidSessionIdError` for an invalid id.
 *
 * @example
 * ```ts ignore
 * if (!(await sessionExists("logs/execution", "paper-1"))) console.log("no such session");
 * ```
 */
export async function sessionExists(baseDir: string, sessionId: string): Promise<boolean> {
  using view = await openSessionView(baseDir, sessionId);
  return view.found;
}

/**
 * Bytes a session takes on disk (the active file and every closed segment as
 * stored, compressed or plain; or its archive when that is all there is),
 * when it last changed, and how it is stored.
 *
 * @example
 * ```ts ignore
 * console.log(sessionDiskUsage("logs/execution", "paper-1").size);
 * ```
 */
export function sessionDiskUsage(baseDir: string, sessionId: string): SessionDiskUsage {
  const layout = readSessionLayoutSync(baseDir, sessionId);
  const active = lstatOrNull(layout.activePath);
  const usage: SessionDiskUsage = { storage: null, size: 0, modified: null };
  if (active !== null && active.isFile) {
    usage.storage = "active";
    usage.size += active.size;
    usage.modified = active.mtime;
  }
  for (const segment of layout.segments) {
    usage.storage ??= "segments";
    usage.size += segment.disk_bytes;
  }
  const newest = layout.segments.at(-1);
  if (newest !== undefined && usage.storage === "segments") {
    usage.modified = lstatOrNull(newest.path)?.mtime ?? null;
  }
  if (usage.storage === null) {
    const archive = lstatOrNull(layout.archivePath);
    if (archive !== null && archive.isFile) {
      usage.storage = "archive";
      usage.size += archive.size;
      usage.modified = archive.mtime;
    }
  }
  return usage;
}

/**
 * A listed session: its row of the session list and how it is stored.
 *
 * @example
 * ```ts ignore
 * const listed: StoredSession = { info, storage: "segments" };
 * ```
 */
export interface StoredSession {
  /** The session list's row. */
  info: SessionInfo;
  /** How the session is stored now. */
  storage: SessionStorage;
}

/**
 * Every session of `baseDir` with its row of the session list (sizes on
 * disk; events and first/last timestamp from the summary, across every
 * segment) and its storage, newest first (by last timestamp, then
 * modification time, then id). A missing directory gives none.
 *
 * @example
 * ```ts ignore
 * for (const s of await listStoredSessions("logs/execution")) console.log(s.info.session_id, s.storage);
 * ```
 */
export async function listStoredSessions(baseDir: string): Promise<StoredSession[]> {
  let ids: string[];
  try {
    ids = await listSessionIds(baseDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const sessions: StoredSession[] = [];
  for (const id of ids) {
    const summary = await getExecutionSummary(id, { baseDir });
    if (!summary.found) continue; // removed meanwhile, a link, a FIFO, a damaged archive
    const disk = sessionDiskUsage(baseDir, id);
    if (disk.storage === null) continue; // removed since the summary
    sessions.push({
      info: {
        session_id: id,
        size_bytes: disk.size,
        event_count: summary.event_count,
        first_ts: summary.start_time,
        last_ts: summary.end_time,
        modified: disk.modified === null ? null : disk.modified.toISOString(),
      },
      storage: disk.storage,
    });
  }
  // Newest first: wire timestamps compare as strings; files without any by modification time.
  return sessions.sort(({ info: a }, { info: b }) =>
    compareDesc(a.last_ts, b.last_ts) || compareDesc(a.modified, b.modified) ||
    (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0)
  );
}

function compareDesc(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? 1 : -1;
}
