/**
 * Reading the uncompressed bytes of a compressed segment or archive by
 * position. A segment's manifest lists its gzip members, so
 * {@linkcode GzipMemberReader} decompresses only the members a read touches
 * (about 1 MiB each, the last two kept); a `.gz` without that list (a
 * whole-session archive of the original) is read front to back by
 * {@linkcode SequentialGzipReader}, which starts again from the beginning when
 * asked for an earlier position.
 *
 * @module
 */
import { type GunzipStream, gunzipStream, gunzipSync } from "../execution/gunzip.ts";
import type { SegmentMember } from "../execution/telemetry/segments.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";
import { type PositionalReader, readFully } from "../execution/wire/positional_reader.ts";

/** A positional reader over one part of a session, closed when the read is done. */
export interface PartReader extends PositionalReader {
  /** Reads at any position cost the same (false: only forward reads are cheap). */
  readonly random: boolean;
  /** Release the file. */
  close(): void;
}

/** Compressed bytes read per step of a sequential read. */
const SEQUENTIAL_CHUNK_BYTES = 256 * 1024;

/** Random access to a multi-member gzip file through its member list. */
export class GzipMemberReader implements PartReader {
  readonly random = true;
  readonly #file: RegularFile;
  readonly #members: SegmentMember[];
  readonly #bytes: number;
  readonly #compressedSize: number;
  /** The most recently decompressed members (a backward read walks them one by one). */
  #cache: Array<{ member: number; bytes: Uint8Array }> = [];

  /** `file` holds `bytes` uncompressed bytes in `members` (ascending). */
  constructor(file: RegularFile, members: SegmentMember[], bytes: number) {
    this.#file = file;
    this.#members = members;
    this.#bytes = bytes;
    this.#compressedSize = file.stat().size;
  }

  /** Index of the member holding uncompressed offset `position`. */
  #memberAt(position: number): number {
    const members = this.#members;
    let lo = 0;
    let hi = members.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (members[mid].start <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async #decompressed(m: number): Promise<Uint8Array> {
    const hit = this.#cache.find((c) => c.member === m);
    if (hit !== undefined) return hit.bytes;
    const from = this.#members[m].offset;
    const to = m + 1 < this.#members.length ? this.#members[m + 1].offset : this.#compressedSize;
    const compressed = new Uint8Array(to - from);
    const filled = await readFully(this.#file, from, compressed);
    if (filled !== compressed.length) {
      throw new Error(`${this.#file.path} is shorter than its members`);
    }
    const bytes = gunzipSync(compressed);
    this.#cache.push({ member: m, bytes });
    if (this.#cache.length > 2) this.#cache.shift();
    return bytes;
  }

  /** Read uncompressed bytes at `position`. */
  async read(position: number, into: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < into.length && position + filled < this.#bytes) {
      const at = position + filled;
      const m = this.#memberAt(at);
      const bytes = await this.#decompressed(m);
      const local = at - this.#members[m].start;
      if (local >= bytes.length) break;
      const n = Math.min(bytes.length - local, into.length - filled);
      into.set(bytes.subarray(local, local + n), filled);
      filled += n;
    }
    return filled;
  }

  /** Close the file. */
  close(): void {
    this.#cache = [];
    this.#file.close();
  }
}

/** Front-to-back reading of a gzip file (any number of members). */
export class SequentialGzipReader implements PartReader {
  readonly random = false;
  readonly #file: RegularFile;
  #stream: GunzipStream | null = null;
  #chunks: AsyncIterator<Uint8Array> | null = null;
  /** Uncompressed offset of `#chunk[0]`. */
  #position = 0;
  #chunk: Uint8Array = new Uint8Array(0);
  #ended = false;

  /** Read `file` from its start. */
  constructor(file: RegularFile) {
    this.#file = file;
  }

  #start(): void {
    this.#stream?.destroy();
    const file = this.#file;
    async function* compressed(): AsyncGenerator<Uint8Array> {
      for (let at = 0;;) {
        const buf = new Uint8Array(SEQUENTIAL_CHUNK_BYTES);
        const n = await file.read(at, buf);
        if (n === 0) return;
        at += n;
        yield buf.subarray(0, n);
      }
    }
    const gunzip = gunzipStream(compressed());
    this.#stream = gunzip;
    this.#chunks = gunzip[Symbol.asyncIterator]();
    this.#position = 0;
    this.#chunk = new Uint8Array(0);
    this.#ended = false;
  }

