/**
 * Computing a health report over a log root: one metadata pass
 * ({@linkcode scanLogRoot}), the volume's free space, a bounded parse-error
 * sample and the recent window of each session written lately, then every
 * check. Nothing reads a whole session.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { HealthSettings } from "../execution/health_config.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { ActivityWindowReader, type WindowCounts } from "./activity_window.ts";
import { type FreeSpaceResult, measureFreeSpace } from "./free_space.ts";
import {
  compressionFailuresCheck,
  diskUsageCheck,
  executionErrorsCheck,
  freeSpaceCheck,
  parseErrorRateCheck,
  rejectionRateCheck,
  retentionStalenessCheck,
  staleSessionsCheck,
  telemetryDroppedCheck,
} from "./health_checks.ts";
import { exitCodeOf, type HealthReport, worstStatus } from "./health_status.ts";
import { type LogRootInventory, scanLogRoot } from "./log_root_inventory.ts";
import { sampleParseErrors } from "./parse_error_sample.ts";

/**
 * Options of {@linkcode computeHealth}.
 *
 * @example
 * ```ts
 * import type { HealthOptions } from "./health_report.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const options: HealthOptions = { settings: defaultHealthSettings(), now: Date.now() };
 * ```
 */
export interface HealthOptions {
  /** Thresholds and windows. */
  settings: HealthSettings;
  /**
   * The time the report is for (epoch ms).
   * @default {Date.now()}
   */
  now?: number;
  /**
   * Window reader to reuse (a long-running process keeps one, so reads are incremental).
   * @default {a new reader}
   */
  windowReader?: ActivityWindowReader;
  /**
   * How free space is measured (tests replace it).
   * @default {measureFreeSpace}
   */
  measureFree?: (dir: string) => Promise<FreeSpaceResult>;
}

/**
 * A report and what it was computed from (the dashboard shows both).
 *
 * @example
 * ```ts
 * import { computeHealth } from "./health_report.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const { report, inventory } = await computeHealth("logs/execution", { settings: defaultHealthSettings() });
 * console.log(report.status, inventory.sessions.length);
 * ```
 */
export interface HealthComputation {
  /** The report (the original's shape plus the new checks). */
  report: HealthReport;
  /** The log root's metadata. */
  inventory: LogRootInventory;
  /** Each session's activity in the window (sessions written in it only). */
  windows: Map<string, WindowCounts>;
}

/** The nearest existing directory at or above `dir` (a log root not created yet lives there). */
function existingAncestor(dir: string): string {
  let at = resolve(dir);
  for (;;) {
    try {
      if (Deno.statSync(at).isDirectory) return at;
    } catch {
      // Missing or unreadable: try the parent.
    }
    const parent = dirname(at);
    if (parent === at) return at;
    at = parent;
  }
}

/**
 * Compute the health of the log root `root`.
 *
 * @example
 * ```ts
 * import { computeHealth } from "./health_report.ts";
 * import { defaultHealthSettings } from "../execution/health_config.ts";
 * const { report } = await computeHealth("logs/execution", { settings: defaultHealthSettings() });
 * for (const check of report.checks) console.log(check.name, check.status, check.message);
 * ```
 */
export async function computeHealth(
  root: string,
  options: HealthOptions,
): Promise<HealthComputation> {
  const s = options.settings;
  const now = options.now ?? Date.now();
  const reader = options.windowReader ?? new ActivityWindowReader();
  const inventory = await scanLogRoot(root);
  const [free, sample] = await Promise.all([
    (options.measureFree ?? measureFreeSpace)(existingAncestor(root)),
    sampleParseErrors(inventory),
  ]);
  const windows = new Map<string, WindowCounts>();
  const since = now - s.window;
  for (const session of inventory.sessions) {
    // Sessions not written since the window began hold nothing in it (no file is opened).
    if (session.mtime_ms < since) continue;
    windows.set(session.session_id, await reader.read(session, since));
  }
  let newestArchive: number | null = null;
  let sessionFiles = 0;
  for (const session of inventory.sessions) {
    if (session.archive !== null) {
      newestArchive = Math.max(newestArchive ?? 0, session.archive.mtime_ms);
      sessionFiles++;
    }
    if (session.active !== null) sessionFiles++;
    sessionFiles += session.segments.length;
  }
  const checks = [
    diskUsageCheck(inventory.total_bytes, s),
    retentionStalenessCheck(inventory.retention_marker_ms, newestArchive, now, s),
    compressionFailuresCheck(inventory.temp_files, sessionFiles, now, s),
    parseErrorRateCheck(sample, s),
    freeSpaceCheck(free, s),
    rejectionRateCheck(windows, s),
    executionErrorsCheck(windows, s),
    telemetryDroppedCheck(windows, s),
    staleSessionsCheck(inventory.sessions, now, s),
  ];
  const status = worstStatus(checks.map((c) => c.status));
  return {
    report: {
      timestamp: formatWireTimestamp(new Date(now)),
      status,
      exit_code: exitCodeOf(status),
      checks,
    },
    inventory,
    windows,
  };
}
