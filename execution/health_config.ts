/**
 * The `[execution.telemetry.health]` table: thresholds of the telemetry
 * health checks (the original's 16F four with its defaults, plus free space,
 * gate rejections, execution errors, dropped events and stale sessions), and
 * how often and how long health snapshots are kept. Durations are written as
 * `"15m"`, `"1d"`; the parsed settings hold them in milliseconds.
 *
 * @module
 */
import { z } from "zod";
import {
  amountField,
  countField,
  durationField,
  orderedThresholds,
  percentField,
  spaceField,
} from "./config_fields.ts";
import type { SpaceThreshold } from "./space_threshold.ts";

/**
 * The parsed `[execution.telemetry.health]` table (durations in milliseconds).
 *
 * @example
 * ```ts
 * import { defaultHealthSettings, type HealthSettings } from "./health_config.ts";
 * const settings: HealthSettings = defaultHealthSettings();
 * console.log(settings.disk_warn_mb, settings.window); // 1500 900000
 * ```
 */
export interface HealthSettings {
  /** Disk usage of the log root that warns, in MB (the original: 1500). */
  disk_warn_mb: number;
  /** Disk usage that is critical, in MB (the original: 1900). */
  disk_critical_mb: number;
  /** Hours since the last retention run that warn (the original: 48). */
  retention_warn_hours: number;
  /** Hours since the last retention run that are critical (the original: 168). */
  retention_critical_hours: number;
  /** Leftover temporary files per session file, in %, that warn (the original: 10). */
  compression_warn_pct: number;
  /** The same, critical (the original: 25). */
  compression_critical_pct: number;
  /** Invalid sampled lines, in %, that warn (the original: 5). */
  parse_error_warn_pct: number;
  /** The same, critical (the original: 15). */
  parse_error_critical_pct: number;
  /** Free space of the volume at or below which the check warns. */
  free_space_warn: SpaceThreshold;
  /** Free space at or below which it is critical. */
  free_space_critical: SpaceThreshold;
  /** The recent window of the rejection, error and drop checks (ms). */
  window: number;
  /** Fewest intents in the window for a rejection rate to count (per session and overall). */
  rejection_min_intents: number;
  /** Rejection rate (blocked gate decisions per intent, in %) that warns. */
  rejection_warn_pct: number;
  /** Rejection rate that is critical. */
  rejection_critical_pct: number;
  /** Execution `error` events in the window that warn. */
  errors_warn: number;
  /** Execution errors that are critical. */
  errors_critical: number;
  /** Dropped telemetry events in the window that warn. */
  dropped_warn: number;
  /** Dropped events that are critical. */
  dropped_critical: number;
  /** A session whose active file was not written for this long is stale (ms). */
  stale_after: number;
  /** Only sessions written within this long count as possibly stale (ms). */
  stale_within: number;
  /** Stale sessions that warn. */
  stale_warn: number;
  /** Stale sessions that are critical. */
  stale_critical: number;
  /** How often `serve` appends a health snapshot (ms; 0 = never). */
  snapshot_every: number;
  /** Snapshots older than this are pruned (ms). */
  snapshot_retention: number;
}

const MINUTE = 60_000;

/**
 * Schema of the `[execution.telemetry.health]` table: strict (unknown keys
 * are errors), every key optional with the default shown in
 * `docs/configuration.md`, and every critical threshold at or beyond its
 * warning threshold.
 *
 * @example
 * ```ts
 * import { HealthSettingsSchema } from "./health_config.ts";
 * console.log(HealthSettingsSchema.parse({ window: "5m" }).window); // 300000
 * console.log(HealthSettingsSchema.safeParse({ disk_warn_mb: 2000 }).success); // false
 * ```
 */
export const HealthSettingsSchema: z.ZodType<HealthSettings> = z.strictObject({
  disk_warn_mb: amountField(1500),
  disk_critical_mb: amountField(1900),
  retention_warn_hours: amountField(48),
  retention_critical_hours: amountField(168),
  compression_warn_pct: percentField(10),
  compression_critical_pct: percentField(25),
  parse_error_warn_pct: percentField(5),
  parse_error_critical_pct: percentField(15),
  free_space_warn: spaceField("10%"),
  free_space_critical: spaceField("5%"),
  window: durationField("15m", 1_000),
  rejection_min_intents: countField(50),
  rejection_warn_pct: percentField(20),
  rejection_critical_pct: percentField(50),
  errors_warn: countField(1),
  errors_critical: countField(10),
  dropped_warn: countField(1),
  dropped_critical: countField(100),
  stale_after: durationField("5m", 1_000),
  stale_within: durationField("1d", MINUTE),
  stale_warn: countField(1),
  stale_critical: countField(5),
  snapshot_every: durationField("5m"),
  snapshot_retention: durationField("90d", 24 * 60 * MINUTE),
}).superRefine((s, ctx) => {
  orderedThresholds(
    ctx,
    s.disk_warn_mb,
    s.disk_critical_mb,
    "disk_warn_mb",
    "disk_critical_mb",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.retention_warn_hours,
    s.retention_critical_hours,
    "retention_warn_hours",
    "retention_critical_hours",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.compression_warn_pct,
    s.compression_critical_pct,
    "compression_warn_pct",
    "compression_critical_pct",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.parse_error_warn_pct,
    s.parse_error_critical_pct,
    "parse_error_warn_pct",
    "parse_error_critical_pct",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.rejection_warn_pct,
    s.rejection_critical_pct,
    "rejection_warn_pct",
    "rejection_critical_pct",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.errors_warn,
    s.errors_critical,
    "errors_warn",
    "errors_critical",
    "higher",
  );
  orderedThresholds(
    ctx,
    s.dropped_warn,
    s.dropped_critical,
    "dropped_warn",
    "dropped_critical",
    "higher",
  );
  orderedThresholds(ctx, s.stale_warn, s.stale_critical, "stale_warn", "stale_critical", "higher");
  if (s.free_space_warn.unit !== s.free_space_critical.unit) {
    ctx.addIssue({
      code: "custom",
      path: ["free_space_critical"],
      message: "must use the same unit as free_space_warn (both percentages, or both sizes)",
      params: { at: "value" },
    });
  } else {
    orderedThresholds(
      ctx,
      s.free_space_warn.value,
      s.free_space_critical.value,
      "free_space_warn",
      "free_space_critical",
      "lower",
    );
  }
  if (s.stale_within <= s.stale_after) {
    ctx.addIssue({
      code: "custom",
      path: ["stale_within"],
      message: "must be longer than stale_after: a session is stale between the two",
      params: { at: "value" },
    });
  }
});

/**
 * The health settings when the config file has no `[execution.telemetry.health]` table.
 *
 * @example
 * ```ts
 * import { defaultHealthSettings } from "./health_config.ts";
 * console.log(defaultHealthSettings().parse_error_warn_pct); // 5
 * ```
 */
export function defaultHealthSettings(): HealthSettings {
  return HealthSettingsSchema.parse({});
}
