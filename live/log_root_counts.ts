/**
 * The totals of a whole log root for the dashboard's `/metrics`: event
 * counts by metric label over every session (every segment of a rotated
 * session, and whole-session archives), sessions by state, the newest event,
 * the bytes on disk and the free space. Kept up to date incrementally by the
 * readers' one mechanism (`session_aggregate.ts`): a session none of whose
 * files changed since the last refresh is not opened, a closed segment counts
 * through its manifest's summary, and a session that grew is read only from
 * the logical offset where the last read stopped, so a rotation neither
 * loses nor counts anything twice.
 *
 * @module
 */
import { statfsSync } from "node:fs";
import { resolve, sep as SEP } from "node:path";
import { isValidSessionId } from "../execution/session_id.ts";
import { SEGMENTS_DIR_NAME } from "../execution/telemetry/segments.ts";
import { EventCounts } from "../execution/metrics/event_counts.ts";
import {
  type BoundedLabelValues,
  errorCodeLabel,
  gateCodeLabels,
  gateLabels,
  kindLabel,
  modeLabel,
  sideLabel,
} from "../execution/metrics/metric_labels.ts";
import { SessionAggregates } from "./session_aggregate.ts";
import { SummaryState } from "../execution/wire/summary_state.ts";

const SESSION_SUFFIX = ".jsonl";
/** What the original's retention leaves of a session: the whole file, gzipped. */
const ARCHIVE_SUFFIX = ".jsonl.gz";
/** A session written to within this window is `active`. */
const DEFAULT_ACTIVE_WINDOW_MS = 5 * 60 * 1000;

/**
 * Sessions of a log root by state: `active` (active file written in the
 * active window), `idle` (other sessions with an active file or closed
 * segments), `archived` (whole-session `<id>.jsonl.gz` files).
 *
 * @example
 * ```ts
 * import type { SessionStates } from "./log_root_counts.ts";
 * const states: SessionStates = { active: 1, idle: 4, archived: 20 };
 * ```
 */
export interface SessionStates {
  /** Sessions whose active file was modified within the active window. */
  active: number;
  /** Other sessions (an active file, or closed segments only). */
  idle: number;
  /** Compressed whole sessions (`<id>.jsonl.gz`). */
  archived: number;
}

/**
 * What one refresh of a log root found.
 *
 * @example
 * ```ts
 * import { LogRootCounts, type LogRootSnapshot } from "./log_root_counts.ts";
 * const snapshot: LogRootSnapshot = await new LogRootCounts("logs/execution").refresh();
 * console.log(snapshot.counts.eventTotal(), snapshot.sessions.active);
 * ```
 */
export interface LogRootSnapshot {
  /**
   * Event counts by label, summed over every session (all its segments),
   * plus what sessions that disappeared or were replaced since this
   * collector started had counted (so the totals never go down while the
   * server runs).
   */
  counts: EventCounts;
  /** Complete lines that are not events (invalid or over the line cap), counted the same way. */
  invalidLines: number;
  /** Sessions by state. */
  sessions: SessionStates;
  /** The newest event timestamp over the current sessions (epoch seconds), or `null`. */
  lastEventSeconds: number | null;
  /**
   * Bytes of the regular files directly in the log root and in the sessions'
   * segment directories (`.segments/<id>/`).
   */
  logBytes: number;
  /** Free space for unprivileged writers and total size of the log root's filesystem, or `null`. */
  filesystem: { availBytes: number; sizeBytes: number } | null;
}

/**
 * Options of {@linkcode LogRootCounts}.
 *
 * @example
 * ```ts
 * import type { LogRootCountsOptions } from "./log_root_counts.ts";
 * const options: LogRootCountsOptions = { activeWindowMs: 60_000 };
 * ```
 */
