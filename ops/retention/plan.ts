/**
 * The retention plan: which sessions and closed segments a policy deletes or
 * compresses, and which leftovers of interrupted writes are repaired, each
 * with its reason and its real sizes before and after. Planning only reads;
 * {@linkcode applyRetention} does what a plan says.
 *
 * The rules, in the order they are planned (the original's, with its bugs
 * fixed):
 *
 * 1. **Age** (`maxAgeDays` > 0): a session last modified more than
 *    `maxAgeDays` ago is deleted whole, unless it is among the newest
 *    `keepLastN` sessions or live. In every session that stays, closed
 *    segments last modified more than `maxAgeDays` ago are deleted, oldest
 *    first, but never the newest closed segment (the anchor of the session's
 *    logical offsets).
 * 2. **Compression** (`compressAfterDays` > 0): a finished session last
 *    modified more than `compressAfterDays` ago is compressed into
 *    `<sid>.jsonl.gz` (when it has no segment directory), or its plain closed
 *    segments are compressed (when it has one); with `protectKeepLast`, the
 *    newest `keepLastN` sessions stay uncompressed.
 * 3. **Size** (`maxTotalMb` > 0): while the total after the actions above
 *    (compressed sizes estimated) is above `maxTotalMb` MiB, the oldest data is
 *    deleted: a whole session that is neither protected nor live, or the
 *    oldest closed segment (but the anchor) of any session, whichever was
 *    modified longest ago.
 *
 * A session is **live** when a writer holds the lock on its active file, or
 * when any of its data files was modified within `activeGraceMinutes` (or in
 * the future): it is never deleted, compressed or repaired, only its closed
 * segments may be deleted (under the lock, in apply). A session with a
 * symbolic link or a foreign file among its paths is never touched at all.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../../execution/log_root.ts";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import type { TelemetryRetentionSettings } from "../../execution/retention_settings.ts";
import { SEGMENTS_DIR_NAME } from "../../execution/telemetry/segments.ts";
import {
  shippingAllowsDelete,
  shippingAllowsSessionDelete,
} from "../../execution/fleet/ship_checkpoint.ts";
import {
  inspectSegmentRepairs,
  type SegmentRepairKind,
  type SegmentRepairStep,
} from "../../execution/telemetry/segment_compaction.ts";
import { formatByteCount } from "./byte_count.ts";
import { estimateGzipBytes } from "./compression_estimate.ts";
import {
  type InventorySegment,
  type InventorySession,
  type RetentionFile,
  takeInventory,
} from "./inventory.ts";
import {
  resolveRetentionPolicy,
  type RetentionPolicy,
  retentionSettingsFromPolicy,
} from "./policy.ts";
import { resolveLogRoot } from "../root_guard.ts";

export type { RetentionFile } from "./inventory.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const MIB = 1024 * 1024;

/**
 * What an action does: delete a whole session or one closed segment,
 * compress a finished session into an archive or a plain closed segment, or
 * repair a leftover of an interrupted write.
 *
 * @example
 * ```ts
 * import type { RetentionActionKind } from "@peak-trade/execution";
 * const kind: RetentionActionKind = "delete-session";
 * ```
 */
export type RetentionActionKind =
  | "repair"
  | "delete-session"
  | "delete-segment"
  | "compress-session"
  | "compress-segment";

/**
 * The rule behind an action.
 *
 * @example
 * ```ts
 * import type { RetentionRule } from "@peak-trade/execution";
 * const rule: RetentionRule = "age";
 * ```
 */
export type RetentionRule = "repair" | "age" | "size" | "compress";

/**
 * Where an action stands: `planned` in a plan; after apply `done`, `failed`
 * (see `error`) or `skipped` (left alone because something changed since the
 * plan, or a writer kept the session's lock; see `error`).
 *
 * @example
 * ```ts
 * import type { RetentionActionStatus } from "@peak-trade/execution";
 * const status: RetentionActionStatus = "planned";
 * ```
 */