  /** Read uncompressed bytes at `position` (cheap when it is at or after the last read). */
  async read(position: number, into: Uint8Array): Promise<number> {
    if (this.#chunks === null || position < this.#position) this.#start();
    while (position >= this.#position + this.#chunk.length) {
      if (this.#ended) return 0;
      this.#position += this.#chunk.length;
      const next = await this.#chunks!.next();
      if (next.done) {
        this.#ended = true;
        this.#chunk = new Uint8Array(0);
        return 0;
      }
      this.#chunk = next.value;
    }
    const local = position - this.#position;
    const n = Math.min(this.#chunk.length - local, into.length);
    into.set(this.#chunk.subarray(local, local + n));
    return n;
  }

  /** Stop decompressing and close the file. */
  close(): void {
    this.#stream?.destroy();
    this.#stream = null;
    this.#chunks = null;
    this.#file.close();
  }
}

/**
 * The decompressed bytes of the gzip file at `path` (every member), front to
 * back, in chunks of at most `chunkBytes`; nothing when it is missing or not a
 * regular file (never a link). A corrupt stream ends the iteration with the
 * error; stopping early closes the file.
 */
export async function* gunzipChunks(
  path: string,
  chunkBytes = SEQUENTIAL_CHUNK_BYTES,
): AsyncGenerator<Uint8Array> {
  const file = RegularFile.open(path);
  if (file === null) return;
  const reader = new SequentialGzipReader(file);
  try {
    for (let position = 0;;) {
      // A fresh buffer each time: a caller may keep the chunks it was given.
      const chunk = new Uint8Array(chunkBytes);
      const n = await reader.read(position, chunk);
      if (n === 0) return;
      position += n;
      yield chunk.subarray(0, n);
    }
  } finally {
    reader.close();
  }
}

/** Archive sizes by identity: an archive does not change, so it is decompressed to size once. */
const archiveSizes = new Map<string, number>();
const ARCHIVE_SIZE_ENTRIES = 256;

function archiveKey(file: RegularFile): string {
  const s = file.stat();
  return `${file.path}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
}

function rememberSize(key: string, size: number): number {
  if (archiveSizes.size >= ARCHIVE_SIZE_ENTRIES) {
    archiveSizes.delete(archiveSizes.keys().next().value!);
  }
  archiveSizes.set(key, size);
  return size;
}

/**
 * The uncompressed size of the gzip file at `path` (every member), read
 * through once and cached by its identity; `null` when it is not a regular
 * file or not gzip (a damaged archive reads as absent).
 */
export async function gzipContentSize(path: string): Promise<number | null> {
  const file = RegularFile.open(path);
  if (file === null) return null;
  const key = archiveKey(file);
  const hit = archiveSizes.get(key);
  if (hit !== undefined) {
    file.close();
    return hit;
  }
  const reader = new SequentialGzipReader(file);
  const sink = new Uint8Array(1024 * 1024);
  let size = 0;
  try {
    for (;;) {
      const n = await reader.read(size, sink);
      if (n === 0) return rememberSize(key, size);
      size += n;
    }
  } catch {
    return null;
  } finally {
    reader.close();
  }
}

/**
 * {@linkcode gzipContentSize}, synchronously (decompresses in memory: for the
 * command line's follow start of an archived session, which is small).
 */
export function gzipContentSizeSync(path: string): number | null {
  const file = RegularFile.open(path);
  if (file === null) return null;
  using opened = file;
  const key = archiveKey(opened);
  const hit = archiveSizes.get(key);
  if (hit !== undefined) return hit;
  const compressed = new Uint8Array(opened.stat().size);
  let filled = 0;
  while (filled < compressed.length) {
    const n = opened.readSync(filled, compressed.subarray(filled));
    if (n === 0) break;
    filled += n;
  }
  try {
    return rememberSize(key, gunzipSync(compressed.subarray(0, filled)).length);
  } catch {
    return null; // not gzip: a damaged archive reads as absent
  }
}
