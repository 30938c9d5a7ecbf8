/**
 * Health snapshots (the original's 16H): one JSON line per health report in
 * `<root>/.health/snapshots.jsonl`, with the original's schema version 1
 * fields (`schema_version`, `ts_utc`, `severity`, `metrics{disk_usage_mb,
 * disk_usage_pct, retention_staleness_hours, compression_failure_rate,
 * parse_error_rate}`, `checks[]`) plus the new checks' metrics. Loading
 * skips and counts corrupt lines; snapshots older than the retention are
 * pruned by rewriting the file atomically.
 *
 * @module
 */
import { join } from "node:path";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { HealthReport, HealthStatus } from "./health_status.ts";
import {
  appendJsonl,
  ensureStateDir,
  pruneLinesBefore,
  readJsonl,
  StateFileError,
} from "./jsonl_file.ts";

/** The directory under the log root that holds the health state. */
export const HEALTH_DIR_NAME = ".health";
/** The snapshot file's name in it. */
export const SNAPSHOTS_FILE_NAME = "snapshots.jsonl";
/** The schema version written (the original's). */
export const SNAPSHOT_SCHEMA_VERSION = 1;
/** The retention's `max_total_mb` default, against which the original computed `disk_usage_pct`. */
export const DEFAULT_MAX_TOTAL_MB = 2048;

/**
 * The metrics of a snapshot: the original's five, then the new checks'.
 *
 * @example
 * ```ts
 * import type { SnapshotMetrics } from "./health_snapshots.ts";
 * const metrics: SnapshotMetrics = {
 *   disk_usage_mb: 1, disk_usage_pct: 0.05, retention_staleness_hours: null,
 *   compression_failure_rate: 0, parse_error_rate: 0, free_space_pct: 40,
 *   free_space_bytes: 1e9, rejection_rate: null, execution_errors: 0, telemetry_dropped: 0,
 *   stale_sessions: 0,
 * };
 * ```
 */
export interface SnapshotMetrics {
  /** Disk usage of the log root, MB. */
  disk_usage_mb: number;
  /** That, in % of the retention's `max_total_mb`. */
  disk_usage_pct: number;
  /** Hours since the last retention run, or `null`. */
  retention_staleness_hours: number | null;
  /** Leftover temporary files per session file, %. */
  compression_failure_rate: number;
  /** Invalid sampled lines, %. */
  parse_error_rate: number;
  /** Free space of the volume, % (or `null` when unknown). */
  free_space_pct: number | null;
  /** Free space of the volume, bytes (or `null`). */
  free_space_bytes: number | null;
  /** Worst rejection rate of the window, % (or `null` with too few intents). */
  rejection_rate: number | null;
  /** Execution errors in the window. */
  execution_errors: number;
  /** Dropped telemetry events in the window. */
  telemetry_dropped: number;
  /** Stale sessions. */
  stale_sessions: number;
}

/**
 * One snapshot line.
 *
 * @example
 * ```ts
 * import type { HealthSnapshot } from "./health_snapshots.ts";
 * type Severity = HealthSnapshot["severity"]; // "ok" | "warn" | "critical"
 * ```
 */
export interface HealthSnapshot {
  /** Always 1. */
  schema_version: number;
  /** When the report was computed (wire timestamp). */
  ts_utc: string;
  /** The report's status. */
  severity: HealthStatus;
  /** The numbers trends are computed from. */
  metrics: SnapshotMetrics;
  /** Each check's name, status and value (messages and details stay in the report). */
  checks: SnapshotCheck[];
}

/**
 * A check as a snapshot keeps it: small, since 90 days of snapshots every 5
 * minutes are 26,000 lines.
 *
 * @example
 * ```ts
 * import type { SnapshotCheck } from "./health_snapshots.ts";
 * const check: SnapshotCheck = { name: "disk_usage", status: "ok", value: 1.5 };
 * ```
 */
export interface SnapshotCheck {
  /** Check name. */
  name: string;
  /** Its status. */
  status: HealthStatus;
  /** Its value, or `null`. */
  value: number | null;
}

/**
 * The snapshot file of a log root.
 *
 * @example
 * ```ts
 * import { snapshotsPath } from "./health_snapshots.ts";
 * console.log(snapshotsPath("logs/execution")); // "logs/execution/.health/snapshots.jsonl"
 * ```
 */
export function snapshotsPath(root: string): string {
  return join(root, HEALTH_DIR_NAME, SNAPSHOTS_FILE_NAME);
}

function checkValue(report: HealthReport, name: string): number | null {
  return report.checks.find((c) => c.name === name)?.value ?? null;
}

/**
 * The snapshot of a report; `maxTotalMb` is the retention limit that
 * `disk_usage_pct` is relative to.
 *
 * @example
 * ```ts
 * import { snapshotOf } from "./health_snapshots.ts";
 * const report = { timestamp: "2026-11-25T09:30:45.000000+00:00", status: "ok" as const, exit_code: 0, checks: [] };
 * console.log(snapshotOf(report).schema_version); // 1
 * ```
 */
