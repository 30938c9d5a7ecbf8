/**
 * The `[execution.alerts]` tables: whether and how often alert rules are
 * evaluated, the repeat interval, the webhook sink
 * (`[execution.alerts.webhook]`) and one table per rule
 * (`[execution.alerts.rules.<rule_id>]`) with its severity, threshold,
 * `for` duration, cooldown, dedupe window and sinks. The rules are the
 * original's four (16I) plus five for execution and telemetry trouble.
 *
 * @module
 */
import { z } from "zod";
import { countField, durationField } from "./config_fields.ts";
import { parseSpaceThreshold, type SpaceThreshold } from "./space_threshold.ts";

/**
 * Every alert rule, by id: the original's four defaults, then the new ones.
 *
 * @example
 * ```ts
 * import { ALERT_RULE_IDS } from "./alerts_config.ts";
 * console.log(ALERT_RULE_IDS.length); // 9
 * ```
 */
export const ALERT_RULE_IDS = [
  "health_critical",
  "degradation_detected",
  "leading_indicator_disk_growth",
  "parse_error_rate_high",
  "rejection_rate_high",
  "execution_errors",
  "telemetry_dropped",
  "session_stale",
  "disk_space_low",
] as const;

/**
 * An alert rule id.
 *
 * @example
 * ```ts
 * import type { AlertRuleId } from "./alerts_config.ts";
 * const rule: AlertRuleId = "rejection_rate_high";
 * ```
 */
export type AlertRuleId = typeof ALERT_RULE_IDS[number];

/**
 * Alert severities, lowest priority first (the original's info 1, warn 2, critical 3).
 *
 * @example
 * ```ts
 * import { ALERT_SEVERITIES } from "./alerts_config.ts";
 * console.log(ALERT_SEVERITIES.indexOf("critical") + 1); // 3
 * ```
 */
export const ALERT_SEVERITIES = ["info", "warn", "critical"] as const;

/**
 * An alert severity.
 *
 * @example
 * ```ts
 * import type { AlertSeverity } from "./alerts_config.ts";
 * const severity: AlertSeverity = "warn";
 * ```
 */
export type AlertSeverity = typeof ALERT_SEVERITIES[number];

/**
 * The sinks a notification can go to. The store (what the dashboard and
 * `alerts history` read) records every notification whether listed or not.
 *
 * @example
 * ```ts
 * import { ALERT_SINKS } from "./alerts_config.ts";
 * console.log(ALERT_SINKS); // ["console", "webhook", "store"]
 * ```
 */
export const ALERT_SINKS = ["console", "webhook", "store"] as const;

/**
 * A sink name.
 *
 * @example
 * ```ts
 * import type { AlertSinkName } from "./alerts_config.ts";
 * const sink: AlertSinkName = "webhook";
 * ```
 */
export type AlertSinkName = typeof ALERT_SINKS[number];

/**
 * One rule's parsed table (durations in milliseconds).
 *
 * @example
 * ```ts
 * import { defaultAlertsSettings, type AlertRuleSettings } from "./alerts_config.ts";
 * const rule: AlertRuleSettings = defaultAlertsSettings().rules.health_critical;
 * console.log(rule.severity, rule.cooldown); // "critical" 300000
 * ```
 */
export interface AlertRuleSettings {
  /** Whether the rule is evaluated. */
  enabled: boolean;
  /** Severity of its alerts. */
  severity: AlertSeverity;
  /**
   * What the rule compares against (`null` for rules without one): a number
   * (percent, count) or, for `disk_space_low`, a free-space threshold.
   */
  threshold: number | SpaceThreshold | null;
  /** Fewest samples for the rule to judge (`rejection_rate_high`: intents), else `null`. */
  min_samples: number | null;
  /** How long the condition must hold before the alert fires (ms; 0 = at once). */
  for: number;
  /** After a firing notification of this rule, no new activation of it notifies for this long (ms). */
  cooldown: number;
  /** After a firing notification of one alert, its re-activation does not notify for this long (ms). */
  dedupe_window: number;
  /** Sinks for this rule, or `null` for `[execution.alerts] sinks`. */
  sinks: AlertSinkName[] | null;
}

/**
 * The parsed `[execution.alerts.webhook]` table.
 *
 * @example
 * ```ts
 * import { defaultAlertsSettings, type WebhookSettings } from "./alerts_config.ts";
 * const webhook: WebhookSettings = defaultAlertsSettings().webhook;
 * console.log(webhook.enabled, webhook.timeout); // false 10000
 * ```
 */
