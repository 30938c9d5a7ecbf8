/**
 * What a file will shrink to when gzipped, estimated for a dry-run from a
 * sample: the first MiB is compressed in memory and its ratio applied to the
 * whole file (files up to a MiB are compressed whole, so the estimate is the
 * size apply will write). Reads only.
 *
 * @module
 */
import { gunzipFile, gzipBytes } from "../../execution/telemetry/segment_gzip.ts";

/** Bytes compressed to measure the ratio. */
const SAMPLE_BYTES = 1024 * 1024;

/** Read up to `max` bytes from the start of a plain file, or of a gzip file's content. */
async function readHead(path: string, max: number, compressed: boolean): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let length = 0;
  if (compressed) {
    for await (const chunk of gunzipFile(path)) {
      const take = Math.min(chunk.length, max - length);
      out.set(chunk.subarray(0, take), length);
      length += take;
      if (length >= max) break;
    }
    return out.subarray(0, length);
  }
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

/**
 * Estimated gzip size of the `bytes`-long plain file at `path` (or, with
 * `compressed`, of the content of a gzip file that holds `bytes` uncompressed
 * bytes).
 */
export async function estimateGzipBytes(
  path: string,
  bytes: number,
  compressed = false,
): Promise<number> {
  if (bytes === 0) return (await gzipBytes(new Uint8Array(0))).length;
  const sample = await readHead(path, Math.min(bytes, SAMPLE_BYTES), compressed);
  if (sample.length === 0) return bytes;
  const packed = (await gzipBytes(sample)).length;
  if (sample.length >= bytes) return packed;
  return Math.ceil(bytes * (packed / sample.length));
}