export interface LogRootCountsOptions {
  /**
   * A session whose active file was modified within this many milliseconds is `active`.
   * @default {300000} (5 minutes)
   */
  activeWindowMs?: number;
  /**
   * The clock, in epoch milliseconds (tests pass their own).
   * @default {Date.now}
   */
  now?: () => number;
}

/** The files of one session found by a listing, with their `lstat`. */
interface SessionFiles {
  active: Deno.FileInfo | null;
  archive: Deno.FileInfo | null;
  /** Its segment directory and manifest, when it has been rotated. */
  segmentDir: Deno.FileInfo | null;
  manifest: Deno.FileInfo | null;
}

/** What is known of one session since its last read. */
interface SessionTrack {
  /** The identities, sizes and times of its files at that read: equal means unchanged. */
  version: string;
  /** Bytes of the files in its segment directory at that read. */
  segmentBytes: number;
  counts: EventCounts;
  invalidLines: number;
  maxTsMicros: number | null;
}

function fileVersion(info: Deno.FileInfo | null): string {
  return info === null ? "-" : `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}`;
}

/** What changes whenever the session's content can have changed (a write, a rotation, a compaction). */
function versionOf(files: SessionFiles): string {
  return `${fileVersion(files.active)}|${fileVersion(files.archive)}|${
    fileVersion(files.segmentDir)
  }|${fileVersion(files.manifest)}`;
}

/**
 * Keeps the totals of one log root, one running summary per session (no
 * latencies, so a state stays a few small maps). Concurrent refreshes share
 * one run.
 *
 * @example
 * ```ts
 * import { LogRootCounts } from "./log_root_counts.ts";
 * const root = new LogRootCounts("logs/execution");
 * const first = await root.refresh();
 * const second = await root.refresh(); // reads only what was appended meanwhile
 * console.log(first.counts.eventTotal() <= second.counts.eventTotal()); // true
 * ```
 */
