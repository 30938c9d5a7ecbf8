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
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type ByteLine, LineSplitter } from "../execution/wire/line_stream.ts";
import { openSessionFile } from "../live/session_file.ts";

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
  const file = await openSessionFile(path);
  if (file === null) return;
  const source = Readable.fromWeb(file.readable as import("node:stream/web").ReadableStream);
  const gunzip = createGunzip();
  source.pipe(gunzip);
  const splitter = new LineSplitter();
  try {
    for await (const chunk of gunzip) {
      const batch: ByteLine[] = [];
      splitter.push(chunk as Uint8Array, (line) => {
        // The chunk is not reused by zlib, but copies keep batches independent of it.
        batch.push(line.status === "line" ? { ...line, bytes: line.bytes.slice() } : line);
      });
      if (batch.length > 0) yield batch;
    }
    const rest: ByteLine[] = [];
    splitter.finish((line) => rest.push(line));
    if (rest.length > 0) yield rest;
  } finally {
    source.unpipe(gunzip);
    gunzip.destroy();
    source.destroy();
    // The readable's cancel closes the file; close it too when the stream never started.
    try {
      file.close();
    } catch {
      // Already closed by the stream.
    }
  }
}