export type RetentionActionStatus = "planned" | "done" | "failed" | "skipped";

/**
 * One planned (or applied) action.
 *
 * @example
 * ```ts
 * import { planRetention } from "@peak-trade/execution";
 * const plan = await planRetention({ root: "logs/execution" });
 * for (const a of plan.actions) console.log(a.kind, a.session_id, a.reason);
 * ```
 */
export interface RetentionAction {
  /** What it does. */
  kind: RetentionActionKind;
  /** Which rule asked for it. */
  rule: RetentionRule;
  /** For `repair`: the repair step (`remove-root-temporary` for our temporaries in the root). */
  step: SegmentRepairKind | "remove-root-temporary" | null;
  /** The session. */
  session_id: string;
  /** The closed segment, for segment actions and segment repairs; else `null`. */
  segment_index: number | null;
  /** Why, in one sentence with the numbers behind it. */
  reason: string;
  /** The files it removes or replaces, as planned; checked again before acting. */
  files: RetentionFile[];
  /** Bytes of those files now (measured). */
  bytes_before: number;
  /** Bytes left in their place: 0 for a deletion; for a compression measured when applied. */
  bytes_after: number;
  /** Whether `bytes_after` is an estimate (a compression not yet done, from a 1 MiB sample). */
  bytes_after_estimated: boolean;
  /** Where it stands. */
  status: RetentionActionStatus;
  /** Why it failed or was skipped, else `null`. */
  error: string | null;
}

/**
 * One session as the plan judged it.
 *
 * @example
 * ```ts
 * import { planRetention } from "@peak-trade/execution";
 * const plan = await planRetention({ root: "logs/execution" });
 * for (const s of plan.sessions) console.log(s.session_id, s.outcome, s.note);
 * ```
 */
export interface RetentionSessionReport {
  /** The session id. */
  session_id: string;
  /** Bytes of all its files. */
  bytes: number;
  /** Newest modification of its data files (wire form). */
  last_modified: string;
  /** Days since then (negative when in the future). */
  age_days: number;
  /** Why it counts as live (being written), or `null`. */
  live: string | null;
  /** Its rank among the newest `keepLastN` (1 = newest), or `null` when not protected. */
  protected_rank: number | null;
  /** What the plan does to it as a whole. */
  outcome: "delete" | "compress" | "trim" | "repair" | "keep" | "skip";
  /** Why (for `keep` and `skip` especially). */
  note: string;
}

/**
 * A retention plan for one log root.
 *
 * @example
 * ```ts
 * import { planRetention } from "@peak-trade/execution";
 * const plan = await planRetention({ root: "logs/execution", policy: { maxAgeDays: 14 } });
 * console.log(plan.actions.length, plan.bytes_before, plan.bytes_after);
 * ```
 */
export interface RetentionPlan {
  /** The log root as given. */
  root: string;
  /** Its real path: everything planned is inside it. */
  root_real_path: string;
  /** Whether it exists (a missing root has no logs: nothing to do). */
  root_exists: boolean;
  /** When the plan was made (wire form); ages are counted from it. */
  planned_at: string;
  /** The policy, as the config table writes it. */
  policy: TelemetryRetentionSettings;
  /** Every session found, newest first. */
  sessions: RetentionSessionReport[];
  /** The actions, in the order apply does them. */
  actions: RetentionAction[];
  /** Problems that stopped part of the work (exit 3 for the CLI). */
  problems: string[];
  /** Things worth knowing that are not errors (a total that stays above the limit, …). */
  notes: string[];
  /** Bytes of every session file now. */
  bytes_before: number;
  /** Bytes after the actions (compressed sizes estimated while planned). */
  bytes_after: number;
  /** Whether `bytes_after` contains estimates. */
  bytes_after_estimated: boolean;
  /** `maxTotalMb` in bytes, or `null` when the size rule is off. */
  max_total_bytes: number | null;
}

