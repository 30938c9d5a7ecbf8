/**
 * What a file will shrink to when gzipped, estimated for a dry-run from a
 * sample: the first MiB is compressed in memory and its ratio applied to the
 * whole file (files up to a MiB are compressed whole, so the estimate is the
 * size apply will write). Reads only.
 *
 * @module
 */
import { gzipSync } from "node:zlib";

/** Bytes compressed to measure the ratio. */
const SAMPLE_BYTES = 1024 * 1024;

/** Read up to `max` bytes from the start of a plain file. */
async function readHead(path: string, max: number): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let length = 0;
  const file = await Deno.open(path, { read: true });
  try {
    while (length < max) {
      const n = await file.read(out.subarray(length));
      if (n === null) break;
      length += n;
    }
  } finally {
    file.close();
  }
  return out.subarray(0, length);
}

/** Estimated gzip size of the `bytes`-long plain file at `path`. */
export async function estimateGzipBytes(path: string, bytes: number): Promise<number> {
  if (bytes === 0) return gzipSync(new Uint8Array(0)).length;
  const sample = await readHead(path, Math.min(bytes, SAMPLE_BYTES));
  if (sample.length === 0) return bytes;
  const packed = gzipSync(sample).length;
  if (sample.length >= bytes) return packed;
  return Math.ceil(bytes * (packed / sample.length));
}
