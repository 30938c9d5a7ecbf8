/**
 * Repair of a session's segment directory after a crash, by the rules of the
 * segment contract, in one place for the writer (at start-up) and retention:
 *
 * - temporary files (`*.tmp`) are removed;
 * - an unreadable manifest is set aside (`manifest.json.<time>.corrupt`) and
 *   rebuilt from the directory;
 * - a segment file below the manifest's first entry is what a retention
 *   deletion left (it writes the manifest first, then removes the files) and
 *   is removed;
 * - a closed segment without an entry gets one, rebuilt from its bytes (a
 *   compressed one without its plain copy is first decompressed beside it);
 * - a plain copy whose `.gz` the entry names and which the `.gz` reproduces
 *   exactly is removed;
 * - a `.gz` the manifest does not name yet, or that does not reproduce its
 *   plain copy, is made again from the plain copy (and then recorded).
 *
 * Symbolic links are never followed, removed or replaced: a segment
 * directory that is one, or holds one, is reported and left alone. The caller
 * holds the session's write lock (the flock on `<root>/<sid>.jsonl`) while
 * {@linkcode repairSessionSegments} runs, as for every manifest update.
 *
 * @module
 */
import { join } from "node:path";
import { compressClosedSegment } from "./segment_compression.ts";
import { rebuildSegmentEntry } from "./segment_entry.ts";
import {
  gunzipFileBytes,
  gzipFileHolds,
  syncDirectory,
  writeNewFileSynced,
} from "./segment_gzip.ts";
import {
  emptySegmentManifest,
  parseSegmentFileName,
  readSegmentManifest,
  segmentDir,
  type SegmentEntry,
  segmentFileName,
  type SegmentManifest,
  SegmentManifestError,
  writeSegmentManifest,
} from "./segments.ts";

/** What one repair step does. */
export type SegmentRepairKind =
  | "remove-temporary"
  | "rebuild-manifest"
  | "remove-deleted-leftover"
  | "adopt-segment"
  | "remove-plain-copy"
  | "compress-segment";

/** One repair step: what it does to which files, and the bytes it frees or writes. */
export interface SegmentRepairStep {
  /** What the step does. */
  kind: SegmentRepairKind;
  /** The segment it is about, or `null` (temporaries, the manifest). */
  index: number | null;
  /** Names (inside the segment directory) of the files it removes or replaces. */
  files: string[];
  /** One sentence saying why. */
  detail: string;
  /** Bytes of the files it removes or replaces. */
  bytesBefore: number;
  /** Bytes it leaves in their place, or `null` until done (a compression). */
  bytesAfter: number | null;
}

/** What {@linkcode inspectSegmentRepairs} found: the steps, and what it leaves alone. */
export interface SegmentRepairPlan {
  /** The session. */
  sessionId: string;
  /** Steps in the order they are done. */
  steps: SegmentRepairStep[];
  /** Things repair cannot fix and leaves alone (links, entries without a file, …). */
  problems: string[];
}

/** What {@linkcode repairSessionSegments} did. */
export interface SegmentRepairReport extends SegmentRepairPlan {
  /** Steps that failed, with why (the steps after a failed one in the same segment are not tried). */
  failed: { step: SegmentRepairStep; error: string }[];
}

interface FileFacts {
  size: number;
  mtime: Date;
}

interface SegmentFiles {
  plain?: FileFacts;
  gz?: FileFacts;
}

/** The directory as found: temporaries, segment files, the manifest and what is wrong. */
interface DirectoryState {
  temporaries: { name: string; size: number }[];
  segments: Map<number, SegmentFiles>;
  manifest: SegmentManifest | null;
  manifestProblem: string | null;
  manifestSize: number;
  links: string[];
}

async function readDirectoryState(
  dir: string,
  baseDir: string,
  sessionId: string,
): Promise<DirectoryState> {
  const state: DirectoryState = {
    temporaries: [],
    segments: new Map(),
    manifest: null,
    manifestProblem: null,
    manifestSize: 0,
    links: [],
  };
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isSymlink) {
      state.links.push(entry.name);
      continue;
    }
    if (!entry.isFile) continue;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(join(dir, entry.name));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // removed meanwhile
      throw err;
    }
    const facts = { size: info.size, mtime: info.mtime ?? new Date(0) };
    if (entry.name.endsWith(".tmp")) {
      state.temporaries.push({ name: entry.name, size: info.size });
      continue;
    }
    if (entry.name === "manifest.json") {
      state.manifestSize = info.size;
      continue;
    }
    const parsed = parseSegmentFileName(entry.name);
    if (parsed === null) continue;
    const files = state.segments.get(parsed.index) ?? {};
    if (parsed.compressed) files.gz = facts;
    else files.plain = facts;
    state.segments.set(parsed.index, files);
  }
  if (state.links.length === 0) {
    try {
      state.manifest = await readSegmentManifest(baseDir, sessionId);
    } catch (err) {
      if (!(err instanceof SegmentManifestError)) throw err;
      state.manifestProblem = err.message;
    }
  }
  return state;
}