/**
 * Options of {@linkcode planRetention}.
 *
 * @example
 * ```ts
 * import type { PlanRetentionOptions } from "@peak-trade/execution";
 * const options: PlanRetentionOptions = { root: "logs/execution", policy: { keepLastN: 50 } };
 * ```
 */
export interface PlanRetentionOptions {
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  root?: string;
  /** Policy fields that differ from {@linkcode DEFAULT_RETENTION_POLICY}. */
  policy?: Partial<RetentionPolicy>;
  /**
   * The time ages are counted from.
   * @default {new Date()}
   */
  now?: Date;
  /**
   * The home directory the root must not be (see `resolveLogRoot`).
   * @default {the `HOME` environment variable}
   */
  home?: string | null;
}

/** A session with what the planner decided about it. */
interface Judged {
  s: InventorySession;
  rank: number | null;
  live: string | null;
  ageMs: number;
  deleted: boolean;
}

function days(ms: number): string {
  return (ms / DAY_MS).toFixed(1);
}

function segmentFiles(seg: InventorySegment): RetentionFile[] {
  return [seg.plain, seg.gz].filter((f): f is RetentionFile => f !== null);
}

function segmentModifiedMs(seg: InventorySegment): number {
  return Math.max(0, ...segmentFiles(seg).map((f) => f.mtime_ms));
}

function sum(files: RetentionFile[]): number {
  return files.reduce((total, f) => total + f.bytes, 0);
}

function action(
  fields: Omit<RetentionAction, "status" | "error" | "bytes_after_estimated" | "step"> & {
    step?: RetentionAction["step"];
    bytes_after_estimated?: boolean;
  },
): RetentionAction {
  return {
    step: null,
    bytes_after_estimated: false,
    ...fields,
    status: "planned",
    error: null,
  };
}

/** Bytes an action frees (negative when it adds). */
function savings(a: RetentionAction): number {
  return a.bytes_before - a.bytes_after;
}

/**
 * Plan retention for a log root: resolve and check the root, look at every
 * session (reads only), and decide by the policy (see the module
 * documentation for the rules). Throws `UnsafeLogRootError` for a root
 * that must not be touched and `RangeError` for a bad policy; problems found
 * while looking (an unreadable directory, a link where a directory belongs)
 * are listed in `problems`, and the rest is still planned.
 *
 * @example
 * ```ts
 * import { planRetention } from "@peak-trade/execution";
 * const plan = await planRetention({ root: "logs/execution" });
 * for (const a of plan.actions) console.log(`would ${a.kind} ${a.session_id}: ${a.reason}`);
 * ```
 */