export function snapshotOf(
  report: HealthReport,
  maxTotalMb = DEFAULT_MAX_TOTAL_MB,
): HealthSnapshot {
  const disk = checkValue(report, "disk_usage") ?? 0;
  const free = report.checks.find((c) => c.name === "free_space");
  const details = free?.details ?? null;
  return {
    schema_version: SNAPSHOT_SCHEMA_VERSION,
    ts_utc: report.timestamp,
    severity: report.status,
    metrics: {
      disk_usage_mb: disk,
      disk_usage_pct: maxTotalMb > 0 ? Math.round((disk / maxTotalMb) * 10_000) / 100 : 0,
      retention_staleness_hours: checkValue(report, "retention_staleness"),
      compression_failure_rate: checkValue(report, "compression_failures") ?? 0,
      parse_error_rate: checkValue(report, "parse_error_rate") ?? 0,
      free_space_pct: typeof details?.free_pct === "number" ? details.free_pct : null,
      free_space_bytes: typeof details?.avail_bytes === "number" ? details.avail_bytes : null,
      rejection_rate: checkValue(report, "rejection_rate"),
      execution_errors: checkValue(report, "execution_errors") ?? 0,
      telemetry_dropped: checkValue(report, "telemetry_dropped") ?? 0,
      stale_sessions: checkValue(report, "stale_sessions") ?? 0,
    },
    checks: report.checks.map((c) => ({ name: c.name, status: c.status, value: c.value })),
  };
}

/** A snapshot read back, with its instant. */
interface ReadSnapshot {
  snapshot: HealthSnapshot;
  micros: number;
}

function asSnapshot(record: Record<string, unknown>): ReadSnapshot | null {
  if (typeof record.ts_utc !== "string") return null;
  const micros = parseTimestampMicros(record.ts_utc);
  if (micros === null) return null;
  const severity = record.severity;
  if (severity !== "ok" && severity !== "warn" && severity !== "critical") return null;
  const metrics = record.metrics;
  if (typeof metrics !== "object" || metrics === null) return null;
  return { snapshot: record as unknown as HealthSnapshot, micros };
}

/**
 * Options of {@linkcode loadSnapshots}.
 *
 * @example
 * ```ts
 * import type { LoadSnapshotsOptions } from "./health_snapshots.ts";
 * const options: LoadSnapshotsOptions = { since: new Date(Date.now() - 86_400_000) };
 * ```
 */
export interface LoadSnapshotsOptions {
  /** Earliest snapshot (inclusive). */
  since?: Date;
  /** Latest snapshot (inclusive). */
  until?: Date;
  /** Keep only the most recent `limit`. */
  limit?: number;
}

/**
 * Snapshots loaded: ascending by time, and how many lines were skipped.
 *
 * @example
 * ```ts
 * import type { LoadedSnapshots } from "./health_snapshots.ts";
 * const loaded: LoadedSnapshots = { snapshots: [], corrupt: 0 };
 * ```
 */
export interface LoadedSnapshots {
  /** The snapshots, oldest first. */
  snapshots: HealthSnapshot[];
  /** Lines that were not a snapshot (skipped and counted). */
  corrupt: number;
}

/**
 * Load the snapshots of a log root (the original's `since`/`until`
 * inclusive, ascending, `limit` keeps the most recent).
 *
 * @example
 * ```ts
 * import { loadSnapshots } from "./health_snapshots.ts";
 * const { snapshots, corrupt } = await loadSnapshots("logs/execution", { limit: 100 });
 * console.log(snapshots.length, corrupt);
 * ```
 */
export async function loadSnapshots(
  root: string,
  options: LoadSnapshotsOptions = {},
): Promise<LoadedSnapshots> {
  const { records, corrupt } = await readJsonl(snapshotsPath(root));
  const since = options.since === undefined ? -Infinity : options.since.getTime() * 1000;
  const until = options.until === undefined ? Infinity : options.until.getTime() * 1000;
  let bad = corrupt;
  const read: ReadSnapshot[] = [];
  for (const record of records) {
    const s = asSnapshot(record);
    if (s === null) {
      bad++;
      continue;
    }
    if (s.micros >= since && s.micros <= until) read.push(s);
  }
  read.sort((a, b) => a.micros - b.micros);
  const kept = options.limit === undefined
    ? read
    : read.slice(Math.max(0, read.length - options.limit));
  return { snapshots: kept.map((r) => r.snapshot), corrupt: bad };
}

/**
 * The snapshots of a log root kept in memory and brought up to date from the
 * bytes appended since the last read (the trend API and the console ask on
 * every request; 90 days of snapshots every 5 minutes are ~25 MB of lines).
 * A file that was replaced (pruned) or shrank is read again whole.
 *
 * @example
 * ```ts
 * import { SnapshotCache } from "./health_snapshots.ts";
 * const cache = new SnapshotCache("logs/execution");
 * console.log((await cache.since(new Date(Date.now() - 86_400_000))).length);
 * ```
 */