/**
 * The repair steps a session's segment directory needs, found without
 * changing anything (a `.gz` is decompressed to check it against its plain
 * copy). No directory means nothing to do.
 */
export async function inspectSegmentRepairs(
  baseDir: string,
  sessionId: string,
): Promise<SegmentRepairPlan> {
  const dir = segmentDir(baseDir, sessionId);
  const plan: SegmentRepairPlan = { sessionId, steps: [], problems: [] };
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return plan;
    throw err;
  }
  if (info.isSymlink || !info.isDirectory) {
    plan.problems.push(`${dir} is not a directory (a link is never followed); left alone`);
    return plan;
  }
  const state = await readDirectoryState(dir, baseDir, sessionId);
  if (state.links.length > 0) {
    plan.problems.push(
      `${dir} holds symbolic links (${state.links.join(", ")}); never followed, nothing repaired`,
    );
    return plan;
  }
  for (const t of state.temporaries.sort((a, b) => a.name.localeCompare(b.name))) {
    plan.steps.push({
      kind: "remove-temporary",
      index: null,
      files: [t.name],
      detail: `leftover temporary file ${t.name} of an interrupted write`,
      bytesBefore: t.size,
      bytesAfter: 0,
    });
  }
  let entries: SegmentEntry[] = state.manifest?.segments ?? [];
  if (state.manifestProblem !== null) {
    plan.steps.push({
      kind: "rebuild-manifest",
      index: null,
      files: ["manifest.json"],
      detail: `${state.manifestProblem}: set aside and rebuilt from the segment files`,
      bytesBefore: 0,
      bytesAfter: 0,
    });
    entries = [];
  }
  const byIndex = new Map(entries.map((e) => [e.index, e]));
  const first = entries[0]?.index;
  const last = entries.at(-1)?.index ?? 0;
  const indexes = [...new Set([...state.segments.keys(), ...byIndex.keys()])].sort((a, b) => a - b);
  for (const index of indexes) {
    const files = state.segments.get(index) ?? {};
    const entry = byIndex.get(index);
    const plainName = segmentFileName(index, false);
    const gzName = segmentFileName(index, true);
    const sizes = (files.plain?.size ?? 0) + (files.gz?.size ?? 0);
    if (entry === undefined) {
      if (first !== undefined && index < first) {
        plan.steps.push({
          kind: "remove-deleted-leftover",
          index,
          files: [files.plain ? plainName : null, files.gz ? gzName : null].filter((n) =>
            n !== null
          ),
          detail: `segment ${index} is below the manifest's first entry (${first}): ` +
            "left by a retention deletion",
          bytesBefore: sizes,
          bytesAfter: 0,
        });
        continue;
      }
      if (index < last) {
        plan.problems.push(`segment ${index} has no manifest entry but lies between entries`);
        continue;
      }
      plan.steps.push({
        kind: "adopt-segment",
        index,
        files: [],
        detail: files.plain
          ? `segment ${index} has no manifest entry: one is rebuilt from its bytes`
          : `compressed segment ${index} has no manifest entry and no plain copy: it is ` +
            "decompressed beside it and recorded",
        bytesBefore: 0,
        bytesAfter: files.plain ? 0 : null,
      });
      if (files.gz) {
        plan.steps.push(compressStep(index, sizes, "is not recorded in the manifest"));
      }
      continue;
    }
    const namesGz = entry.file === gzName;
    if (files.plain && files.gz) {
      const verified = namesGz &&
        await gzipFileHolds(join(dir, gzName), await Deno.readFile(join(dir, plainName)));
      plan.steps.push(
        verified
          ? {
            kind: "remove-plain-copy",
            index,
            files: [plainName],
            detail: `${gzName} is recorded and reproduces ${plainName} exactly`,
            bytesBefore: files.plain.size,
            bytesAfter: 0,
          }
          : compressStep(
            index,
            sizes,
            namesGz ? "does not reproduce its plain copy" : "is not recorded in the manifest",
          ),
      );
    } else if (files.plain && namesGz) {
      plan.steps.push(compressStep(index, sizes, "is recorded but missing"));
    } else if (!files.plain && !files.gz) {
      plan.problems.push(`segment ${index}: the manifest names ${entry.file}, which is missing`);
    } else if (files.gz && !namesGz) {
      plan.problems.push(
        `segment ${index}: the manifest names ${plainName}, but only ${gzName} exists`,
      );
    }
  }
  return plan;
}

