/**
 * The `[execution.telemetry.retention]` table of the TOML config: how long
 * session logs are kept, how much disk they may use and when they are
 * compressed. One strict zod schema, used by the config file and by every
 * other way a retention policy enters (CLI flags, library options), so the
 * same ranges hold everywhere.
 *
 * @module
 */
import { z } from "zod";

/** A strict zod object (unknown keys are errors); spelled out for JSR's explicit types. */
type StrictObject<Shape extends z.core.$ZodShape> = z.ZodObject<Shape, z.core.$strict>;

/** Largest day count accepted (100 years): beyond it a typo is likelier than intent. */
const MAX_DAYS = 36_500;
/** Largest total accepted, in MiB (1 PiB). */
const MAX_TOTAL_MB = 1024 ** 3;
/** Largest session count for `keep_last_n_sessions`. */
const MAX_KEEP_LAST_N = 1_000_000;
/** Largest grace period: one week, in minutes. */
const MAX_GRACE_MINUTES = 7 * 24 * 60;

/**
 * Schema of `[execution.telemetry.retention]`. Keys and defaults are the
 * original's `RetentionPolicy` (`enabled`, `max_age_days` 30,
 * `keep_last_n_sessions` 200, `max_total_mb` 2048, `compress_after_days` 7,
 * `protect_keep_last_from_compress` false) plus `active_grace_minutes` 60 (a
 * session whose files changed within it counts as being written). `0`
 * disables the age, size and compression rules. Nothing is coerced and
 * unknown keys are errors.
 *
 * @example
 * ```ts
 * import { TelemetryRetentionSchema } from "@peak-trade/execution";
 * const settings = TelemetryRetentionSchema.parse({ max_age_days: 14 });
 * console.log(settings.max_age_days, settings.keep_last_n_sessions); // 14 200
 * console.log(TelemetryRetentionSchema.safeParse({ max_age_days: -1 }).success); // false
 * ```
 */
export const TelemetryRetentionSchema: StrictObject<{
  enabled: z.ZodDefault<z.ZodBoolean>;
  max_age_days: z.ZodDefault<z.ZodNumber>;
  keep_last_n_sessions: z.ZodDefault<z.ZodNumber>;
  max_total_mb: z.ZodDefault<z.ZodNumber>;
  compress_after_days: z.ZodDefault<z.ZodNumber>;
  protect_keep_last_from_compress: z.ZodDefault<z.ZodBoolean>;
  active_grace_minutes: z.ZodDefault<z.ZodNumber>;
}> = z.strictObject({
  enabled: z.boolean().default(true),
  max_age_days: z.number().min(0).max(MAX_DAYS).default(30),
  keep_last_n_sessions: z.number().int().min(0).max(MAX_KEEP_LAST_N).default(200),
  max_total_mb: z.number().min(0).max(MAX_TOTAL_MB).default(2048),
  compress_after_days: z.number().min(0).max(MAX_DAYS).default(7),
  protect_keep_last_from_compress: z.boolean().default(false),
  active_grace_minutes: z.number().min(1).max(MAX_GRACE_MINUTES).default(60),
});

/**
 * A validated `[execution.telemetry.retention]` table, defaults filled in.
 *
 * @example
 * ```ts
 * import { type TelemetryRetentionSettings, TelemetryRetentionSchema } from "@peak-trade/execution";
 * const settings: TelemetryRetentionSettings = TelemetryRetentionSchema.parse({});
 * console.log(settings.max_total_mb); // 2048
 * ```
 */
export type TelemetryRetentionSettings = z.infer<typeof TelemetryRetentionSchema>;
