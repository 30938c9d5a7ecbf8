/**
 * Reading a rotated session straight from disk (without the live readers),
 * for the writer's tests: the manifest's segments in order, then the active
 * file; and every line found in any file, for the state a crash left.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import {
  parseSegmentFileName,
  readSegmentManifest,
  segmentDir,
} from "../../../execution/telemetry/segments.ts";

const decoder = new TextDecoder();

function linesOf(bytes: Uint8Array): string[] {
  const lines = decoder.decode(bytes).split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function readSegment(path: string): string[] {
  const bytes = Deno.readFileSync(path);
  return linesOf(path.endsWith(".gz") ? gunzipSync(bytes) : bytes);
}

/** The session's lines in logical order, as the manifest and the active file describe it. */
export async function sessionLinesOnDisk(dir: string, session: string): Promise<string[]> {
  const manifest = await readSegmentManifest(dir, session);
  const lines: string[] = [];
  for (const entry of manifest?.segments ?? []) {
    lines.push(...readSegment(`${segmentDir(dir, session)}/${entry.file}`));
  }
  try {
    lines.push(...linesOf(Deno.readFileSync(`${dir}/${session}.jsonl`)));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return lines;
}

/**
 * Every line of every segment file (plain or compressed, with or without a
 * manifest entry) and of the active file, as a crash left them; a segment
 * present in both forms is read once.
 */
export function linesFoundOnDisk(dir: string, session: string): string[] {
  const lines: string[] = [];
  const segDir = segmentDir(dir, session);
  const byIndex = new Map<number, string>();
  try {
    for (const entry of Deno.readDirSync(segDir)) {
      const parsed = parseSegmentFileName(entry.name);
      if (parsed === null) continue;
      // Prefer the plain copy: a `.gz` may be a half-written one under its final name.
      if (!parsed.compressed || !byIndex.has(parsed.index)) {
        byIndex.set(parsed.index, `${segDir}/${entry.name}`);
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    lines.push(...readSegment(byIndex.get(index)!));
  }
  try {
    lines.push(...linesOf(Deno.readFileSync(`${dir}/${session}.jsonl`)));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return lines;
}

/** Every file under the session's segment directory. */
export function segmentFiles(dir: string, session: string): string[] {
  try {
    return [...Deno.readDirSync(segmentDir(dir, session))].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Run the rotation helper script with `args`, without waiting for it. */
export function spawnRotationWriter(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./rotation_helper.ts", import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
