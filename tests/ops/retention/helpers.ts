/** Shared helpers of the retention tests: log roots with sessions of chosen ages, tree hashes. */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { sessionLines } from "../../live/helpers.ts";
import { describePlainSegment } from "../../../execution/telemetry/rotation.ts";
import { compactSegment } from "../../../execution/telemetry/segment_compaction.ts";
import {
  emptySegmentManifest,
  segmentDir,
  segmentFileName,
  writeSegmentManifest,
} from "../../../execution/telemetry/segments.ts";
import { formatWireTimestamp } from "../../../execution/wire_time.ts";

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/**
 * The instant the tests plan at: whole seconds, a minute after the files are
 * written, so a file whose time is not set explicitly counts as just modified.
 */
export function planTime(): Date {
  return new Date(Math.floor((Date.now() + MINUTE) / 1000) * 1000);
}

/** Run `fn` with a fresh log root (a directory inside a temp dir), always removed afterwards. */
export async function withRoot<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "retention_test_" });
  const root = join(dir, "logs");
  await Deno.mkdir(root);
  try {
    return await fn(root);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Set a file's modification (and access) time. */
export async function setMtime(path: string, at: Date | number): Promise<void> {
  const when = typeof at === "number" ? new Date(at) : at;
  await Deno.utime(path, when, when);
}

/** Write `<root>/<sid>.jsonl` with `events` event lines, last modified at `mtime`. */
export async function writeSession(
  root: string,
  sid: string,
  events: number,
  mtime: Date | number,
): Promise<string> {
  const path = join(root, `${sid}.jsonl`);
  await Deno.writeTextFile(path, sessionLines(sid, events));
  await setMtime(path, mtime);
  return path;
}

/** One closed segment to write: its events, whether compressed, its modification time. */
export interface SegmentSpec {
  events: number;
  compressed: boolean;
  mtime: Date | number;
}

/**
 * Write a rotated session as the writer leaves it: closed segments (entered
 * in the manifest as rotation enters them, offsets contiguous; the
 * compressed ones compressed by the writer's compaction, which keeps their
 * modification time) and an active file with `activeEvents` lines.
 */
export async function writeSegmentedSession(
  root: string,
  sid: string,
  segments: SegmentSpec[],
  activeEvents: number,
  activeMtime: Date | number,
): Promise<void> {
  const dir = segmentDir(root, sid);
  await Deno.mkdir(dir, { recursive: true });
  const manifest = emptySegmentManifest(sid);
  let offset = 0;
  let first = 0;
  for (const [i, spec] of segments.entries()) {
    const index = i + 1;
    const bytes = new TextEncoder().encode(sessionLines(sid, spec.events, first));
    first += spec.events;
    const mtime = typeof spec.mtime === "number" ? new Date(spec.mtime) : spec.mtime;
    const entry = describePlainSegment(
      index,
      offset,
      bytes.length,
      (position, into) => {
        const part = bytes.subarray(position, position + into.length);
        into.set(part);
        return part.length;
      },
      "size",
      null,
    );
    entry.closed_at = formatWireTimestamp(mtime);
    const path = join(dir, segmentFileName(index, false));
    await Deno.writeFile(path, bytes);
    await setMtime(path, mtime);
    manifest.segments.push(entry);
    offset += bytes.length;
  }
  await writeSegmentManifest(root, manifest);
  for (const [i, spec] of segments.entries()) {
    if (spec.compressed) await compactSegment(root, sid, i + 1);
  }
  const active = join(root, `${sid}.jsonl`);
  await Deno.writeTextFile(active, sessionLines(sid, activeEvents, first));
  await setMtime(active, activeMtime);
}

/**
 * A digest of everything under `dir`: every path, its type, size,
 * modification time, content (files) or target (links). Links are not followed.
 */
export async function hashTree(dir: string): Promise<string> {
  const hash = createHash("sha256");
  async function walk(relative: string): Promise<void> {
    const names = [];
    for await (const entry of Deno.readDir(join(dir, relative))) names.push(entry.name);
    for (const name of names.sort()) {
      const path = join(relative, name);
      const info = await Deno.lstat(join(dir, path));
      hash.update(`${path}\0${info.isFile}${info.isDirectory}${info.isSymlink}\0`);
      if (info.isSymlink) {
        hash.update(await Deno.readLink(join(dir, path)));
      } else if (info.isDirectory) {
        await walk(path);
      } else {
        hash.update(`${info.size}\0${info.mtime?.getTime()}\0`);
        hash.update(await Deno.readFile(join(dir, path)));
      }
    }
  }
  await walk("");
  return hash.digest("hex");
}

/** Whether a path exists (without following a final link). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** The uncompressed content of a gzip file (every member). */
export async function gunzipped(path: string): Promise<Uint8Array> {
  return new Uint8Array(gunzipSync(await Deno.readFile(path)));
}
