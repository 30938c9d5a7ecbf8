/**
 * Applying a retention plan: each action, in the plan's order, after checking
 * that the files are still the ones the plan saw (same inode, size and
 * modification time; anything new or changed leaves the action `skipped`).
 * Deletions hold the session's write lock; closed segments are compressed,
 * repaired and removed by the writer's own code in `execution/telemetry/`
 * (`compactSegment`, `repairSessionSegments`, `removeClosedSegment`), which
 * takes the locks it needs, and every manifest change goes through
 * `updateSegmentManifest`. A failure is recorded and the run goes on with the
 * next action. One run at a time per log root; the run ends by writing
 * `.last_retention_run`.
 *
 * @module
 */
import { join } from "node:path";
import { isValidSessionId } from "../../execution/session_id.ts";
import {
  shippingAllowsDelete,
  shippingAllowsSessionDelete,
} from "../../execution/fleet/ship_checkpoint.ts";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import {
  compactSegment,
  repairSessionSegments,
  type SegmentRepairStep,
} from "../../execution/telemetry/segment_compaction.ts";
import {
  removeClosedSegment,
  SegmentRemovalRefused,
} from "../../execution/telemetry/segment_removal.ts";
import {
  readSessionLayoutSync,
  segmentFileName,
  SEGMENTS_DIR_NAME,
  updateSegmentManifest,
} from "../../execution/telemetry/segments.ts";
import { syncDirectory } from "../../execution/atomic_file.ts";
import type { RetentionFile } from "./inventory.ts";
import { writeLastRetentionRun } from "./last_run_marker.ts";
import type { RetentionAction, RetentionPlan } from "./plan.ts";
import { RetentionRunLock } from "./run_lock.ts";
import { isSameOrInside } from "../root_guard.ts";
import { ArchiveChangedError, archiveSession } from "./session_archive.ts";
import { SessionWriteLock } from "./session_lock.ts";

/**
 * What an applied plan did: the plan with each action's `status`, `error`
 * and measured `bytes_before`/`bytes_after` (what the action left), the
 * counts, and where the run marker was written.
 *
 * @example
 * ```ts
 * import { applyRetention, planRetention } from "@peak-trade/execution";
 * const report = await applyRetention(await planRetention({ root: "logs/execution" }));
 * console.log(report.done, report.failed, report.skipped, report.marker);
 * ```
 */
export interface RetentionReport extends RetentionPlan {
  /** When the run ended (wire form). */
  finished_at: string;
  /** Actions done. */
  done: number;
  /** Actions that failed (exit 3 for the CLI). */
  failed: number;
  /** Actions left alone: changed since planned, no longer needed, or a writer kept the lock. */
  skipped: number;
  /** The path of the `.last_retention_run` written, or `null` (disabled, no root, run lock busy). */
  marker: string | null;
}

/**
 * Options of {@linkcode applyRetention}.
 *
 * @example
 * ```ts
 * import type { ApplyRetentionOptions } from "@peak-trade/execution";
 * const options: ApplyRetentionOptions = { lockAttempts: 10 };
 * ```
 */
export interface ApplyRetentionOptions {
  /**
   * Tries, 25 ms apart, to get a session's write lock from a writer that holds
   * it for an append, before the action is skipped.
   * @default {40}
   */
  lockAttempts?: number;
}

/** The action cannot be done as planned: it is skipped, not failed. */
class SkipAction extends Error {}

const ROOT_TEMPORARY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.jsonl\.gz\.[0-9a-f-]{36}\.tmp$/;

/**
 * Whether `path` (relative to the root) may belong to session `sid`: its
 * active file, its archive, one of our temporaries for it, or a file directly
 * inside its segment directory. A plan read from anywhere cannot make apply
 * touch anything else.
 */
function belongsToSession(sid: string, path: string): boolean {
  if (path === `${sid}.jsonl` || path === `${sid}.jsonl.gz`) return true;
  if (ROOT_TEMPORARY.test(path) && path.startsWith(`${sid}.jsonl.gz.`)) return true;
  const prefix = `${SEGMENTS_DIR_NAME}/${sid}/`;
  if (!path.startsWith(prefix)) return false;
  const name = path.slice(prefix.length);
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") &&
    !name.includes("\\") && !name.includes("\0");
}