function compressStep(index: number, bytesBefore: number, why: string): SegmentRepairStep {
  const gzName = segmentFileName(index, true);
  return {
    kind: "compress-segment",
    index,
    files: [segmentFileName(index, false), gzName],
    detail: `${gzName} ${why}: compressed again from the plain copy`,
    bytesBefore,
    bytesAfter: null,
  };
}

/**
 * Inspect a session's segment directory and do the repair steps it needs
 * (see the module documentation); returns what was done, what failed and
 * what was left alone. The caller holds the session's write lock.
 */
export async function repairSessionSegments(
  baseDir: string,
  sessionId: string,
): Promise<SegmentRepairReport> {
  const plan = await inspectSegmentRepairs(baseDir, sessionId);
  const report: SegmentRepairReport = { ...plan, steps: [], failed: [] };
  const dir = segmentDir(baseDir, sessionId);
  const failedIndexes = new Set<number>();
  for (const step of plan.steps) {
    if (step.index !== null && failedIndexes.has(step.index)) continue;
    try {
      const after = await doStep(baseDir, sessionId, dir, step);
      report.steps.push({ ...step, bytesAfter: after });
    } catch (err) {
      if (step.index !== null) failedIndexes.add(step.index);
      report.failed.push({ step, error: err instanceof Error ? err.message : String(err) });
      if (step.kind === "rebuild-manifest") break; // nothing else is safe without a manifest
    }
  }
  await syncDirectory(dir);
  return report;
}

/** Do one step; returns the bytes it left in place of `step.files`. */
async function doStep(
  baseDir: string,
  sessionId: string,
  dir: string,
  step: SegmentRepairStep,
): Promise<number> {
  switch (step.kind) {
    case "remove-temporary":
    case "remove-deleted-leftover":
    case "remove-plain-copy":
      for (const name of step.files) await removeRegularFile(join(dir, name));
      return 0;
    case "rebuild-manifest": {
      const path = join(dir, "manifest.json");
      const aside = join(dir, `manifest.json.${Date.now()}.corrupt`);
      await Deno.rename(path, aside);
      await writeSegmentManifest(baseDir, emptySegmentManifest(sessionId));
      return 0;
    }
    case "adopt-segment":
      return await adoptSegment(baseDir, sessionId, dir, step.index!);
    case "compress-segment": {
      const result = await compressClosedSegment(baseDir, sessionId, step.index!);
      return result.bytesAfter;
    }
  }
}

/** Remove a regular file (never a link); a file already gone is fine. */
async function removeRegularFile(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  if (!info.isFile) throw new Error(`${path} is not a regular file; left alone`);
  await Deno.remove(path);
}

/**
 * Record segment `index` in the manifest, rebuilt from its plain bytes (a
 * compressed-only segment is decompressed to a plain copy first, so the
 * compression step after it can make its members). Returns the bytes of a
 * plain copy it wrote (0 when the plain file was there).
 */
async function adoptSegment(
  baseDir: string,
  sessionId: string,
  dir: string,
  index: number,
): Promise<number> {
  const plainPath = join(dir, segmentFileName(index, false));
  const gzPath = join(dir, segmentFileName(index, true));
  let written = 0;
  let bytes: Uint8Array;
  let mtime: Date;
  try {
    const info = await Deno.lstat(plainPath);
    if (!info.isFile) throw new Error(`${plainPath} is not a regular file; left alone`);
    bytes = await Deno.readFile(plainPath);
    mtime = info.mtime ?? new Date();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    const info = await Deno.lstat(gzPath);
    if (!info.isFile) throw new Error(`${gzPath} is not a regular file; left alone`);
    bytes = await gunzipFileBytes(gzPath);
    mtime = info.mtime ?? new Date();
    const temporary = `${plainPath}.${crypto.randomUUID()}.tmp`;
    await writeNewFileSynced(temporary, bytes);
    await Deno.utime(temporary, mtime, mtime);
    await Deno.rename(temporary, plainPath);
    written = bytes.length;
  }
  const manifest = (await readSegmentManifest(baseDir, sessionId)) ??
    emptySegmentManifest(sessionId);
  if (manifest.segments.some((s) => s.index === index)) return written;
  const previous = manifest.segments.at(-1);
  if (previous !== undefined && previous.index > index) {
    throw new SegmentManifestError(`segment ${index} would be recorded out of order`);
  }
  const start = previous === undefined ? 0 : previous.start_offset + previous.bytes;
  manifest.segments.push(await rebuildSegmentEntry(index, bytes, start, mtime));
  await writeSegmentManifest(baseDir, manifest);
  return written;
}
