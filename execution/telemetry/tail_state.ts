/**
 * What the end of an existing session file says: its last `seq` and whether
 * it ends inside a line, read backwards from the end.
 *
 * @module
 */

/** Step of the backwards scan for the last `seq` of an existing file. */
const TAIL_CHUNK_BYTES = 64 * 1024;
/** The backwards scan gives up (and starts at seq 1) after this many bytes without a `seq`. */
const MAX_TAIL_SCAN_BYTES = 64 * 1024 * 1024;
const NEWLINE = 0x0a;

/** The last `seq` of a file (0 when none was found) and whether it ends with `\n`. */
export interface TailState {
  lastSeq: number;
  endsWithNewline: boolean;
}

/**
 * Scan the first `size` bytes of an open file backwards for the highest `seq`
 * of the last lines that carry one. Robust to a torn last line and to
 * garbage: lines that are not JSON objects with a non-negative integer `seq`
 * are skipped. Moves the file's position.
 */
export function readTailState(file: Deno.FsFile, size: number): TailState {
  if (size === 0) return { lastSeq: 0, endsWithNewline: true };
  const decoder = new TextDecoder();
  let end = size;
  let carry = new Uint8Array(0);
  let endsWithNewline = true;
  while (end > 0 && size - end < MAX_TAIL_SCAN_BYTES) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const buf = new Uint8Array(end - start + carry.length);
    file.seekSync(start, Deno.SeekMode.Start);
    readFullySync(file, buf.subarray(0, end - start));
    buf.set(carry, end - start);
    if (end === size) endsWithNewline = buf[buf.length - 1] === NEWLINE;
    // Before the first newline of a chunk that does not start the file is part of a longer line.
    const cut = start > 0 ? buf.indexOf(NEWLINE) : -1;
    if (start > 0 && cut === -1) {
      carry = buf;
      end = start;
      continue;
    }
    let best = -1;
    for (const line of decoder.decode(buf.subarray(cut + 1)).split("\n")) {
      if (!line.includes('"seq"')) continue;
      try {
        const value: unknown = JSON.parse(line);
        if (value !== null && typeof value === "object" && "seq" in value) {
          const seq = value.seq;
          if (typeof seq === "number" && Number.isSafeInteger(seq) && seq > best) best = seq;
        }
      } catch {
        // A torn or foreign line: keep looking.
      }
    }
    if (best >= 0) return { lastSeq: best, endsWithNewline };
    carry = buf.slice(0, Math.max(cut, 0));
    end = start;
  }
  return { lastSeq: 0, endsWithNewline };
}

function readFullySync(file: Deno.FsFile, into: Uint8Array): void {
  let offset = 0;
  while (offset < into.length) {
    const n = file.readSync(into.subarray(offset));
    if (n === null || n === 0) throw new Error("the file shrank while its tail was read");
    offset += n;
  }
}