export async function planRetention(options: PlanRetentionOptions = {}): Promise<RetentionPlan> {
  const policy = resolveRetentionPolicy(options.policy);
  const given = options.root ?? DEFAULT_LOG_DIR;
  const root = resolveLogRoot(given, { home: options.home, purpose: "run retention on" });
  const now = options.now ?? new Date();
  const plan: RetentionPlan = {
    root: given,
    root_real_path: root.realPath,
    root_exists: root.exists,
    planned_at: formatWireTimestamp(now),
    policy: retentionSettingsFromPolicy(policy),
    sessions: [],
    actions: [],
    problems: [],
    notes: [],
    bytes_before: 0,
    bytes_after: 0,
    bytes_after_estimated: false,
    max_total_bytes: policy.maxTotalMb > 0 ? Math.floor(policy.maxTotalMb * MIB) : null,
  };
  if (!policy.enabled) {
    plan.notes.push("retention is disabled (enabled = false): nothing is planned");
    return plan;
  }
  if (!root.exists) {
    plan.notes.push(`the log root ${root.realPath} does not exist: no logs, nothing to do`);
    return plan;
  }
  let inventory;
  try {
    inventory = await takeInventory(root.realPath);
  } catch (err) {
    plan.problems.push(
      `cannot read the log root ${root.realPath}: ${err instanceof Error ? err.message : err}`,
    );
    return plan;
  }
  plan.problems.push(...inventory.problems);
  const nowMs = now.getTime();
  const graceMs = policy.activeGraceMinutes * MINUTE_MS;
  const judged: Judged[] = inventory.sessions
    .sort((a, b) => b.lastModifiedMs - a.lastModifiedMs || (a.sessionId < b.sessionId ? -1 : 1))
    .map((s, i) => {
      const ageMs = nowMs - s.lastModifiedMs;
      let live: string | null = null;
      if (s.locked) live = "a writer holds the lock on its active file";
      else if (ageMs < 0) live = "its files were modified in the future (clock skew?)";
      else if (ageMs < graceMs) {
        live = `modified ${
          Math.floor(ageMs / MINUTE_MS)
        } min ago, within active_grace_minutes ${policy.activeGraceMinutes}`;
      }
      return { s, rank: i < policy.keepLastN ? i + 1 : null, live, ageMs, deleted: false };
    });
  plan.bytes_before = judged.reduce((total, j) => total + j.s.bytes, 0);

  const repairs: RetentionAction[] = [];
  const ageDeletes: RetentionAction[] = [];
  const sizeDeletes: RetentionAction[] = [];
  const compressions: RetentionAction[] = [];
  const deletedSegments = new Map<string, Set<number>>();
  const markSegmentDeleted = (sid: string, index: number): void => {
    let set = deletedSegments.get(sid);
    if (set === undefined) deletedSegments.set(sid, set = new Set());
    set.add(index);
  };
  const touchable = (j: Judged): boolean => j.s.skip === null && !j.deleted;
  // Fleet: in a root that `ship` forwards, nothing is deleted before it was shipped (the files
  // are the shipper's buffer); a root that is not shipped allows every deletion.
  const held = new Set<string>();
  const shipped = (j: Judged): boolean => {
    if (shippingAllowsSessionDelete(root.realPath, j.s.sessionId)) return true;
    held.add(j.s.sessionId);
    return false;
  };
  const deletable = (j: Judged): boolean =>
    touchable(j) && j.rank === null && j.live === null && shipped(j);
  /** The segments of `segments` before the first one not shipped yet (only a prefix may go). */
  const shippedPrefix = (j: Judged, segments: InventorySegment[]): InventorySegment[] => {
    const stop = segments.findIndex((seg) =>
      !shippingAllowsDelete(root.realPath, j.s.sessionId, seg.entry.start_offset + seg.entry.bytes)
    );
    if (stop === -1) return segments;
    held.add(j.s.sessionId);
    return segments.slice(0, stop);
  };

  // 1. Age.
  if (policy.maxAgeDays > 0) {
    const maxAgeMs = policy.maxAgeDays * DAY_MS;
    // Oldest first, as the size rule goes.
    for (const j of [...judged].reverse()) {
      if (deletable(j) && j.ageMs > maxAgeMs) {
        j.deleted = true;
        ageDeletes.push(
          deleteSession(
            j,
            "age",
            `last modified ${days(j.ageMs)} days ago, older than max_age_days ${policy.maxAgeDays}`,
          ),
        );
      }
    }
    for (const j of judged) {
      if (!touchable(j) || j.s.manifestCorrupt) continue;
      // Oldest first, never the newest closed segment (the anchor of the logical offsets).
      for (const seg of shippedPrefix(j, j.s.segments.slice(0, -1))) {
        const files = segmentFiles(seg);
        const segAgeMs = nowMs - segmentModifiedMs(seg);
        if (files.length === 0 || segAgeMs <= maxAgeMs) break;
        markSegmentDeleted(j.s.sessionId, seg.index);
        ageDeletes.push(
          deleteSegment(
            j,
            seg,
            "age",
            `segment ${seg.index} last modified ${
              days(segAgeMs)
            } days ago, older than max_age_days ${policy.maxAgeDays}`,
          ),
        );
      }
    }
  }

  // Repairs of what interrupted writes left (never in a live session: its writer repairs it).
  for (const j of judged) {
    if (!touchable(j)) continue;
    for (const t of j.s.rootTemporaries) {
      repairs.push(action({
        kind: "repair",
        rule: "repair",
        step: "remove-root-temporary",
        session_id: j.s.sessionId,
        segment_index: null,
        reason: `leftover temporary file ${t.path} of an interrupted compression`,
        files: [t],
        bytes_before: t.bytes,
        bytes_after: 0,
      }));
    }
    if (j.live !== null || !j.s.hasSegmentDir) continue;
    // The writer's repair, without compressing segments never compressed: that is the compress
    // rule's to decide (below).
    const inspection = await inspectSegmentRepairs(root.realPath, j.s.sessionId, {
      compressPlain: false,
    });
    for (const problem of inspection.problems) plan.notes.push(`${j.s.sessionId}: ${problem}`);
    for (const step of inspection.steps) repairs.push(await repairAction(root.realPath, j, step));
  }
  const repairedIndexes = new Set(
    repairs.filter((a) => a.segment_index !== null).map((a) =>
      `${a.session_id}/${a.segment_index}`
    ),
  );

  // 2. Compression.
  if (policy.compressAfterDays > 0) {
    const afterMs = policy.compressAfterDays * DAY_MS;
    const why = (ageMs: number) =>
      `last modified ${
        days(ageMs)
      } days ago, older than compress_after_days ${policy.compressAfterDays}`;
    for (const j of judged) {
      if (!touchable(j) || j.live !== null || j.ageMs <= afterMs) continue;
      if (j.rank !== null && policy.protectKeepLast) continue;
      const { active, archive } = j.s;
      if (!j.s.hasSegmentDir && active !== null && active.bytes > 0) {
        const estimate = await estimateGzipBytes(`${root.realPath}/${active.path}`, active.bytes);
        compressions.push(action({
          kind: "compress-session",
          rule: "compress",
          session_id: j.s.sessionId,
          segment_index: null,
          reason: archive === null
            ? why(j.ageMs)
            : `${why(j.ageMs)} (appended to the existing ${archive.path})`,
          files: archive === null ? [active] : [active, archive],
          bytes_before: active.bytes + (archive?.bytes ?? 0),
          bytes_after: estimate + (archive?.bytes ?? 0),
          bytes_after_estimated: true,
        }));
        continue;
      }
      if (j.s.manifestCorrupt) continue;
      for (const seg of j.s.segments) {
        const key = `${j.s.sessionId}/${seg.index}`;
        if (deletedSegments.get(j.s.sessionId)?.has(seg.index) || repairedIndexes.has(key)) {
          continue;
        }
        if (seg.plain === null || seg.gz !== null || seg.entry.file.endsWith(".gz")) continue;
        compressions.push(action({
          kind: "compress-segment",
          rule: "compress",
          session_id: j.s.sessionId,
          segment_index: seg.index,
          reason: `${why(j.ageMs)}: closed segment ${seg.index} was never compressed`,
          files: [seg.plain],
          bytes_before: seg.plain.bytes,
          bytes_after: await estimateGzipBytes(
            `${root.realPath}/${seg.plain.path}`,
            seg.plain.bytes,
          ),
          bytes_after_estimated: true,
        }));
      }
    }
  }

  // 3. Size.
  const all = () => [...repairs, ...ageDeletes, ...sizeDeletes, ...compressions];
  let projected = plan.bytes_before - all().reduce((total, a) => total + savings(a), 0);
  if (plan.max_total_bytes !== null && projected > plan.max_total_bytes) {
    const limit = plan.max_total_bytes;
    const queues = new Map<Judged, InventorySegment[]>();
    for (const j of judged) {
      if (!touchable(j) || j.s.manifestCorrupt) continue;
      const done = deletedSegments.get(j.s.sessionId);
      const rest = j.s.segments.slice(0, -1).filter((seg) => !done?.has(seg.index));
      // Only a prefix may go: stop at the first segment whose files are missing.
      const stop = rest.findIndex((seg) => segmentFiles(seg).length === 0);
      queues.set(j, shippedPrefix(j, stop === -1 ? rest : rest.slice(0, stop)));
    }
    const dropActions = (pick: (a: RetentionAction) => boolean): void => {
      for (const list of [repairs, ageDeletes, compressions]) {
        for (let i = list.length - 1; i >= 0; i--) {
          if (pick(list[i])) {
            projected += savings(list[i]);
            list.splice(i, 1);
          }
        }
      }
    };
    while (projected > limit) {
      let oldestSession: Judged | null = null;
      for (const j of judged) {
        if (
          deletable(j) &&
          (oldestSession === null || j.s.lastModifiedMs < oldestSession.s.lastModifiedMs)
        ) {
          oldestSession = j;
        }
      }
      let oldestSegment: { j: Judged; seg: InventorySegment } | null = null;
      for (const [j, queue] of queues) {
        const seg = queue[0];
        if (seg === undefined || j.deleted) continue;
        if (
          oldestSegment === null || segmentModifiedMs(seg) < segmentModifiedMs(oldestSegment.seg)
        ) {
          oldestSegment = { j, seg };
        }
      }
      if (oldestSession === null && oldestSegment === null) break;
      const estimated = all().some((a) => a.bytes_after_estimated);
      const reason = `total ${formatByteCount(projected)}${
        estimated ? " (estimated)" : ""
      } is above max_total_mb ${policy.maxTotalMb} (${formatByteCount(limit)})`;
      if (
        oldestSession !== null &&
        (oldestSegment === null ||
          oldestSession.s.lastModifiedMs <= segmentModifiedMs(oldestSegment.seg))
      ) {
        const j = oldestSession;
        dropActions((a) => a.session_id === j.s.sessionId);
        j.deleted = true;
        queues.delete(j);
        const del = deleteSession(j, "size", reason);
        sizeDeletes.push(del);
        projected -= savings(del);
      } else {
        const { j, seg } = oldestSegment!;
        queues.get(j)!.shift();
        dropActions((a) => a.session_id === j.s.sessionId && a.segment_index === seg.index);
        markSegmentDeleted(j.s.sessionId, seg.index);
        const del = deleteSegment(j, seg, "size", `segment ${seg.index}: ${reason}`);
        sizeDeletes.push(del);
        projected -= savings(del);
      }
    }
    if (projected > limit) {
      plan.notes.push(
        `the total stays at ${formatByteCount(projected)}, above max_total_mb ` +
          `${policy.maxTotalMb} (${formatByteCount(limit)}): what is left belongs to the newest ` +
          `${policy.keepLastN} sessions (keep_last_n_sessions), to live sessions, or is active ` +
          "files and the newest closed segment of each session, which retention keeps",
      );
    }
  }

  for (const sid of [...held].sort()) {
    plan.notes.push(`${sid}: kept what is not shipped yet (fleet: \`ship\` has not forwarded it)`);
  }
  plan.actions = all();
  plan.bytes_after = plan.bytes_before - plan.actions.reduce((total, a) => total + savings(a), 0);
  plan.bytes_after_estimated = plan.actions.some((a) => a.bytes_after_estimated);
  plan.sessions = judged.map((j) => sessionReport(j, plan.actions, now));
  return plan;
}

