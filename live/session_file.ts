/**
 * Opening a session file for reading, safely: only a regular file that is
 * not a symbolic link counts as a session file. A link planted in the log
 * root (pointing anywhere) and a FIFO or device named `<id>.jsonl` (which
 * would block a reader or serve foreign data) read as absent, as they are
 * absent from the session list and refused by the writer. The open itself
 * never follows a link and never waits on a FIFO (see `RegularFile`), so a
 * file swapped in between a check and the open cannot hang a request.
 * Internal: not part of the public API.
 *
 * @module
 */
import { basename, dirname } from "../execution/paths.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";
import { type PositionalReader, readFullySync } from "../execution/wire/positional_reader.ts";
import { readSessionLayoutSync } from "../execution/telemetry/segments.ts";
import { isValidSessionId } from "../execution/session_id.ts";
import { gzipContentSizeSync } from "./gzip_readers.ts";

export { RegularFile };

/** Bytes just before a read position kept to notice a file rewritten in place. */
export const FINGERPRINT_BYTES = 64;
const SESSION_SUFFIX = ".jsonl";
const LF = 0x0a;
/** Backward step when looking for the end of the last complete line. */
const TAIL_BLOCK_BYTES = 64 * 1024;

/**
 * The up to {@linkcode FINGERPRINT_BYTES} bytes before `position`: compared
 * later, they tell a file that only grew from one rewritten in place (a
 * truncate and regrow, or a new file on a reused inode). A synchronous read
 * of at most a few KiB of a regular file: cheaper than a round trip through
 * the thread pool.
 *
 * @example
 * ```ts ignore
 * const seen = fingerprintAt(file, 4096);
 * ```
 */
export function fingerprintAt(
  file: PositionalReader & { readSync(position: number, into: Uint8Array): number },
  position: number,
): Uint8Array {
  const length = Math.min(FINGERPRINT_BYTES, position);
  const out = new Uint8Array(length);
  const filled = readFullySync(file, position - length, out);
  return filled === length ? out : out.subarray(0, filled);
}

/**
 * Whether two byte arrays are equal.
 *
 * @example
 * ```ts ignore
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])); // true
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Open `path` for reading when it is a regular file (not a symbolic link);
 * `null` when it is missing, a link, or not a regular file. Other errors
 * (permissions) are thrown. Never blocks on a FIFO swapped in under the name.
 *
 * @example
 * ```ts ignore
 * const file = await openSessionFile("logs/execution/demo.jsonl");
 * if (file === null) console.log("no session file");
 * ```
 */
export function openSessionFile(path: string): Promise<RegularFile | null> {
  try {
    return Promise.resolve(RegularFile.open(path));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The end of a session as one logical byte stream (closed segments, then
 * the active file): what `timeline --follow` starts from. `statSync().size`
 * is the logical size, and {@linkcode completeLinesEndSync} gives the end of
 * its last complete line, both as logical offsets (equal to the file's own
 * before the first rotation).
 */
export class SessionEnd implements Disposable {
  readonly #active: RegularFile | null;
  readonly #base: number;
  readonly #size: number;
  /** The active file's identity and logical start, or `null` without an active file. */
  readonly active: { ino: number; dev: number; base: number } | null;

  /** The end of a session whose active file (if any) starts at logical `base`. */
  constructor(active: RegularFile | null, base: number) {
    this.#active = active;
    this.#base = base;
    const stat = active?.stat() ?? null;
    this.#size = base + (stat?.size ?? 0);
    this.active = stat === null ? null : { ino: stat.ino, dev: stat.dev, base };
  }

  /** The logical size (every closed segment plus the active file). */
  statSync(): { size: number } {
    return { size: this.#size };
  }

  /** The logical offset just after the last `\n` within the first `size` logical bytes. */
  completeEndSync(size: number): number {
    const active = this.#active;
    if (active === null || size <= this.#base) return Math.min(size, this.#base);
    const local = completeEndOf((p, into) => active.readSync(p, into), size - this.#base);
    // Closed segments end with a newline: a file without one yet ends where they do.
    return this.#base + local;
  }

  /** Close the active file. */
  close(): void {
    this.#active?.close();
  }

  /** Close at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The end of the last complete line within `size` bytes of a source read synchronously. */
function completeEndOf(read: (position: number, into: Uint8Array) => number, size: number): number {
  const block = new Uint8Array(TAIL_BLOCK_BYTES);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - block.length);
    const view = block.subarray(0, end - start);
    let filled = 0;
    while (filled < view.length) {
      const n = read(start + filled, view.subarray(filled));
      if (n <= 0) break;
      filled += n;
    }
    const nl = view.subarray(0, filled).lastIndexOf(LF);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * The logical end of the session whose active file is `path`
 * (`<root>/<sid>.jsonl`): `null` when the session has neither an active file
 * nor a closed segment. A path that is not a session file of a log root is
 * opened as a plain file (offsets are then the file's own).
 *
 * @example
 * ```ts ignore
 * using end = openSessionFileSync("logs/execution/demo.jsonl");
 * ```
 */
export function openSessionFileSync(path: string): SessionEnd | null {
  const name = basename(path);
  const sessionId = name.endsWith(SESSION_SUFFIX) ? name.slice(0, -SESSION_SUFFIX.length) : "";
  if (!isValidSessionId(sessionId)) {
    const file = RegularFile.open(path);
    return file === null ? null : new SessionEnd(file, 0);
  }
  for (let attempt = 0;; attempt++) {
    const active = RegularFile.open(path);
    const layout = readSessionLayoutSync(dirname(path), sessionId);
    if (active !== null && attempt < 3 && movedSinceOpen(active, path)) {
      active.close(); // rotated (or replaced) between the open and the layout: look again
      continue;
    }
    if (active === null && layout.segments.length === 0) {
      // A whole-session archive: it ends where its content does.
      const size = gzipContentSizeSync(layout.archivePath);
      return size === null ? null : new SessionEnd(null, size);
    }
    return new SessionEnd(active, layout.base);
  }
}

/**
 * Whether `path` no longer names `file` (opened from it): rotated into a
 * segment, replaced or removed since. Checked after the segment layout was
 * read: while the path still names the file, no rotation of it can have
 * happened before that read (a rotation renames the file before it enters
 * the manifest), so the layout and the file agree. Comparing with the newest
 * segment instead missed a segment compressed in between (another inode),
 * and the rotated file was then read as the active one at the new base.
 */
export function movedSinceOpen(file: RegularFile, path: string): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return true;
  }
  const held = file.stat();
  return info.ino !== held.ino || info.dev !== held.dev;
}