/** {@linkcode removePlanned}, synchronously (inside a manifest change). */
function removePlannedSync(root: string, planned: RetentionFile): number {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(join(root, planned.path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
  if (!info.isFile || info.ino !== planned.ino) {
    throw new SkipAction(`${planned.path} was replaced`);
  }
  Deno.removeSync(join(root, planned.path));
  return info.size;
}

/** Current facts of a regular file, `null` when it is gone; throws for anything but a regular file. */
async function lookAt(root: string, path: string): Promise<RetentionFile | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(join(root, path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (info.isSymlink || !info.isFile) {
    throw new SkipAction(`${path} is no longer a regular file; left alone`);
  }
  return { path, bytes: info.size, mtime_ms: info.mtime?.getTime() ?? 0, ino: info.ino };
}

function sameFacts(a: RetentionFile, b: RetentionFile): boolean {
  return a.ino === b.ino && a.bytes === b.bytes && a.mtime_ms === b.mtime_ms;
}

/** Throw {@linkcode SkipAction} unless `current` are among the planned files, unchanged. */
function assertUnchanged(planned: RetentionFile[], current: RetentionFile[]): void {
  const byPath = new Map(planned.map((f) => [f.path, f]));
  for (const file of current) {
    const was = byPath.get(file.path);
    if (was === undefined) throw new SkipAction(`${file.path} appeared since the plan`);
    if (!sameFacts(was, file)) throw new SkipAction(`${file.path} changed since the plan`);
  }
}

/** Remove the regular file at `path` if it is still the planned one. Returns the bytes freed. */
async function removePlanned(root: string, planned: RetentionFile): Promise<number> {
  const now = await lookAt(root, planned.path);
  if (now === null) return 0;
  if (now.ino !== planned.ino) throw new SkipAction(`${planned.path} was replaced`);
  await Deno.remove(join(root, planned.path));
  return now.bytes;
}

/** The files of session `sid` now: active, archive, segment directory (and the planned temporaries). */
async function sessionFilesNow(
  root: string,
  sid: string,
  planned: RetentionFile[],
): Promise<RetentionFile[]> {
  const files: RetentionFile[] = [];
  const add = (f: RetentionFile | null) => f !== null && files.push(f);
  add(await lookAt(root, `${sid}.jsonl`));
  add(await lookAt(root, `${sid}.jsonl.gz`));
  for (const f of planned) if (ROOT_TEMPORARY.test(f.path)) add(await lookAt(root, f.path));
  const dir = `${SEGMENTS_DIR_NAME}/${sid}`;
  try {
    const info = await Deno.lstat(join(root, dir));
    if (info.isSymlink || !info.isDirectory) throw new SkipAction(`${dir} is not a directory`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return files;
    throw err;
  }
  await assertRealDirectory(root, dir);
  for await (const entry of Deno.readDir(join(root, dir))) {
    if (!entry.isFile) throw new SkipAction(`${dir}/${entry.name} is not a regular file`);
    add(await lookAt(root, `${dir}/${entry.name}`));
  }
  return files;
}

/** Throw {@linkcode SkipAction} when `dir` (relative) resolves anywhere but where it should. */
async function assertRealDirectory(root: string, dir: string): Promise<void> {
  const expected = join(root, dir);
  const real = await Deno.realPath(expected);
  if (real !== expected || !isSameOrInside(root, real)) {
    throw new SkipAction(`${dir} resolves to ${real}, outside its place in the log root`);
  }
}

/** Run `fn` holding the session's write lock (skip when a writer keeps it). */
async function withSessionLock<T>(
  root: string,
  sid: string,
  attempts: number,
  fn: (lock: SessionWriteLock | null) => Promise<T>,
  segments = false,
): Promise<T> {
  const path = join(root, `${sid}.jsonl`);
  let lock = await SessionWriteLock.acquire(path, attempts);
  if (lock === "missing" && segments) {
    // A writer rotating right now renames the active file and creates the next one at once.
    await new Promise((resolve) => setTimeout(resolve, 100));
    lock = await SessionWriteLock.acquire(path, attempts);
  }
  if (lock === "locked") {
    throw new SkipAction("a writer kept the session's lock; tried again on the next run");
  }
  try {
    return await fn(lock === "missing" ? null : lock);
  } finally {
    if (lock !== "missing") lock.release();
  }
}

/**
 * Do what a plan says, action by action (see the module documentation), and
 * write `.last_retention_run` into the root. Never throws for one action's
 * failure: it is recorded in the report and the rest is still done. A plan
 * whose root no longer resolves to the same real directory is not applied
 * (every action fails). Nothing is done for a disabled policy or a missing
 * root.
 *
 * @example
 * ```ts
 * import { applyRetention, planRetention } from "@peak-trade/execution";
 * const plan = await planRetention({ root: "logs/execution" });
 * const report = await applyRetention(plan);
 * for (const a of report.actions) console.log(a.status, a.kind, a.session_id, a.error ?? "");
 * ```
 */
export async function applyRetention(
  plan: RetentionPlan,
  options: ApplyRetentionOptions = {},
): Promise<RetentionReport> {
  const attempts = options.lockAttempts ?? 40;
  const report: RetentionReport = {
    ...structuredClone(plan),
    finished_at: plan.planned_at,
    done: 0,
    failed: 0,
    skipped: 0,
    marker: null,
  };
  for (const a of report.actions) {
    // Nothing done yet: each action sets what it measured (a partial deletion what it left).
    a.bytes_after = a.bytes_before;
    a.bytes_after_estimated = false;
  }
  const finish = (): RetentionReport => {
    report.finished_at = formatWireTimestamp(new Date());
    report.done = report.actions.filter((a) => a.status === "done").length;
    report.failed = report.actions.filter((a) => a.status === "failed").length;
    report.skipped = report.actions.filter((a) => a.status === "skipped").length;
    report.bytes_after = report.bytes_before -
      report.actions.reduce((total, a) => total + (a.bytes_before - a.bytes_after), 0);
    report.bytes_after_estimated = false;
    return report;
  };
  if (!plan.root_exists || !plan.policy.enabled) return finish();
  const root = plan.root_real_path;
  const failAll = (why: string): RetentionReport => {
    for (const a of report.actions) {
      a.status = "failed";
      a.error = why;
    }
    report.problems.push(why);
    return finish();
  };
  try {
    const real = await Deno.realPath(root);
    if (real !== root || !(await Deno.lstat(root)).isDirectory) {
      return failAll(`the log root ${root} is no longer the directory planned for`);
    }
  } catch (err) {
    return failAll(`the log root ${root} cannot be used: ${message(err)}`);
  }
  let runLock: RetentionRunLock | null;
  try {
    runLock = await RetentionRunLock.tryAcquire(root);
  } catch (err) {
    return failAll(`cannot take the run lock: ${message(err)}`);
  }
  if (runLock === null) {
    return failAll("another retention run holds .retention.lock in the log root; try again later");
  }
  try {
    const extra: RetentionAction[] = [];
    const repaired = new Set<string>();
    for (const a of report.actions) {
      if (a.status !== "planned") continue;
      if (
        !isValidSessionId(a.session_id) ||
        !a.files.every((f) => belongsToSession(a.session_id, f.path))
      ) {
        a.status = "failed";
        a.error = "the action names files outside its session; refused";
        continue;
      }
      if (a.kind === "repair" && a.step !== "remove-root-temporary") {
        if (!repaired.has(a.session_id)) {
          repaired.add(a.session_id);
          await repairSession(root, a.session_id, report.actions, extra);
        }
        continue;
      }
      try {
        await perform(root, a, attempts);
        a.status = "done";
      } catch (err) {
        a.status = err instanceof SkipAction ? "skipped" : "failed";
        a.error = message(err);
      }
    }
    report.actions.push(...extra);
    finish();
    try {
      report.marker = await writeLastRetentionRun(root, {
        finished_at: report.finished_at,
        started_at: plan.planned_at,
        root,
        done: report.done,
        failed: report.failed,
        skipped: report.skipped,
        bytes_before: report.bytes_before,
        bytes_after: report.bytes_after,
      });
    } catch (err) {
      report.problems.push(`cannot write .last_retention_run: ${message(err)}`);
    }
    return report;
  } finally {
    runLock.release();
  }
}

/** Do one action (not a segment repair). Sets the measured sizes. */
async function perform(root: string, a: RetentionAction, attempts: number): Promise<void> {
  const sid = a.session_id;
  switch (a.kind) {
    case "repair": {
      // Our own temporary in the root: the run lock says no compression is writing it.
      a.bytes_before = await removePlanned(root, a.files[0]);
      a.bytes_after = 0;
      return;
    }
    case "delete-session":
      await withSessionLock(root, sid, attempts, async () => {
        // Checked again under the lock: the shipper may have fallen behind since the plan.
        if (!shippingAllowsSessionDelete(root, sid)) throw new SkipAction("not shipped yet");
        const now = await sessionFilesNow(root, sid, a.files);
        assertUnchanged(a.files, now);
        a.bytes_before = now.reduce((total, f) => total + f.bytes, 0);
        a.bytes_after = a.bytes_before;
        const dir = `${SEGMENTS_DIR_NAME}/${sid}/`;
        const manifest = now.find((f) => f.path === `${dir}manifest.json`);
        const lock = now.find((f) => f.path === `${dir}manifest.lock`);
        // Data first, the manifest (under its lock) and its lock file last: a crash midway leaves
        // an old session the next run finishes.
        for (const f of now.filter((f) => f !== manifest && f !== lock)) {
          a.bytes_after -= await removePlanned(root, f);
        }
        if (manifest !== undefined) {
          let freed = 0;
          await updateSegmentManifest(root, sid, () => {
            freed = removePlannedSync(root, manifest);
            return null;
          });
          a.bytes_after -= freed;
        }
        // The manifest lock, planned or made just now for the removal above.
        const lockNow = await lookAt(root, `${dir}manifest.lock`);
        if (lockNow !== null) a.bytes_after -= await removePlanned(root, lock ?? lockNow);
        try {
          await Deno.remove(join(root, SEGMENTS_DIR_NAME, sid));
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
        syncDirectory(root);
      });
      return;
    case "delete-segment":
      await withSessionLock(root, sid, attempts, async () => {
        await assertRealDirectory(root, `${SEGMENTS_DIR_NAME}/${sid}`);
        const now = (await Promise.all(
          [false, true].map((compressed) =>
            lookAt(
              root,
              `${SEGMENTS_DIR_NAME}/${sid}/${segmentFileName(a.segment_index!, compressed)}`,
            )
          ),
        )).filter((f): f is RetentionFile => f !== null);
        assertUnchanged(a.files, now);
        a.bytes_before = now.reduce((total, f) => total + f.bytes, 0);
        // Checked again under the lock: the shipper may have fallen behind since the plan.
        const entry = readSessionLayoutSync(root, sid).segments.find((seg) =>
          seg.index === a.segment_index
        );
        if (
          entry !== undefined &&
          !shippingAllowsDelete(root, sid, entry.start_offset + entry.bytes)
        ) throw new SkipAction("not shipped yet");
        // The manifest first (under its lock), then the files; never the newest closed segment,
        // which anchors the active file's logical offsets (segment_removal.ts).
        try {
          removeClosedSegment(root, sid, a.segment_index!);
        } catch (err) {
          if (err instanceof SegmentRemovalRefused) throw new SkipAction(err.message);
          throw err;
        }
        a.bytes_after = 0;
      }, true);
      return;
    case "compress-session": {
      const now = await sessionFilesNow(root, sid, []);
      if (now.some((f) => f.path.startsWith(`${SEGMENTS_DIR_NAME}/`))) {
        throw new SkipAction("the session has segments now");
      }
      assertUnchanged(a.files, now);
      // Compressed without the lock; the check, rename and removal at the end hold it.
      try {
        const result = await archiveSession(
          root,
          sid,
          (commit) =>
            withSessionLock(root, sid, attempts, async (lock) => {
              if (lock === null) throw new SkipAction(`${sid}.jsonl is gone`);
              return await commit();
            }),
        );
        a.bytes_before = result.bytesBefore;
        a.bytes_after = result.bytesAfter;
      } catch (err) {
        if (err instanceof ArchiveChangedError) throw new SkipAction(err.message);
        throw err;
      }
      return;
    }
    case "compress-segment": {
      await assertRealDirectory(root, `${SEGMENTS_DIR_NAME}/${sid}`);
      const plain = a.files[0];
      const [plainNow, gzNow] = [
        await lookAt(root, plain.path),
        await lookAt(root, `${plain.path}.gz`),
      ];
      if (plainNow === null || gzNow !== null) throw new SkipAction("compressed meanwhile");
      assertUnchanged(a.files, [plainNow]);
      // The writer's compaction: compressed under the segment's compaction lock and without
      // the session's write lock, which it takes only to enter the `.gz` in the manifest.
      const outcome = await compactSegment(root, sid, a.segment_index!);
      if (outcome === "gone") throw new SkipAction("compressed or deleted meanwhile");
      if (outcome === "size-mismatch") {
        throw new Error(
          `${plain.path} holds ${plainNow.bytes} bytes, not what its manifest entry says; left alone`,
        );
      }
      const gz = await lookAt(root, `${plain.path}.gz`);
      a.bytes_before = plainNow.bytes;
      a.bytes_after = gz?.bytes ?? 0;
      return;
    }
  }
}

/**
 * Repair one session's segment directory (the writer's repair), and mark the
 * planned repair actions of that session done, failed or skipped by what
 * repair did; steps it found that were not planned are added to `extra`.
 */
async function repairSession(
  root: string,
  sid: string,
  actions: RetentionAction[],
  extra: RetentionAction[],
): Promise<void> {
  const planned = actions.filter((a) =>
    a.session_id === sid && a.kind === "repair" && a.step !== "remove-root-temporary" &&
    a.status === "planned"
  );
  const same = (a: RetentionAction, step: SegmentRepairStep): boolean =>
    a.step === step.kind && a.segment_index === step.index &&
    (step.kind !== "remove-temporary" || a.reason === step.detail);
  let result;
  try {
    // Not under the session's write lock: repair takes it (and the manifest lock) for each
    // manifest change itself, and a second flock on the same file would wait for this one.
    // A writer at work now repairs the session itself when it starts; it is left to it.
    if (await SessionWriteLock.isHeld(join(root, `${sid}.jsonl`))) {
      throw new SkipAction("a writer is at work on the session now; its own repair covers it");
    }
    await assertRealDirectory(root, `${SEGMENTS_DIR_NAME}/${sid}`);
    // Segments never compressed are the compress rule's, not repair's (see plan.ts).
    result = await repairSessionSegments(root, sid, { compressPlain: false });
  } catch (err) {
    for (const a of planned) {
      a.status = err instanceof SkipAction ? "skipped" : "failed";
      a.error = message(err);
    }
    return;
  }
  for (const step of result.steps) {
    const match = planned.find((a) => a.status === "planned" && same(a, step));
    const target = match ?? repairActionFound(sid, step);
    target.status = "done";
    target.bytes_before = step.bytesBefore;
    target.bytes_after = step.bytesAfter ?? 0;
    if (match === undefined) extra.push(target);
  }
  for (const { step, error } of result.failed) {
    const match = planned.find((a) => a.status === "planned" && same(a, step));
    const target = match ?? repairActionFound(sid, step);
    target.status = "failed";
    target.error = error;
    target.bytes_after = target.bytes_before;
    if (match === undefined) extra.push(target);
  }
  for (const a of planned) {
    if (a.status === "planned") {
      a.status = "skipped";
      a.error = "no longer needed when applied";
    }
  }
}

/** A repair step found only when applying, as an action for the report. */
function repairActionFound(sid: string, step: SegmentRepairStep): RetentionAction {
  return {
    kind: "repair",
    rule: "repair",
    step: step.kind,
    session_id: sid,
    segment_index: step.index,
    reason: `found when applied: ${step.detail}`,
    files: [],
    bytes_before: step.bytesBefore,
    bytes_after: step.bytesAfter ?? 0,
    bytes_after_estimated: false,
    status: "planned",
    error: null,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