function deleteSession(j: Judged, rule: RetentionRule, reason: string): RetentionAction {
  const files = [...j.s.files, ...j.s.rootTemporaries];
  return action({
    kind: "delete-session",
    rule,
    session_id: j.s.sessionId,
    segment_index: null,
    reason,
    files,
    bytes_before: sum(files),
    bytes_after: 0,
  });
}

function deleteSegment(
  j: Judged,
  seg: InventorySegment,
  rule: RetentionRule,
  reason: string,
): RetentionAction {
  const files = segmentFiles(seg);
  return action({
    kind: "delete-segment",
    rule,
    session_id: j.s.sessionId,
    segment_index: seg.index,
    reason,
    files,
    bytes_before: sum(files),
    bytes_after: 0,
  });
}

async function repairAction(
  root: string,
  j: Judged,
  step: SegmentRepairStep,
): Promise<RetentionAction> {
  const dir = `${SEGMENTS_DIR_NAME}/${j.s.sessionId}`;
  const known = new Map(j.s.files.map((f) => [f.path, f]));
  const files = step.files
    .map((name) => known.get(`${dir}/${name}`))
    .filter((f): f is RetentionFile => f !== undefined);
  let after = step.bytesAfter;
  let estimated = false;
  if (after === null) {
    // A compression (or a decompressed copy): estimate from the plain copy, or the `.gz` content.
    const plain = files.find((f) => f.path.endsWith(".jsonl"));
    const gz = files.find((f) => f.path.endsWith(".jsonl.gz"));
    const seg = j.s.segments.find((s) => s.index === step.index);
    after = plain !== undefined
      ? await estimateGzipBytes(`${root}/${plain.path}`, plain.bytes)
      : gz !== undefined && seg !== undefined
      ? (step.kind === "adopt-segment" ? seg.entry.bytes : gz.bytes)
      : 0;
    estimated = true;
  }
  return action({
    kind: "repair",
    rule: "repair",
    step: step.kind,
    session_id: j.s.sessionId,
    segment_index: step.index,
    reason: step.detail,
    files,
    bytes_before: step.bytesBefore,
    bytes_after: after,
    bytes_after_estimated: estimated,
  });
}

