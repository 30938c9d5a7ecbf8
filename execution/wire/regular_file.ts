/**
 * Opening a file of the log root for reading without ever blocking: the open
 * does not follow a symbolic link (`O_NOFOLLOW`) and does not wait for a
 * writer when the name turns out to be a FIFO (`O_NONBLOCK`), and the opened
 * descriptor is checked to be a regular file before a byte is read. A FIFO,
 * device, directory or link swapped in under a session's name between a
 * check and the open therefore reads as absent instead of hanging a request.
 *
 * Reads are positional (`pread`), so one handle serves any number of reads
 * in any order.
 *
 * @module
 */
import * as fs from "node:fs";
import type { PositionalReader } from "./positional_reader.ts";

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
/** Flags of every open: no link followed, no wait on a FIFO (absent on Windows: 0). */
const OPEN_FLAGS = O_RDONLY | (O_NONBLOCK ?? 0) | (O_NOFOLLOW ?? 0);

/** What {@linkcode RegularFile.stat} reports. */
export interface RegularFileStat {
  /** Size in bytes now. */
  size: number;
  /** Inode number (0 where the platform has none). */
  ino: number;
  /** Device number. */
  dev: number;
  /** Last modification, epoch milliseconds. */
  mtimeMs: number;
}

/** Error codes that mean "not a session file here": missing, a link, not a regular file. */
const ABSENT_CODES = new Set(["ENOENT", "ELOOP", "ENOTDIR", "EISDIR", "ENXIO", "EMLINK"]);

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** An open regular file, read by position. Close it (or `using` it) when done. */
export class RegularFile implements PositionalReader, Disposable {
  #fd: number | null;
  /** The path it was opened by. */
  readonly path: string;

  private constructor(fd: number, path: string) {
    this.#fd = fd;
    this.path = path;
  }

  /**
   * Open `path` when it is a regular file; `null` when it is missing, a
   * symbolic link (unless `followLinks`), or anything but a regular file
   * (checked on the opened descriptor, so a swap cannot slip through). Other
   * errors (permissions) are thrown. Never blocks on a FIFO.
   */
  static open(path: string, options: { followLinks?: boolean } = {}): RegularFile | null {
    const follow = options.followLinks ?? false;
    // Anything that is not a regular file now is not opened at all (opening a device can
    // have effects of its own); the checks on the descriptor catch a swap after this.
    try {
      if (!(follow ? Deno.statSync(path) : Deno.lstatSync(path)).isFile) return null;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return null;
      }
      throw err;
    }
    let fd: number;
    try {
      fd = fs.openSync(path, follow ? OPEN_FLAGS & ~(O_NOFOLLOW ?? 0) : OPEN_FLAGS);
    } catch (err) {
      const code = errorCode(err);
      if (code !== undefined && ABSENT_CODES.has(code)) return null;
      throw err;
    }
    let regular = false;
    try {
      regular = fs.fstatSync(fd).isFile();
    } finally {
      if (!regular) fs.closeSync(fd);
    }
    return regular ? new RegularFile(fd, path) : null;
  }

  #descriptor(): number {
    if (this.#fd === null) throw new Deno.errors.BadResource(`${this.path} is closed`);
    return this.#fd;
  }

  /** Size, identity and modification time of the open file. */
  stat(): RegularFileStat {
    const s = fs.fstatSync(this.#descriptor());
    return { size: s.size, ino: s.ino, dev: s.dev, mtimeMs: s.mtimeMs };
  }

  /** Read into `into` from `position`; resolves with the bytes read (0 at the end). */
  read(position: number, into: Uint8Array): Promise<number> {
    const fd = this.#descriptor();
    if (into.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      fs.read(fd, into, 0, into.length, position, (err, n) => err ? reject(err) : resolve(n));
    });
  }

  /** {@linkcode read}, synchronously. */
  readSync(position: number, into: Uint8Array): number {
    if (into.length === 0) return 0;
    return fs.readSync(this.#descriptor(), into, 0, into.length, position);
  }

  /** Close the file (again: no effect). */
  close(): void {
    const fd = this.#fd;
    this.#fd = null;
    if (fd !== null) fs.closeSync(fd);
  }

  /** Close the file at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Read a whole regular file, never following a link or blocking on a FIFO;
 * `null` when it is not a regular file. Throws a `RangeError` when it is
 * larger than `maxBytes`.
 */
export function readRegularFile(path: string, maxBytes: number): Uint8Array | null {
  const file = RegularFile.open(path);
  if (file === null) return null;
  using opened = file;
  const size = opened.stat().size;
  if (size > maxBytes) throw new RangeError(`${path} is larger than ${maxBytes} bytes`);
  const bytes = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const n = opened.readSync(filled, bytes.subarray(filled));
    if (n === 0) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

/** {@linkcode readRegularFile} as UTF-8 text (a manifest). */
export function readRegularTextFile(path: string, maxBytes: number): string | null {
  const bytes = readRegularFile(path, maxBytes);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/**
 * The text of a small file of state (a manifest, a checkpoint): `null` when
 * there is none, else its text, or what is wrong with it — not a regular file
 * (a link, a directory, a FIFO: never followed or opened) or larger than
 * `maxBytes`. The caller names the problem in its own error.
 */
export function readStateTextFile(
  path: string,
  maxBytes: number,
): { text: string } | { problem: "not a regular file" | "too large" } | null {
  let text: string | null;
  try {
    text = readRegularTextFile(path, maxBytes);
  } catch (err) {
    if (err instanceof RangeError) return { problem: "too large" };
    throw err;
  }
  if (text !== null) return { text };
  // Not opened: no file there, or something that is not a regular file.
  try {
    Deno.lstatSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
  return { problem: "not a regular file" };
}
