/**
 * The one thing the wire readers need of a byte source: read at a position.
 * A plain session file, a closed segment and a decompressed gzip member all
 * offer it, so the same line scanners read each of them.
 *
 * @module
 */

/** A source of bytes that can be read at any position. */
export interface PositionalReader {
  /**
   * Read into `into` from `position`; resolves with the bytes read (fewer
   * only at the end of the source, 0 past it).
   */
  read(position: number, into: Uint8Array): Promise<number>;
  /**
   * {@linkcode read}, synchronously, where blocking the thread is fine (a
   * worker reading a piece of a file): readers use it when it is there.
   */
  readSync?(position: number, into: Uint8Array): number;
}

/**
 * Fill `into` from `position` (less only at the end of the source); returns the bytes read.
 */
export async function readFully(
  source: PositionalReader,
  position: number,
  into: Uint8Array,
): Promise<number> {
  let filled = 0;
  while (filled < into.length) {
    const n = await source.read(position + filled, into.subarray(filled));
    if (n <= 0) break;
    filled += n;
  }
  return filled;
}

/** {@linkcode readFully} with the reader's `readSync`. */
export function readFullySync(
  source: PositionalReader & { readSync(position: number, into: Uint8Array): number },
  position: number,
  into: Uint8Array,
): number {
  let filled = 0;
  while (filled < into.length) {
    const n = source.readSync(position + filled, into.subarray(filled));
    if (n <= 0) break;
    filled += n;
  }
  return filled;
}

/** A `Deno.FsFile` as a {@linkcode PositionalReader} (seek, then read). */
export function fsFileReader(file: Deno.FsFile): PositionalReader {
  return {
    async read(position: number, into: Uint8Array): Promise<number> {
      await file.seek(position, Deno.SeekMode.Start);
      return (await file.read(into)) ?? 0;
    },
  };
}