function sessionReport(j: Judged, actions: RetentionAction[], now: Date): RetentionSessionReport {
  const mine = actions.filter((a) => a.session_id === j.s.sessionId);
  let outcome: RetentionSessionReport["outcome"] = "keep";
  let note: string;
  if (j.s.skip !== null) {
    outcome = "skip";
    note = j.s.skip;
  } else if (mine.some((a) => a.kind === "delete-session")) {
    outcome = "delete";
    note = mine.find((a) => a.kind === "delete-session")!.reason;
  } else if (mine.some((a) => a.kind.startsWith("compress"))) {
    outcome = "compress";
    note = mine.find((a) => a.kind.startsWith("compress"))!.reason;
  } else if (mine.some((a) => a.kind === "delete-segment")) {
    outcome = "trim";
    note = `${mine.filter((a) => a.kind === "delete-segment").length} closed segment(s) deleted`;
  } else if (mine.length > 0) {
    outcome = "repair";
    note = `${mine.length} leftover(s) repaired`;
  } else if (j.live !== null) {
    note = `live: ${j.live}`;
  } else if (j.rank !== null) {
    note = `among the newest ${
      j.rank === 1 ? "session" : `${j.rank} sessions`
    } (keep_last_n_sessions)`;
  } else {
    note = `last modified ${days(j.ageMs)} days ago: within every limit`;
  }
  if (outcome === "trim" || outcome === "repair") {
    if (j.live !== null) note += `; live: ${j.live}`;
  }
  return {
    session_id: j.s.sessionId,
    bytes: j.s.bytes,
    last_modified: formatWireTimestamp(new Date(j.s.lastModifiedMs)),
    age_days: Math.round((now.getTime() - j.s.lastModifiedMs) / DAY_MS * 100) / 100,
    live: j.live,
    protected_rank: j.rank,
    outcome,
    note,
  };
}
