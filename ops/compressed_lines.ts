/**
 * The lines of a gzip-compressed session file (a whole-session
 * `<sid>.jsonl.gz` or a compressed segment), oldest first, decompressed as a
 * stream so a caller that stops early pays only for what it read. Segments
 * are multi-member gzip files: Node's gunzip (through Deno's `node:zlib`)
 * reads every member, where the web `DecompressionStream` stops after the
 * first. Only a regular file is opened, never a link.
 *
 * @module
 */
import { type ByteLine, LineSplitter } from "../execution/wire/line_stream.ts";
import { gunzipChunks } from "../live/gzip_readers.ts";

/** Uncompressed bytes handed to the line splitter at a time. */
const CHUNK_BYTES = 256 * 1024;

/**
 * The lines of the gzip file at `path` in batches (offsets are positions in
 * the uncompressed bytes); nothing when it is missing or not a regular file.
 * A corrupt stream ends the iteration with the error.
 *
 * @example
 * ```ts
 * import { readCompressedLines } from "./compressed_lines.ts";
 * for await (const batch of readCompressedLines("logs/execution/old.jsonl.gz")) {
 *   console.log(batch.length);
 *   break; // stopping early closes the file
 * }
 * ```
 */
export async function* readCompressedLines(path: string): AsyncGenerator<ByteLine[]> {
  const splitter = new LineSplitter();
  for await (const chunk of gunzipChunks(path, CHUNK_BYTES)) {
    const batch: ByteLine[] = [];
    splitter.push(chunk, (line) => {
      // Batches stay independent of the chunk they were cut from.
      batch.push(line.status === "line" ? { ...line, bytes: line.bytes.slice() } : line);
    });
    if (batch.length > 0) yield batch;
  }
  const rest: ByteLine[] = [];
  splitter.finish((line) => rest.push(line));
  if (rest.length > 0) yield rest;
}
