/**
 * The value types of the operations tables of the config file (health
 * thresholds, alert rules), as zod schemas whose errors say what to write:
 * durations, counts, percentages and free-space thresholds. Custom problems
 * are marked to point at the value (`params.at = "value"`), as type errors do.
 *
 * @module
 */
import { z } from "zod";
import { DURATION_EXAMPLES, parseDuration } from "./duration.ts";
import { parseSpaceThreshold, type SpaceThreshold } from "./space_threshold.ts";

/** Where a custom problem points: at the value, like a type error (not at the key). */
const AT_VALUE = { at: "value" } as const;

/**
 * A duration field (`"30s"`, `"5m"`, `"2h"`, `"7d"`), parsed to milliseconds;
 * `min` (milliseconds) is the smallest allowed.
 *
 * @example
 * ```ts
 * import { durationField } from "./config_fields.ts";
 * console.log(durationField("5m").parse(undefined)); // 300000
 * console.log(durationField("5m").safeParse("5 minutes").success); // false
 * ```
 */
export function durationField(
  fallback: string,
  min = 0,
): z.ZodPrefault<z.ZodPipe<z.ZodUnknown, z.ZodTransform<number, unknown>>> {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value !== "string") {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration string such as ${DURATION_EXAMPLES}, got ${describe(value)}`,
        params: AT_VALUE,
      });
      return z.NEVER;
    }
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message, params: AT_VALUE });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration of at least ${min} ms, got ${JSON.stringify(value)}`,
        params: AT_VALUE,
      });
      return z.NEVER;
    }
    return ms;
  }).prefault(fallback);
}

/**
 * A free-space threshold field (`"10%"`, `"5GiB"`, or bytes as an integer).
 *
 * @example
 * ```ts
 * import { spaceField } from "./config_fields.ts";
 * console.log(spaceField("10%").parse(undefined)); // { unit: "pct", value: 10 }
 * ```
 */
export function spaceField(
  fallback: string,
): z.ZodPrefault<z.ZodPipe<z.ZodUnknown, z.ZodTransform<SpaceThreshold, unknown>>> {
  return z.unknown().transform((value, ctx): SpaceThreshold => {
    try {
      return parseSpaceThreshold(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message, params: AT_VALUE });
      return z.NEVER;
    }
  }).prefault(fallback);
}

/**
 * A non-negative integer count with a default.
 *
 * @example
 * ```ts
 * import { countField } from "./config_fields.ts";
 * console.log(countField(50).parse(undefined)); // 50
 * console.log(countField(50).safeParse(1.5).success); // false
 * ```
 */
export function countField(fallback: number): z.ZodDefault<z.ZodNumber> {
  return z.number().int().min(0).default(fallback);
}

/**
 * A percentage (0–100) with a default.
 *
 * @example
 * ```ts
 * import { percentField } from "./config_fields.ts";
 * console.log(percentField(5).parse(undefined)); // 5
 * console.log(percentField(5).safeParse(101).success); // false
 * ```
 */
export function percentField(fallback: number): z.ZodDefault<z.ZodNumber> {
  return z.number().min(0).max(100).default(fallback);
}

/**
 * A non-negative number with a default.
 *
 * @example
 * ```ts
 * import { amountField } from "./config_fields.ts";
 * console.log(amountField(1500).parse(undefined)); // 1500
 * ```
 */
export function amountField(fallback: number): z.ZodDefault<z.ZodNumber> {
  return z.number().min(0).default(fallback);
}

/**
 * Report that `warnKey` must not be past `criticalKey` (in the direction the
 * check alarms), pointing at the critical key's value.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { orderedThresholds } from "./config_fields.ts";
 * const schema = z.object({ warn: z.number(), critical: z.number() }).superRefine(
 *   (v, ctx) => orderedThresholds(ctx, v.warn, v.critical, "warn", "critical", "higher"),
 * );
 * console.log(schema.safeParse({ warn: 10, critical: 5 }).success); // false
 * ```
 */
export function orderedThresholds(
  ctx: z.RefinementCtx,
  warn: number,
  critical: number,
  warnKey: string,
  criticalKey: string,
  alarmWhen: "higher" | "lower",
): void {
  const ok = alarmWhen === "higher" ? critical >= warn : critical <= warn;
  if (ok) return;
  ctx.addIssue({
    code: "custom",
    path: [criticalKey],
    message: `must be ${alarmWhen === "higher" ? "≥" : "≤"} ${warnKey} (${warn}): a critical ` +
      `threshold is never reached before its warning threshold, got ${critical}`,
    params: AT_VALUE,
  });
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? (value === null ? "null" : "a table") : typeof value;
}