export class SnapshotCache {
  readonly #path: string;
  #ino: number | null = null;
  #size = 0;
  #pending = "";
  #snapshots: ReadSnapshot[] = [];

  /** The cache of `root`'s snapshot file. */
  constructor(root: string) {
    this.#path = snapshotsPath(root);
  }

  /** Snapshots at or after `since`, oldest first. */
  async since(since: Date): Promise<HealthSnapshot[]> {
    await this.#refresh();
    const from = since.getTime() * 1000;
    return this.#snapshots.filter((s) => s.micros >= from).map((s) => s.snapshot);
  }

  async #refresh(): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(this.#path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      this.#reset(null);
      return;
    }
    if (!info.isFile) throw new StateFileError(`${this.#path} is not a regular file`);
    if (info.ino !== this.#ino || info.size < this.#size) this.#reset(info.ino);
    if (info.size === this.#size) return;
    const file = await Deno.open(this.#path, { read: true });
    let text: string;
    try {
      await file.seek(this.#size, Deno.SeekMode.Start);
      const bytes = new Uint8Array(info.size - this.#size);
      let filled = 0;
      while (filled < bytes.length) {
        const n = await file.read(bytes.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      this.#size += filled;
      text = this.#pending + new TextDecoder().decode(bytes.subarray(0, filled));
    } finally {
      file.close();
    }
    const lines = text.split("\n");
    // An incomplete last line waits for the rest of its write.
    this.#pending = lines.pop() ?? "";
    let unsorted = false;
    for (const line of lines) {
      if (line.trim() === "") continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof record !== "object" || record === null || Array.isArray(record)) continue;
      const s = asSnapshot(record as Record<string, unknown>);
      if (s === null) continue;
      const last = this.#snapshots.at(-1);
      if (last !== undefined && s.micros < last.micros) unsorted = true;
      this.#snapshots.push(s);
    }
    if (unsorted) this.#snapshots.sort((a, b) => a.micros - b.micros);
  }

  #reset(ino: number | null): void {
    this.#ino = ino;
    this.#size = 0;
    this.#pending = "";
    this.#snapshots = [];
  }
}

/**
 * Append a snapshot to the log root's snapshot file (creating `.health/`),
 * then prune snapshots older than `retentionMs` when the oldest one is.
 * Returns how many were pruned.
 *
 * @example
 * ```ts
 * import { appendSnapshot, snapshotOf } from "./health_snapshots.ts";
 * const dir = await Deno.makeTempDir();
 * const report = { timestamp: "2026-11-25T09:30:45.000000+00:00", status: "ok" as const, exit_code: 0, checks: [] };
 * await appendSnapshot(dir, snapshotOf(report), 90 * 86_400_000, Date.parse("2026-11-25T10:00:00Z"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendSnapshot(
  root: string,
  snapshot: HealthSnapshot,
  retentionMs: number,
  nowMs: number = Date.now(),
): Promise<number> {
  await ensureStateDir(join(root, HEALTH_DIR_NAME));
  const path = snapshotsPath(root);
  await appendJsonl(path, [snapshot]);
  return await pruneSnapshots(root, retentionMs, nowMs);
}

/**
 * Remove snapshots older than `retentionMs` (corrupt lines are kept: nothing
 * unreadable is thrown away unseen). Rewrites only when something is old.
 *
 * @example
 * ```ts
 * import { pruneSnapshots } from "./health_snapshots.ts";
 * console.log(await pruneSnapshots("logs/execution", 90 * 86_400_000)); // snapshots removed
 * ```
 */
export async function pruneSnapshots(
  root: string,
  retentionMs: number,
  nowMs: number = Date.now(),
): Promise<number> {
  const path = snapshotsPath(root);
  const cutoff = (nowMs - retentionMs) * 1000;
  // The oldest snapshot is the first line: when it is recent enough, nothing is read further.
  const first = await firstLineMicros(path);
  if (first === null || first >= cutoff) return 0;
  return await pruneLinesBefore(path, "ts_utc", cutoff);
}

/** The instant of the file's first parseable line, or `null`. */
async function firstLineMicros(path: string): Promise<number | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    const buffer = new Uint8Array(64 * 1024);
    const n = await file.read(buffer) ?? 0;
    for (const line of new TextDecoder().decode(buffer.subarray(0, n)).split("\n")) {
      try {
        const value = JSON.parse(line);
        const micros = typeof value?.ts_utc === "string"
          ? parseTimestampMicros(value.ts_utc)
          : null;
        if (micros !== null) return micros;
      } catch {
        // A corrupt or partial line: look at the next.
      }
    }
    // No readable line in the first block: let the full pass decide.
    return -Infinity;
  } finally {
    file.close();
  }
}

/**
 * The wire timestamp of `ms` (for callers building snapshot times).
 *
 * @example
 * ```ts
 * import { snapshotTime } from "./health_snapshots.ts";
 * console.log(snapshotTime(0)); // "1970-01-01T00:00:00.000000+00:00"
 * ```
 */
export function snapshotTime(ms: number): string {
  return formatWireTimestamp(new Date(ms));
}
