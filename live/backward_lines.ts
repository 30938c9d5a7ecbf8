/**
 * Reading the complete lines of a file backwards from an offset, block by
 * block, so that the newest events cost as much as they weigh and not the
 * size of the file.
 *
 * @module
 */
import type { ByteLine } from "../execution/wire/line_stream.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../execution/wire/line_stream.ts";
import { SessionLogChangedError } from "./log_changed_error.ts";
import {
  fsFileReader,
  type PositionalReader,
  readFully,
  readFullySync,
} from "../execution/wire/positional_reader.ts";
import { lineKernelFor } from "../execution/wire/line_kernel.ts";
import { SessionEnd } from "./session_file.ts";

const LF = 0x0a;
const CR = 0x0d;
/** First block of a backward read: a few hundred events, enough for a typical page. */
const FIRST_BLOCK_BYTES = 64 * 1024;
/** Reads of a file that keeps shrinking under the reader before giving up. */
const SHRINK_ATTEMPTS = 3;
/** Lines handed out at most per batch (a 1 MiB block of garbage holds ~50,000). */
const MAX_BATCH_LINES = 4096;
/** Blocks double up to this size when a read goes further back (fewer system calls). */
const MAX_BLOCK_BYTES = 1024 * 1024;
/** The same when searching for needles in the kernel's buffer (one search per block). */
const MAX_SEARCH_BLOCK_BYTES = 1024 * 1024;
/** Decodes ASCII at native speed; used when the text keeps one character per byte. */
const utf8 = new TextDecoder();
/** One character per byte, so indexes in the text are indexes in the bytes. */
const latin1 = new TextDecoder("latin1");

/** A source the backward reader accepts: any positional reader, or a `Deno.FsFile`. */
export type BackwardSource = PositionalReader | Deno.FsFile;

function asReader(source: BackwardSource): PositionalReader {
  return source instanceof Deno.FsFile ? fsFileReader(source) : source;
}

/** Fill `target` from `position` (less only at the end of the file); returns the bytes read. */
function readInto(file: PositionalReader, position: number, target: Uint8Array): Promise<number> {
  return readFully(file, position, target);
}

/** Read exactly `length` bytes at `position` (less only at the end of the file). */
export async function readAt(
  file: BackwardSource,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const filled = await readInto(asReader(file), position, out);
  return filled === length ? out : out.subarray(0, filled);
}

/**
 * The offset just after the last `\n` in the first `size` bytes of `file`
 * (0 when there is none): where the complete lines end and a torn tail, if
 * any, begins.
 */
export async function completeLinesEnd(file: BackwardSource, size: number): Promise<number> {
  const reader = asReader(file);
  const block = new Uint8Array(FIRST_BLOCK_BYTES);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - block.length);
    const filled = await readInto(reader, start, block.subarray(0, end - start));
    const nl = block.subarray(0, filled).lastIndexOf(LF);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * The offset just after the last `\n` in the first `size` bytes of `file`
 * (0 when there is none): where the complete lines end and a torn tail, if
 * any, begins. {@linkcode completeLinesEnd}, synchronously, so a follower can
 * fix its start when it is made. For a {@linkcode SessionEnd} (the logical
 * end of a rotated session), `size` and the result are logical offsets.
 */
export function completeLinesEndSync(file: Deno.FsFile | SessionEnd, size: number): number {
  if (file instanceof SessionEnd) return file.completeEndSync(size);
  const block = new Uint8Array(FIRST_BLOCK_BYTES);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const view = block.subarray(0, end - start);
    file.seekSync(start, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < view.length) {
      const n = file.readSync(view.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const nl = view.subarray(0, filled).lastIndexOf(LF);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * Thrown by {@linkcode readLinesBackward} when a block before `end` can no
 * longer be read whole: the file shrank under the reader.
 */
export class FileShrankError extends Error {
  /** Build the error for a block at `position` that came up short. */
  constructor(position: number) {
    super(`the file shrank while it was read backwards (short read at byte ${position})`);
    this.name = "FileShrankError";
  }
}

/**
 * Run `read` (one backward read of a session file, from its end as it is
 * then) until it completes without the file shrinking under it, at most
 * `attempts` times; then throw {@linkcode SessionLogChangedError}. Other
 * errors pass through at once.
 */
export async function retryWhileShrinking<T>(
  sessionId: string,
  read: () => Promise<T>,
  attempts: number = SHRINK_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof FileShrankError)) throw err;
      if (attempt >= attempts) throw new SessionLogChangedError(sessionId, attempt);
    }
  }
}