export interface WebhookSettings {
  /** Whether notifications are posted. */
  enabled: boolean;
  /** Where to POST (http or https), or `null`. */
  url: string | null;
  /** Timeout of one attempt (ms). */
  timeout: number;
  /** Further attempts within one delivery after a failed one. */
  retries: number;
  /** Wait before the first retry (ms); doubles for each further one. */
  backoff: number;
  /** Extra request headers (never `Content-Type`, which is always `application/json`). */
  headers: Record<string, string>;
}

/**
 * The parsed `[execution.alerts]` table and its sub-tables.
 *
 * @example
 * ```ts
 * import { defaultAlertsSettings, type AlertsSettings } from "./alerts_config.ts";
 * const alerts: AlertsSettings = defaultAlertsSettings();
 * console.log(alerts.evaluate_every, alerts.repeat_interval); // 30000 14400000
 * ```
 */
export interface AlertsSettings {
  /** Whether rules are evaluated at all. */
  enabled: boolean;
  /** How often `serve` evaluates (ms). */
  evaluate_every: number;
  /** While an alert keeps firing, notify again after this long (ms). */
  repeat_interval: number;
  /** Whether an ack also silences critical alerts. */
  suppress_critical_on_ack: boolean;
  /** Most notifications queued by one evaluation (the worst first). */
  max_notifications_per_run: number;
  /** History entries older than this are pruned (ms). */
  history_retention: number;
  /** Default sinks of every rule. */
  sinks: AlertSinkName[];
  /** The webhook sink. */
  webhook: WebhookSettings;
  /** One entry per rule id. */
  rules: Record<AlertRuleId, AlertRuleSettings>;
}

/** Defaults of one rule: the original's for its four, the same cooldowns for the new ones. */
interface RuleDefaults {
  severity: AlertSeverity;
  cooldown: string;
  dedupe_window: string;
  threshold?: number | string;
  min_samples?: number;
}

/**
 * Each rule's defaults (`threshold` only where the rule has one).
 *
 * @example
 * ```ts
 * import { ALERT_RULE_DEFAULTS } from "./alerts_config.ts";
 * console.log(ALERT_RULE_DEFAULTS.parse_error_rate_high.threshold); // 5
 * ```
 */
export const ALERT_RULE_DEFAULTS: Readonly<Record<AlertRuleId, Readonly<RuleDefaults>>> = {
  health_critical: { severity: "critical", cooldown: "300s", dedupe_window: "900s" },
  degradation_detected: { severity: "warn", cooldown: "600s", dedupe_window: "1800s" },
  leading_indicator_disk_growth: { severity: "warn", cooldown: "3600s", dedupe_window: "7200s" },
  parse_error_rate_high: {
    severity: "warn",
    cooldown: "600s",
    dedupe_window: "1800s",
    threshold: 5,
  },
  rejection_rate_high: {
    severity: "warn",
    cooldown: "300s",
    dedupe_window: "900s",
    threshold: 20,
    min_samples: 50,
  },
  execution_errors: {
    severity: "critical",
    cooldown: "300s",
    dedupe_window: "900s",
    threshold: 1,
  },
  telemetry_dropped: { severity: "warn", cooldown: "300s", dedupe_window: "900s", threshold: 1 },
  session_stale: { severity: "warn", cooldown: "300s", dedupe_window: "900s", threshold: 1 },
  disk_space_low: {
    severity: "warn",
    cooldown: "300s",
    dedupe_window: "900s",
    threshold: "10%",
  },
};

const SinksSchema = z.array(z.enum(ALERT_SINKS)).superRefine((sinks, ctx) => {
  if (new Set(sinks).size !== sinks.length) {
    ctx.addIssue({ code: "custom", message: "lists a sink twice", params: { at: "value" } });
  }
});

function thresholdSchema(rule: AlertRuleId, fallback: number | string): z.ZodType<unknown> {
  if (rule === "disk_space_low") {
    return z.unknown().transform((value, ctx): SpaceThreshold => {
      try {
        return parseSpaceThreshold(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message, params: { at: "value" } });
        return z.NEVER;
      }
    }).prefault(fallback);
  }
  // Rates are percentages; counts are whole numbers of events or sessions.
  return rule === "parse_error_rate_high" || rule === "rejection_rate_high"
    ? z.number().min(0).max(100).default(fallback as number)
    : z.number().int().min(1).default(fallback as number);
}

