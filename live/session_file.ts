/**
 * Opening a session file for reading, safely: only a regular file that is
 * not a symbolic link counts as a session file. A link planted in the log
 * root (pointing anywhere) and a FIFO or device named `<id>.jsonl` (which
 * would block a reader or serve foreign data) read as absent, as they are
 * absent from the session list and refused by the writer. Internal: not part
 * of the public API.
 *
 * @module
 */
import { readAt } from "./backward_lines.ts";

/** Bytes just before a read position kept to notice a file rewritten in place. */
export const FINGERPRINT_BYTES = 64;

/**
 * The up to {@linkcode FINGERPRINT_BYTES} bytes before `position`: compared
 * later, they tell a file that only grew from one rewritten in place (a
 * truncate and regrow, or a new file on a reused inode).
 *
 * @example
 * ```ts ignore
 * const seen = await fingerprintAt(file, 4096);
 * ```
 */
export async function fingerprintAt(file: Deno.FsFile, position: number): Promise<Uint8Array> {
  const length = Math.min(FINGERPRINT_BYTES, position);
  return await readAt(file, position - length, length);
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

/** The opened `file` when it is the regular file `before` (from lstat) described; else closes it. */
function keepIfSame(
  file: Deno.FsFile,
  before: Deno.FileInfo,
  stat: () => Deno.FileInfo,
): Deno.FsFile | null {
  let same = false;
  try {
    const after = stat();
    same = after.isFile && after.ino === before.ino && after.dev === before.dev;
  } finally {
    if (!same) file.close();
  }
  return same ? file : null;
}

/** `run()`, or `null` when it throws `NotFound` (other errors are thrown). */
function missingAsNull<T>(run: () => T): T | null {
  try {
    return run();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Open `path` for reading when it is a regular file (not a symbolic link);
 * `null` when it is missing, a link, not a regular file, or was swapped
 * between the check and the open. Other errors (permissions) are thrown.
 * The checks use synchronous `lstat`/`fstat` (microseconds on a local disk);
 * the open itself is asynchronous.
 *
 * @example
 * ```ts ignore
 * const file = await openSessionFile("logs/execution/demo.jsonl");
 * if (file === null) console.log("no session file");
 * ```
 */
export async function openSessionFile(path: string): Promise<Deno.FsFile | null> {
  // lstat: a symbolic link is not a file here, so it is never followed.
  const before = missingAsNull(() => Deno.lstatSync(path));
  if (before === null || !before.isFile) return null;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  return keepIfSame(file, before, () => file.statSync());
}

/**
 * {@linkcode openSessionFile}, synchronously.
 *
 * @example
 * ```ts ignore
 * const file = openSessionFileSync("logs/execution/demo.jsonl");
 * ```
 */
export function openSessionFileSync(path: string): Deno.FsFile | null {
  const before = missingAsNull(() => Deno.lstatSync(path));
  if (before === null || !before.isFile) return null;
  const file = missingAsNull(() => Deno.openSync(path, { read: true }));
  return file === null ? null : keepIfSame(file, before, () => file.statSync());
}