/**
 * The complete lines of `file` that end at or before `end`, newest first, in
 * batches. A fragment after the last `\n` before `end` is reported once as
 * `torn`; lines longer than `maxLineBytes` as `oversized` without being
 * buffered. Throws {@linkcode FileShrankError} when the file shrinks below a
 * block still to be read. With `mustContain` (ASCII strings), complete lines that contain
 * none of them are not reported: a cheap pre-filter for rare kinds. Then the
 * blocks are read into one reused buffer of the line kernel, searched there
 * for the needles (SIMD), and only the lines reported are copied out. A
 * batch may be empty (a block without a line handed out): the caller gets a
 * turn after every block, to let other work run.
 */
export async function* readLinesBackward(
  source: BackwardSource,
  end: number,
  maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  mustContain: readonly string[] | null = null,
): AsyncGenerator<ByteLine[]> {
  const file = asReader(source);
  // A small file is searched the JavaScript way unless the kernel exists (see lineKernelFor).
  const kernel = mustContain === null ? null : lineKernelFor(end);
  // The block, the kept bytes of the block after it, and the kernel's read padding must fit.
  const lease = kernel?.lease(MAX_SEARCH_BLOCK_BYTES + maxLineBytes + 2) ?? null;
  const needles = mustContain?.map((n) => new TextEncoder().encode(n)) ?? [];
  try {
    // Needle positions in `pending`, ascending.
    let matches: number[] = [];
    let mi = -1;
    const findMatches = (): void => {
      if (mustContain === null) return;
      matches = [];
      if (lease !== null) {
        for (const needle of needles) kernel!.findAll(lease, 0, pending.length, needle, matches);
      } else {
        // A native string search over a one-byte-per-character decoding (string index = byte).
        let text = utf8.decode(pending);
        // Same length means one character per byte (ASCII); otherwise fall back to latin1.
        if (text.length !== pending.length) text = latin1.decode(pending);
        for (const needle of mustContain) {
          for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
            matches.push(at);
          }
        }
      }
      matches.sort((a, b) => a - b);
      mi = matches.length - 1;
    };
    /** Whether the line [a, b) of `pending` (b: its `\n`) holds a needle; lines come right to left. */
    const wanted = (a: number, b: number): boolean => {
      if (mustContain === null) return true;
      while (mi >= 0 && matches[mi] >= b) mi--;
      return mi >= 0 && matches[mi] >= a;
    };
    /** A line handed out: a copy when its bytes are in the reused buffer. */
    const line = (bufStart: number, offset: number, lineEnd: number, skip: boolean): ByteLine => {
      const made = makeLine(pending, bufStart, offset, lineEnd, skip, maxLineBytes);
      if (lease !== null && made.bytes.length > 0) made.bytes = made.bytes.slice();
      return made;
    };
    // Lines are handed out in batches (one per block read): a promise per line would dominate.
    let batch: ByteLine[] = [];
    // `pending` holds the bytes [bufStart, segEnd): the start of the file region not yet returned.
    let bufStart = end;
    let pending: Uint8Array = new Uint8Array(0);
    let segEnd = end;
    let skipping = false;
    let first = true;
    let blockBytes = FIRST_BLOCK_BYTES;
    const maxBlockBytes = lease === null ? MAX_BLOCK_BYTES : MAX_SEARCH_BLOCK_BYTES;
    while (true) {
      if (mustContain !== null && !first && !skipping && segEnd > bufStart) {
        // Jump over every line that holds no needle: straight to the line of the next match
        // below, or to the first line of the buffer (which may continue in the block before).
        const b = segEnd - 1 - bufStart;
        while (mi >= 0 && matches[mi] >= b) mi--;
        const t = pending.indexOf(LF, mi >= 0 ? matches[mi] : 0);
        if (t !== -1 && t < b) {
          segEnd = bufStart + t + 1;
          pending = pending.subarray(0, t + 1);
        }
      }
      // Look for the newline that ends the line before [.., segEnd).
      const searchFrom = first ? segEnd - 1 : segEnd - 2;
      const k = searchFrom - bufStart >= 0 ? pending.lastIndexOf(LF, searchFrom - bufStart) : -1;
      if (k !== -1) {
        const nl = bufStart + k;
        if (first) {
          first = false;
          if (nl !== end - 1) {
            batch.push({ bytes: new Uint8Array(0), offset: nl + 1, end, status: "torn" });
          }
          segEnd = nl + 1;
          skipping = false;
          continue;
        }
        if (skipping || wanted(k + 1, segEnd - 1 - bufStart)) {
          batch.push(line(bufStart, nl + 1, segEnd, skipping));
          // Hand out long runs of short lines in parts, so the reader can let other work run.
          if (batch.length === MAX_BATCH_LINES) {
            yield batch;
            batch = [];
          }
        }
        skipping = false;
        segEnd = nl + 1;
        pending = pending.subarray(0, k + 1);
        continue;
      }
      if (bufStart === 0) {
        if (first) {
          if (end > 0) yield [{ bytes: new Uint8Array(0), offset: 0, end, status: "torn" }];
          return;
        }
        if (segEnd > 0 && (skipping || wanted(0, segEnd - 1))) {
          batch.push(line(0, 0, segEnd, skipping));
        }
        if (batch.length > 0) yield batch;
        return;
      }
      // Each block read gets a turn of the caller (an empty batch when no line was handed out):
      // reads that block do not give one, and a long line or a rare needle spans many blocks.
      if (batch.length > 0 || !first) {
        yield batch;
        batch = [];
      }
      // No line start in the buffer: read the block before it.
      const blockStart = Math.max(0, bufStart - blockBytes);
      blockBytes = Math.min(maxBlockBytes, blockBytes * 2);
      const blockLength = bufStart - blockStart;
      if (!skipping && segEnd - bufStart > maxLineBytes + 2) {
        // The line is already longer than the cap: stop keeping its bytes.
        skipping = true;
      }
      // Read the block straight in front of the kept bytes (one buffer, one copy of the carry).
      const carry = skipping ? 0 : segEnd - bufStart;
      let joined: Uint8Array;
      if (lease !== null) {
        // The kept bytes are at the start of the reused buffer: move them after the block.
        joined = lease.bytes.subarray(0, blockLength + carry);
        if (carry > 0) lease.bytes.copyWithin(blockLength, 0, carry);
      } else {
        joined = new Uint8Array(blockLength + carry);
        if (carry > 0) joined.set(pending.subarray(0, carry), blockLength);
      }
      const target = joined.subarray(0, blockLength);
      const filled = file.readSync !== undefined
        ? readFullySync(file as Required<PositionalReader>, blockStart, target)
        : await readInto(file, blockStart, target);
      if (filled !== blockLength) throw new FileShrankError(blockStart);
      pending = skipping ? joined.subarray(0, blockLength) : joined;
      bufStart = blockStart;
      findMatches();
    }
  } finally {
    lease?.release();
  }
}

function makeLine(
  pending: Uint8Array,
  bufStart: number,
  offset: number,
  end: number,
  skipping: boolean,
  maxLineBytes: number,
): ByteLine {
  if (!skipping) {
    let bytes = pending.subarray(offset - bufStart, end - 1 - bufStart);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    if (bytes.length <= maxLineBytes) return { bytes, offset, end, status: "line" };
  }
  return { bytes: new Uint8Array(0), offset, end, status: "oversized" };
}