function ruleSchema(rule: AlertRuleId): z.ZodType<AlertRuleSettings> {
  const d = ALERT_RULE_DEFAULTS[rule];
  const shape: Record<string, z.ZodType<unknown>> = {
    enabled: z.boolean().default(true),
    severity: z.enum(ALERT_SEVERITIES).default(d.severity),
    for: durationField("0s"),
    cooldown: durationField(d.cooldown),
    dedupe_window: durationField(d.dedupe_window),
    sinks: SinksSchema.optional(),
  };
  if (d.threshold !== undefined) shape.threshold = thresholdSchema(rule, d.threshold);
  if (d.min_samples !== undefined) shape.min_samples = countField(d.min_samples);
  return z.strictObject(shape).transform((r): AlertRuleSettings => ({
    enabled: r.enabled as boolean,
    severity: r.severity as AlertSeverity,
    threshold: (r.threshold ?? null) as number | SpaceThreshold | null,
    min_samples: (r.min_samples ?? null) as number | null,
    for: r.for as number,
    cooldown: r.cooldown as number,
    dedupe_window: r.dedupe_window as number,
    sinks: (r.sinks ?? null) as AlertSinkName[] | null,
  })) as unknown as z.ZodType<AlertRuleSettings>;
}

/** Header names a configured header may not set: the request's framing and its JSON body type. */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "transfer-encoding",
  "connection",
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;

const HeadersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "is not a valid HTTP header name (letters, digits and !#$%&'*+.^_`|~-)",
        params: { at: "value" },
      });
    } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "cannot be set here: the body is always JSON (Content-Type: application/json) " +
          "and the request's framing is the client's",
        params: { at: "value" },
      });
    } else if (/[\r\n\0]/.test(value) || value.length > 8192) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "must be one line of at most 8192 characters",
        params: { at: "value" },
      });
    }
  }
});

const WebhookSchema = z.strictObject({
  enabled: z.boolean().default(false),
  url: z.string().nullable().default(null).superRefine((url, ctx) => {
    if (url === null) return;
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      ctx.addIssue({
        code: "custom",
        message: `expected an http:// or https:// URL, got ${JSON.stringify(url.slice(0, 80))}`,
        params: { at: "value" },
      });
    }
  }),
  timeout: durationField("10s", 1),
  retries: z.number().int().min(0).max(10).default(3),
  backoff: durationField("1s"),
  headers: HeadersSchema.default({}),
});

/**
 * Schema of the `[execution.alerts]` tables: strict everywhere (an unknown
 * rule id or key is an error that lists the allowed ones).
 *
 * @example
 * ```ts
 * import { AlertsSettingsSchema } from "./alerts_config.ts";
 * const alerts = AlertsSettingsSchema.parse({ rules: { rejection_rate_high: { for: "5m" } } });
 * console.log(alerts.rules.rejection_rate_high.for); // 300000
 * console.log(AlertsSettingsSchema.safeParse({ rules: { no_such_rule: {} } }).success); // false
 * ```
 */
export const AlertsSettingsSchema: z.ZodType<AlertsSettings> = z.strictObject({
  enabled: z.boolean().default(true),
  evaluate_every: durationField("30s", 1_000),
  repeat_interval: durationField("4h", 1_000),
  suppress_critical_on_ack: z.boolean().default(false),
  max_notifications_per_run: z.number().int().min(1).max(1000).default(20),
  history_retention: durationField("14d", 3_600_000),
  sinks: SinksSchema.default(["console", "webhook", "store"]),
  webhook: WebhookSchema.prefault({}),
  rules: z.strictObject(
    Object.fromEntries(ALERT_RULE_IDS.map((id) => [id, ruleSchema(id).prefault({})])),
  ).prefault({}),
}) as unknown as z.ZodType<AlertsSettings>;

/**
 * The alert settings when the config file has no `[execution.alerts]` table.
 *
 * @example
 * ```ts
 * import { defaultAlertsSettings } from "./alerts_config.ts";
 * console.log(defaultAlertsSettings().rules.rejection_rate_high.threshold); // 20
 * ```
 */
export function defaultAlertsSettings(): AlertsSettings {
  return AlertsSettingsSchema.parse({});
}