export class LogRootCounts {
  readonly #logDir: string;
  readonly #activeWindowMs: number;
  readonly #now: () => number;
  readonly #aggregates = new SessionAggregates<SummaryState>({
    create: () => new SummaryState(false, false),
    capacity: Infinity,
    mergeSummary: (sink, part) => sink.absorb(part),
  });
  readonly #tracks = new Map<string, SessionTrack>();
  /** Counts of sessions that went away or were replaced, so that totals stay monotonic. */
  readonly #retired = new EventCounts();
  #retiredInvalid = 0;
  /** The sum over tracks and retired counts, until a track changes. */
  #total: EventCounts | null = null;
  #running: Promise<LogRootSnapshot> | null = null;
  // Label sets live as long as the collector, so a value keeps its label between scrapes.
  readonly #gates: BoundedLabelValues = gateLabels();
  readonly #codes: BoundedLabelValues = gateCodeLabels();

  /** Count the sessions of `logDir`; see {@linkcode LogRootCountsOptions}. */
  constructor(logDir: string, options: LogRootCountsOptions = {}) {
    this.#logDir = resolve(logDir);
    this.#activeWindowMs = options.activeWindowMs ?? DEFAULT_ACTIVE_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes of sessions read so far (a warm refresh adds only appended bytes). */
  get bytesRead(): number {
    return this.#aggregates.bytesRead;
  }

  /** Bring the totals up to date. */
  refresh(): Promise<LogRootSnapshot> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #refresh(): Promise<LogRootSnapshot> {
    const now = this.#now();
    const sessions: SessionStates = { active: 0, idle: 0, archived: 0 };
    const listing = listSessionFiles(this.#logDir);
    let logBytes = listing.rootBytes;
    const seen = new Set<string>();
    for (const [id, files] of listing.sessions) {
      // Unchanged sessions are settled here, without an await (or an open) per session.
      const version = versionOf(files);
      const known = this.#tracks.get(id);
      const track = known?.version === version ? known : await this.#updateOrKeep(id, files);
      if (files.active !== null) {
        const mtime = files.active.mtime?.getTime() ?? null;
        if (mtime !== null && now - mtime <= this.#activeWindowMs) sessions.active++;
        else sessions.idle++;
      } else if (files.segmentDir === null) {
        sessions.archived++;
      } else if (track !== null) {
        sessions.idle++; // closed segments only: no writer holds it
      }
      if (track === null) continue;
      seen.add(id);
      logBytes += track.segmentBytes;
    }
    for (const [id, track] of this.#tracks) {
      if (!seen.has(id)) this.#retire(id, track);
    }
    let maxTs: number | null = null;
    let invalidLines = this.#retiredInvalid;
    for (const track of this.#tracks.values()) {
      invalidLines += track.invalidLines;
      if (track.maxTsMicros !== null && (maxTs === null || track.maxTsMicros > maxTs)) {
        maxTs = track.maxTsMicros;
      }
    }
    return {
      counts: this.#totals(),
      invalidLines,
      sessions,
      lastEventSeconds: maxTs === null ? null : maxTs / 1e6,
      logBytes,
      filesystem: filesystemOf(this.#logDir),
    };
  }

  /**
   * {@linkcode LogRootCounts.#update}, except that a session that cannot be
   * read now (permissions, an I/O error) keeps what it counted before instead
   * of failing the whole scrape; it is tried again on the next one.
   */
  async #updateOrKeep(id: string, files: SessionFiles): Promise<SessionTrack | null> {
    try {
      return await this.#update(id, files);
    } catch {
      return this.#tracks.get(id) ?? null;
    }
  }

  /** The track of session `id`, read on from where it stopped; `null` when it is not readable. */
  async #update(id: string, files: SessionFiles): Promise<SessionTrack | null> {
    const known = this.#tracks.get(id);
    const version = versionOf(files);
    const segmentBytes = files.segmentDir === null
      ? 0
      : regularFileBytes(`${this.#logDir}${SEP}${SEGMENTS_DIR_NAME}${SEP}${id}`);
    return await this.#aggregates.read(this.#logDir, id, (read) => {
      if (read === null) {
        // Gone, or not a readable session (a damaged archive): what it counted stays counted.
        if (known !== undefined) this.#retire(id, known);
        return null;
      }
      // Truncated, rewritten or replaced: what the old session counted stays counted.
      if (read.restarted && known !== undefined) this.#retireCounts(known);
      const track: SessionTrack = {
        version,
        segmentBytes,
        counts: this.#countsOf(read.sink),
        invalidLines: read.sink.invalidLines + read.sink.oversizedLines,
        maxTsMicros: read.sink.maxTs,
      };
      this.#tracks.set(id, track);
      this.#total = null;
      return track;
    });
  }

  #retire(id: string, track: SessionTrack): void {
    this.#retireCounts(track);
    this.#tracks.delete(id);
    this.#aggregates.delete(this.#logDir, id);
  }

  #retireCounts(track: SessionTrack): void {
    this.#retired.addAll(track.counts);
    this.#retiredInvalid += track.invalidLines;
    this.#total = null;
  }

  #totals(): EventCounts {
    if (this.#total !== null) return this.#total;
    const total = new EventCounts();
    total.addAll(this.#retired);
    for (const track of this.#tracks.values()) total.addAll(track.counts);
    this.#total = total;
    return total;
  }

  /** A session's summary totals by metric label. */
  #countsOf(state: SummaryState): EventCounts {
    const counts = new EventCounts();
    for (const [kind, modes] of state.kindModes) {
      for (const [mode, n] of modes) counts.addEvents(kindLabel(kind), modeLabel(mode), n);
    }
    for (const [gate, n] of state.gatePasses) {
      counts.addGateDecisions(this.#gates.label(gate), "pass", n);
    }
    for (const [gate, n] of state.gateBlocks) {
      counts.addGateDecisions(this.#gates.label(gate), "block", n);
    }
    for (const [gate, codes] of state.gateBlockCodes) {
      const label = this.#gates.label(gate);
      for (const [code, n] of codes) counts.addGateBlocks(label, this.#codes.label(code), n);
    }
    for (const [side, n] of state.fillSides) counts.addFills(sideLabel(side), n);
    for (const [code, n] of state.errorCodes) counts.addErrors(errorCodeLabel(code), n);
    counts.addFillAmounts(state.fillNotional, state.fillFees);
    return counts;
  }
}

/** The sessions of a log root by id, and the bytes of the other files directly in it. */
interface RootListing {
  sessions: Map<string, SessionFiles>;
  /** Bytes of every regular file directly in the root (sessions or not). */
  rootBytes: number;
}

function filesOf(map: Map<string, SessionFiles>, id: string): SessionFiles {
  let files = map.get(id);
  if (files === undefined) {
    files = { active: null, archive: null, segmentDir: null, manifest: null };
    map.set(id, files);
  }
  return files;
}

/**
 * One listing of `root` and of its `.segments`: every session's files with
 * their `lstat`. Synchronous listing and lstat: a few microseconds per file,
 * where the async forms cost ten times more in the event loop (1,000
 * sessions: ~2 ms against ~15 ms).
 */
function listSessionFiles(root: string): RootListing {
  const listing: RootListing = { sessions: new Map(), rootBytes: 0 };
  let rotated = false;
  for (const entry of listDirectory(root)) {
    if (entry.isDirectory && entry.name === SEGMENTS_DIR_NAME) rotated = true;
    if (!entry.isFile) continue; // links, FIFOs and folders are never session files
    const info = lstatOrNull(`${root}${SEP}${entry.name}`);
    if (info === null || !info.isFile) continue;
    listing.rootBytes += info.size;
    const archive = entry.name.endsWith(ARCHIVE_SUFFIX);
    if (!archive && !entry.name.endsWith(SESSION_SUFFIX)) continue;
    const id = entry.name.slice(0, -(archive ? ARCHIVE_SUFFIX : SESSION_SUFFIX).length);
    if (!isValidSessionId(id)) continue;
    const files = filesOf(listing.sessions, id);
    if (archive) files.archive = info;
    else files.active = info;
  }
  if (!rotated) return listing;
  const segments = `${root}${SEP}${SEGMENTS_DIR_NAME}`;
  for (const entry of listDirectory(segments)) {
    if (!entry.isDirectory || !isValidSessionId(entry.name)) continue;
    const dir = `${segments}${SEP}${entry.name}`;
    const info = lstatOrNull(dir);
    if (info === null || !info.isDirectory) continue;
    const files = filesOf(listing.sessions, entry.name);
    files.segmentDir = info;
    files.manifest = lstatOrNull(`${dir}${SEP}manifest.json`);
  }
  return listing;
}

/** Bytes of the regular files directly in `dir` (segments, manifest, temporaries). */
function regularFileBytes(dir: string): number {
  let total = 0;
  for (const entry of listDirectory(dir)) {
    if (!entry.isFile) continue;
    const info = lstatOrNull(`${dir}${SEP}${entry.name}`);
    if (info !== null && info.isFile) total += info.size;
  }
  return total;
}

/** The entries of `dir`; none when it does not exist (yet). */
function listDirectory(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null; // removed meanwhile
    throw err;
  }
}

/** Whether `descriptor` is granted, without prompting (a scrape must never wait on a prompt). */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Free and total bytes of the filesystem holding `dir`, or `null` when it
 * cannot be read (missing, or no `--allow-sys=statfs`).
 */
function filesystemOf(dir: string): { availBytes: number; sizeBytes: number } | null {
  if (!granted({ name: "sys", kind: "statfs" }) || !granted({ name: "read", path: dir })) {
    return null;
  }
  try {
    const fs = statfsSync(dir);
    return { availBytes: fs.bavail * fs.bsize, sizeBytes: fs.blocks * fs.bsize };
  } catch {
    return null;
  }
}
