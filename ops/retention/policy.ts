/**
 * The retention policy: the original's defaults, validated by the same
 * schema as the `[execution.telemetry.retention]` table of the TOML config.
 *
 * @module
 */
import {
  TelemetryRetentionSchema,
  type TelemetryRetentionSettings,
} from "../../execution/retention_settings.ts";

/**
 * What retention keeps, deletes and compresses. `0` turns the age, size and
 * compression rules off.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETENTION_POLICY, type RetentionPolicy } from "@peak-trade/execution";
 * const policy: RetentionPolicy = { ...DEFAULT_RETENTION_POLICY, maxAgeDays: 14 };
 * ```
 */
export interface RetentionPolicy {
  /**
   * Whether retention does anything at all.
   * @default {true}
   */
  enabled: boolean;
  /**
   * Sessions (and closed segments) last modified longer ago than this are deleted.
   * @default {30}
   */
  maxAgeDays: number;
  /**
   * The newest this many sessions are never deleted whole (their closed
   * segments still age out).
   * @default {200}
   */
  keepLastN: number;
  /**
   * Above this total (MiB = 1,048,576 bytes), the oldest data is deleted until it fits.
   * @default {2048}
   */
  maxTotalMb: number;
  /**
   * Finished sessions last modified longer ago than this are compressed.
   * @default {7}
   */
  compressAfterDays: number;
  /**
   * Also keep the newest `keepLastN` sessions uncompressed.
   * @default {false}
   */
  protectKeepLast: boolean;
  /**
   * A session whose files changed within this many minutes (or whose active
   * file is locked) is being written: it is never deleted or compressed whole.
   * @default {60}
   */
  activeGraceMinutes: number;
}

/**
 * The default policy: the original's defaults (30 days, the last 200
 * sessions, 2048 MiB, compression after 7 days) and a 60-minute grace period.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETENTION_POLICY } from "@peak-trade/execution";
 * console.log(DEFAULT_RETENTION_POLICY.maxAgeDays, DEFAULT_RETENTION_POLICY.keepLastN); // 30 200
 * ```
 */
export const DEFAULT_RETENTION_POLICY: Readonly<RetentionPolicy> = Object.freeze(
  retentionPolicyFromSettings(TelemetryRetentionSchema.parse({})),
);

/**
 * The policy a `[execution.telemetry.retention]` table describes.
 *
 * @example
 * ```ts
 * import { parseExecutionConfig, retentionPolicyFromSettings } from "@peak-trade/execution";
 * const config = parseExecutionConfig("[execution.telemetry.retention]\nmax_age_days = 14\n");
 * console.log(retentionPolicyFromSettings(config.execution.telemetry.retention).maxAgeDays); // 14
 * ```
 */
export function retentionPolicyFromSettings(settings: TelemetryRetentionSettings): RetentionPolicy {
  return {
    enabled: settings.enabled,
    maxAgeDays: settings.max_age_days,
    keepLastN: settings.keep_last_n_sessions,
    maxTotalMb: settings.max_total_mb,
    compressAfterDays: settings.compress_after_days,
    protectKeepLast: settings.protect_keep_last_from_compress,
    activeGraceMinutes: settings.active_grace_minutes,
  };
}

/**
 * A policy as the `[execution.telemetry.retention]` table writes it (the
 * shape of `--json` output and of `.last_retention_run`).
 *
 * @example
 * ```ts
 * import { DEFAULT_RETENTION_POLICY, retentionSettingsFromPolicy } from "@peak-trade/execution";
 * console.log(retentionSettingsFromPolicy(DEFAULT_RETENTION_POLICY).keep_last_n_sessions); // 200
 * ```
 */
export function retentionSettingsFromPolicy(policy: RetentionPolicy): TelemetryRetentionSettings {
  return {
    enabled: policy.enabled,
    max_age_days: policy.maxAgeDays,
    keep_last_n_sessions: policy.keepLastN,
    max_total_mb: policy.maxTotalMb,
    compress_after_days: policy.compressAfterDays,
    protect_keep_last_from_compress: policy.protectKeepLast,
    active_grace_minutes: policy.activeGraceMinutes,
  };
}

/**
 * The default policy with `overrides` applied, checked against the ranges
 * of the config table. Throws a `RangeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import { resolveRetentionPolicy } from "@peak-trade/execution";
 * console.log(resolveRetentionPolicy({ maxTotalMb: 512 }).maxTotalMb); // 512
 * try {
 *   resolveRetentionPolicy({ keepLastN: -1 });
 * } catch (err) {
 *   console.log((err as Error).message); // keepLastN: expected a number ≥ 0, got -1
 * }
 * ```
 */
export function resolveRetentionPolicy(overrides: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const merged = { ...DEFAULT_RETENTION_POLICY, ...overrides };
  const parsed = TelemetryRetentionSchema.safeParse(retentionSettingsFromPolicy(merged));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    const field = FIELD_OF_KEY[key] ?? key;
    const value = (merged as unknown as Record<string, unknown>)[field];
    throw new RangeError(`${field}: ${describeProblem(issue, value)}`);
  }
  return retentionPolicyFromSettings(parsed.data);
}

const FIELD_OF_KEY: Readonly<Record<string, keyof RetentionPolicy>> = {
  enabled: "enabled",
  max_age_days: "maxAgeDays",
  keep_last_n_sessions: "keepLastN",
  max_total_mb: "maxTotalMb",
  compress_after_days: "compressAfterDays",
  protect_keep_last_from_compress: "protectKeepLast",
  active_grace_minutes: "activeGraceMinutes",
};

/** One issue of the schema as a phrase (the config file's wording). */
function describeProblem(
  issue: {
    code: string;
    minimum?: unknown;
    maximum?: unknown;
    inclusive?: boolean;
    expected?: unknown;
  },
  value: unknown,
): string {
  const got = typeof value === "string" ? JSON.stringify(value) : String(value);
  switch (issue.code) {
    case "too_small":
      return `expected a number ${issue.inclusive ? "≥" : ">"} ${issue.minimum}, got ${got}`;
    case "too_big":
      return `expected a number ${issue.inclusive ? "≤" : "<"} ${issue.maximum}, got ${got}`;
    case "invalid_type":
      return issue.expected === "int"
        ? `expected a whole number, got ${got}`
        : issue.expected === "boolean"
        ? `expected true or false, got ${got}`
        : `expected a finite number, got ${got}`;
    default:
      return `invalid value ${got}`;
  }
}
