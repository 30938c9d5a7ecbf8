/**
 * Gzip for closed segments, as the segment contract wants it: a segment is
 * compressed as several gzip members of about 1 MiB of whole lines each (so
 * a reader can start decompressing at any member), written to a temporary
 * name, fsynced, renamed, and verified against the uncompressed bytes. Also
 * the streaming decompression every verifier uses: multi-member gzip is plain
 * gzip, but the web `DecompressionStream` stops with an error after the first
 * member, so decompression goes through `node:zlib`, which reads them all.
 *
 * @module
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import type { SegmentMember } from "./segments.ts";
import { decodeEventLine } from "../wire/line_decoder.ts";

/** Uncompressed bytes per gzip member (whole lines, so a member may be a little longer). */
export const SEGMENT_MEMBER_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

/** A segment's bytes compressed as gzip members, and what a manifest entry records of them. */
export interface CompressedSegment {
  /** The `.gz` file's bytes (the members one after the other). */
  gzip: Uint8Array;
  /** The members: compressed offset, uncompressed start, seq of the first line. */
  members: SegmentMember[];
}

/** Gzip `bytes` as one member. */
export async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The line of `bytes` that starts at `start`, decoded: its seq and normalised ts. */
export function lineAt(
  bytes: Uint8Array,
  start: number,
): { seq: number | null; ts: string | null; end: number } {
  let end = bytes.indexOf(NEWLINE, start);
  end = end === -1 ? bytes.length : end + 1;
  const content = bytes[end - 1] === NEWLINE ? end - 1 : end;
  const verdict = decodeEventLine(bytes.subarray(start, content), start, end);
  return typeof verdict === "object"
    ? { seq: verdict.seq, ts: verdict.ts, end }
    : { seq: null, ts: null, end };
}

/**
 * Compress a segment's bytes as gzip members of about
 * {@linkcode SEGMENT_MEMBER_BYTES} of whole lines each (one empty member for
 * an empty segment).
 */
export async function compressSegmentBytes(
  bytes: Uint8Array,
  memberBytes: number = SEGMENT_MEMBER_BYTES,
): Promise<CompressedSegment> {
  if (bytes.length === 0) {
    return { gzip: await gzipBytes(bytes), members: [{ offset: 0, start: 0, first_seq: null }] };
  }
  const parts: Uint8Array[] = [];
  const members: SegmentMember[] = [];
  let offset = 0;
  for (let start = 0; start < bytes.length;) {
    let end = Math.min(bytes.length, start + memberBytes);
    if (end < bytes.length) {
      // Extend to the end of the line the cut falls in: members hold whole lines.
      const newline = bytes.indexOf(NEWLINE, end - 1);
      end = newline === -1 ? bytes.length : newline + 1;
    }
    const gzip = await gzipBytes(bytes.subarray(start, end));
    members.push({ offset, start, first_seq: lineAt(bytes, start).seq });
    parts.push(gzip);
    offset += gzip.length;
    start = end;
  }
  const gzip = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    gzip.set(part, at);
    at += part.length;
  }
  return { gzip, members };
}

/**
 * The decompressed chunks of a gzip file (every member), streamed. Throws
 * when the file is not gzip, is truncated or fails its checksum.
 */
export async function* gunzipFile(path: string): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  const source = Readable.fromWeb(file.readable as import("node:stream/web").ReadableStream);
  const gunzip = createGunzip();
  source.on("error", (err) => gunzip.destroy(err));
  try {
    for await (const chunk of source.pipe(gunzip)) yield chunk as Uint8Array;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** The whole decompressed content of a gzip file (for segments, which are bounded in size). */
export async function gunzipFileBytes(path: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of gunzipFile(path)) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether the gzip file at `path` decompresses to exactly `expected`
 * (`false` also when it cannot be decompressed at all).
 */
export async function gzipFileHolds(path: string, expected: Uint8Array): Promise<boolean> {
  try {
    return sameBytes(await gunzipFileBytes(path), expected);
  } catch {
    return false;
  }
}

/** Write `bytes` to a new file at `path` (never an existing one) and fsync it. */
export async function writeNewFileSynced(
  path: string,
  bytes: Uint8Array,
  mode = 0o644,
): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true, mode });
  try {
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    await file.sync();
  } finally {
    file.close();
  }
}

/** fsync a directory so a rename or removal in it survives a power loss (best effort). */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  }
}
