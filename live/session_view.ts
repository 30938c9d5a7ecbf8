/**
 * A session as one logical byte stream for the readers: its closed segments
 * (plain or compressed) in index order, then its active file; or a
 * whole-session archive `<sid>.jsonl.gz` when that is all there is. Offsets
 * are logical (see `execution/telemetry/segments.ts`): before the first
 * rotation they are the active file's own.
 *
 * The active file is opened first and the layout read after it; if the file
 * opened turns out to be the newest closed segment (rotated in between), the
 * view is built again, so the active file's start is always right.
 *
 * @module
 */
import {
  readSessionLayoutSync,
  type SegmentPart,
  type SessionLayout,
} from "../execution/telemetry/segments.ts";
import { RegularFile, type RegularFileStat } from "../execution/wire/regular_file.ts";
import {
  gzipContentSize,
  GzipMemberReader,
  type PartReader,
  SequentialGzipReader,
} from "./gzip_readers.ts";
import { movedSinceOpen } from "./session_file.ts";
import { sessionFilePath } from "../execution/log_root.ts";

/** One part of a session's byte stream. */
export interface SessionPart {
  /** A closed segment, the active file, or a whole-session archive. */
  kind: "segment" | "active" | "archive";
  /** Logical offset of its first byte. */
  start: number;
  /** Its (uncompressed) bytes now. */
  size: number;
  /** The closed segment it is, or `null`. */
  segment: SegmentPart | null;
}

/** A session's parts, with its active file (or archive) held open until {@linkcode close}. */
export class SessionView implements Disposable {
  /** Its parts, ascending by `start`. */
  readonly parts: SessionPart[];
  /** The open active file, or `null`. */
  readonly active: RegularFile | null;
  /** The active file's stat when the view was made, or `null`. */
  readonly activeStat: RegularFileStat | null;
  /** The whole-session archive's stat when it is the session (no active file, no segment), or `null`. */
  readonly archiveStat: RegularFileStat | null;
  /** The layout read for it. */
  readonly layout: SessionLayout;
  readonly #archive: RegularFile | null;
  readonly #baseDir: string;
  #activeKept = false;

  /** A view of `layout` (read in `baseDir`) with its parts and open files. */
  constructor(
    baseDir: string,
    layout: SessionLayout,
    parts: SessionPart[],
    active: RegularFile | null,
    archive: RegularFile | null,
  ) {
    this.#baseDir = baseDir;
    this.layout = layout;
    this.parts = parts;
    this.active = active;
    this.activeStat = active?.stat() ?? null;
    this.archiveStat = archive?.stat() ?? null;
    this.#archive = archive;
  }

  /** Whether the session exists in any form. */
  get found(): boolean {
    return this.parts.length > 0;
  }

  /** Logical offset just after its last byte. */
  get end(): number {
    const last = this.parts.at(-1);
    return last === undefined ? 0 : last.start + last.size;
  }

  /** Logical offset of its oldest byte still on disk. */
  get firstStart(): number {
    return this.parts[0]?.start ?? 0;
  }

  /** The active part, or `null`. */
  get activePart(): SessionPart | null {
    const last = this.parts.at(-1);
    return last?.kind === "active" ? last : null;
  }

  /**
   * A reader of `part`'s uncompressed bytes (part-relative positions), or
   * `null` when its file is gone (deleted by retention). The active file's
   * reader is this view's own descriptor (closing it is a no-op); a plain
   * segment compressed meanwhile is read from its `.gz`.
   */
  openPart(part: SessionPart): PartReader | null {
    if (part.kind === "active") return borrowed(this.active!);
    if (part.kind === "archive") {
      // Its own descriptor: a sequential reader is used up by one pass and closes its file.
      const archive = RegularFile.open(this.layout.archivePath);
      return archive === null ? null : new SequentialGzipReader(archive);
    }
    const segment = part.segment!;
    if (!segment.compressed) {
      const plain = RegularFile.open(segment.path);
      if (plain !== null) return owned(plain);
      // Compressed and removed since the layout was read: find its `.gz` in the manifest now.
      const fresh = readSessionLayoutSync(this.#baseDir, this.layout.session_id).segments
        .find((s) => s.index === segment.index);
      if (fresh === undefined || !fresh.compressed) return null;
      return openCompressed(fresh);
    }
    return openCompressed(segment);
  }

  /**
   * The open active file, handed over: the caller closes it, `close()` no
   * longer does (a follower keeps it between looks). `null` without one.
   */
  keepActive(): RegularFile | null {
    this.#activeKept = this.active !== null;
    return this.active;
  }

  /** Close the files the view holds. */
  close(): void {
    if (!this.#activeKept) this.active?.close();
    this.#archive?.close();
  }

  /** Close at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

// Plain files can also be read synchronously: a reader that checks for other work itself
// (the timeline's search) saves a round trip through the thread pool per block.
function borrowed(file: RegularFile): PartReader {
  return {
    random: true,
    read: (p, into) => file.read(p, into),
    readSync: (p, into) => file.readSync(p, into),
    close: () => {},
  };
}

function owned(file: RegularFile): PartReader {
  return {
    random: true,
    read: (p, into) => file.read(p, into),
    readSync: (p, into) => file.readSync(p, into),
    close: () => file.close(),
  };
}

function openCompressed(segment: SegmentPart): PartReader | null {
  const file = RegularFile.open(segment.path);
  if (file === null) return null;
  const members = segment.entry?.members ?? [];
  if (members.length > 0) return new GzipMemberReader(file, members, segment.bytes);
  return new SequentialGzipReader(file);
}

/**
 * Open a session for reading: its parts now, the active file held open.
 * Throws `InvalidSessionIdError` for an invalid id. A session with no active
 * file, no segment and no archive has no parts (`found` is false).
 */
export async function openSessionView(baseDir: string, sessionId: string): Promise<SessionView> {
  for (let attempt = 0;; attempt++) {
    // The layout is read after the active file was opened, so the file's start is known.
    const path = sessionFilePath(baseDir, sessionId);
    const active = RegularFile.open(path);
    const after = readSessionLayoutSync(baseDir, sessionId);
    if (active !== null && attempt < 3 && movedSinceOpen(active, path)) {
      active.close(); // rotated (or replaced) between the open and the layout: look again
      continue;
    }
    const parts: SessionPart[] = after.segments.map((segment) => ({
      kind: "segment",
      start: segment.start_offset,
      size: segment.bytes,
      segment,
    }));
    let archive: RegularFile | null = null;
    if (active !== null) {
      parts.push({ kind: "active", start: after.base, size: active.stat().size, segment: null });
    } else if (parts.length === 0) {
      const size = await gzipContentSize(after.archivePath);
      archive = size === null ? null : RegularFile.open(after.archivePath);
      if (archive !== null) parts.push({ kind: "archive", start: 0, size: size!, segment: null });
    }
    return new SessionView(baseDir, after, parts, active, archive);
  }
}
