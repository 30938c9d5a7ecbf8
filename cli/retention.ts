/**
 * `retention`: delete and compress session logs by policy (the original's
 * 16E `telemetry_retention` with its bugs fixed). A dry-run by default: it
 * prints what it would do and changes nothing; `--apply` does it. Exit codes:
 * 0 ok (also "no logs" and "disabled"); 2 unsafe root or bad input (flags,
 * config file); 3 problems while looking at the root, or actions that failed.
 *
 * @module
 */
import { UsageError, usageFailure } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { parseArgs } from "./parse_args.ts";
import {
  ConfigError,
  loadExecutionConfig,
  telemetryRetentionSettings,
} from "../execution/config.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import {
  TelemetryRetentionSchema,
  type TelemetryRetentionSettings,
} from "../execution/retention_settings.ts";
import { applyRetention, type RetentionReport } from "../ops/retention/apply.ts";
import { formatByteCount } from "../ops/retention/byte_count.ts";
import type { RetentionAction, RetentionPlan } from "../ops/retention/plan.ts";
import { planRetention } from "../ops/retention/plan.ts";
import {
  resolveRetentionPolicy,
  type RetentionPolicy,
  retentionPolicyFromSettings,
} from "../ops/retention/policy.ts";
import { UnsafeLogRootError } from "../ops/root_guard.ts";

/** Exit code for problems while looking at the root or failed actions (the original's 3). */
const EXIT_ACTION_ERRORS = 3;

const USAGE = `Usage: peak-trade retention [options]

Delete and compress session logs by policy. A dry-run by default: it prints
what it would do, with the reason and the sizes, and changes nothing.

Options:
  --log-dir DIR              the log root (alias --root; default: the config's
                             base_path, else ${DEFAULT_LOG_DIR})
  --apply                    do it (and write .last_retention_run in the root)
  --max-age-days N           delete sessions and closed segments older than N days
                             (default 30; 0 = never by age)
  --keep-last-n N            never delete the newest N sessions whole (default 200)
  --max-total-mb N           delete the oldest data while the total is above N MiB
                             (default 2048; 0 = no limit)
  --compress-after-days N    compress finished sessions older than N days
                             (default 7; 0 = never)
  --protect-keep-last        keep the newest N sessions uncompressed too
  --active-grace-minutes N   a session modified within N minutes is live: never
                             deleted or compressed whole (default 60)
  --disabled                 do nothing (as enabled = false in the config)
  --config FILE              read [execution.telemetry.retention] (and base_path)
                             from this TOML file; flags override it
  --json                     print the plan (or, with --apply, the report) as JSON
  -h, --help                 show this help

Exit codes: 0 ok (also no logs); 2 unsafe log root or bad input;
3 problems while looking at the root, or actions that failed.
`;

/** Numeric flags and the config key each one sets. */
const NUMBER_FLAGS = {
  "max-age-days": "max_age_days",
  "keep-last-n": "keep_last_n_sessions",
  "max-total-mb": "max_total_mb",
  "compress-after-days": "compress_after_days",
  "active-grace-minutes": "active_grace_minutes",
} as const satisfies Record<string, keyof TelemetryRetentionSettings>;

/** The flag behind each policy field, to name it in an error. */
const FLAG_OF_FIELD: Readonly<Record<keyof RetentionPolicy, string>> = {
  enabled: "--disabled",
  maxAgeDays: "--max-age-days",
  keepLastN: "--keep-last-n",
  maxTotalMb: "--max-total-mb",
  compressAfterDays: "--compress-after-days",
  protectKeepLast: "--protect-keep-last",
  activeGraceMinutes: "--active-grace-minutes",
};

/** A number as a person writes it: digits, an optional fraction, an optional sign. */
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

interface RetentionInput {
  root: string;
  policy: RetentionPolicy;
  apply: boolean;
  json: boolean;
}

/** Replace control characters so a name from disk cannot drive the terminal. */
function printable(text: string): string {
  // deno-lint-ignore no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?");
}

/**
 * `--max-age-days -1` → `--max-age-days=-1` (the parser takes no value that
 * starts with `-` from the next argument).
 */
function joinNegativeValues(args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (/^--[a-z-]+$/.test(args[i]) && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

async function readInput(args: string[]): Promise<RetentionInput | "help"> {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args),
      options: {
        "log-dir": { type: "string" },
        root: { type: "string" },
        apply: { type: "boolean" },
        "max-age-days": { type: "string" },
        "keep-last-n": { type: "string" },
        "max-total-mb": { type: "string" },
        "compress-after-days": { type: "string" },
        "active-grace-minutes": { type: "string" },
        "protect-keep-last": { type: "boolean" },
        disabled: { type: "boolean" },
        config: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return "help";
  const logDir = v["log-dir"];
  const rootAlias = v.root;
  if (logDir !== undefined && rootAlias !== undefined && logDir !== rootAlias) {
    throw new UsageError("--log-dir and --root name the same option; give one of them");
  }
  // The file first (strictly validated, with file, line and column in errors), flags over it.
  let settings: TelemetryRetentionSettings = TelemetryRetentionSchema.parse({});
  let configRoot: string | null = null;
  if (v.config !== undefined) {
    if (v.config === "") throw new UsageError("--config must not be empty");
    const config = await loadExecutionConfig(v.config);
    settings = telemetryRetentionSettings(config);
    configRoot = config.execution.telemetry.base_path;
  }
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const text = v[flag as keyof typeof NUMBER_FLAGS];
    if (text === undefined) continue;
    if (!NUMBER.test(text.trim())) {
      throw new UsageError(`--${flag}: expected a number, got ${JSON.stringify(text)}`);
    }
    settings = { ...settings, [key]: Number(text.trim()) };
  }
  if (v["protect-keep-last"]) settings = { ...settings, protect_keep_last_from_compress: true };
  if (v.disabled) settings = { ...settings, enabled: false };
  let policy: RetentionPolicy;
  try {
    policy = resolveRetentionPolicy(retentionPolicyFromSettings(settings));
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const colon = err.message.indexOf(":");
    const field = err.message.slice(0, colon) as keyof RetentionPolicy;
    throw new UsageError(`${FLAG_OF_FIELD[field] ?? field}${err.message.slice(colon)}`);
  }
  const root = logDir ?? rootAlias ?? configRoot ?? DEFAULT_LOG_DIR;
  if (root === "") throw new UsageError("--log-dir must not be empty");
  return { root, policy, apply: v.apply === true, json: v.json === true };
}

/** What an action does, in the dry-run's words or the report's. */
function describe(a: RetentionAction, done: boolean): string {
  const sid = a.session_id;
  switch (a.kind) {
    case "delete-session":
      return `${done ? "deleted" : "delete"} session ${sid}`;
    case "delete-segment":
      return `${done ? "deleted" : "delete"} closed segment ${a.segment_index} of ${sid}`;
    case "compress-session":
      return `${done ? "compressed" : "compress"} session ${sid} into ${sid}.jsonl.gz`;
    case "compress-segment":
      return `${done ? "compressed" : "compress"} closed segment ${a.segment_index} of ${sid}`;
    case "repair":
      return `${done ? "repaired" : "repair"} ${sid}${
        a.segment_index === null ? "" : ` segment ${a.segment_index}`
      } (${a.step})`;
  }
}

function sizes(a: RetentionAction): string {
  const after = `${a.bytes_after_estimated ? "~" : ""}${formatByteCount(a.bytes_after)}${
    a.bytes_after_estimated ? " estimated" : ""
  }`;
  return `${formatByteCount(a.bytes_before)} -> ${after}`;
}

function policyLine(plan: RetentionPlan): string {
  const p = plan.policy;
  return `Policy: max_age_days ${p.max_age_days}, keep_last_n_sessions ${p.keep_last_n_sessions}, ` +
    `max_total_mb ${p.max_total_mb}, compress_after_days ${p.compress_after_days}, ` +
    `protect_keep_last_from_compress ${p.protect_keep_last_from_compress}, ` +
    `active_grace_minutes ${p.active_grace_minutes}`;
}

function keptLine(plan: RetentionPlan): string | null {
  const kept = plan.sessions.filter((s) => s.outcome === "keep");
  if (kept.length === 0) return null;
  const live = kept.filter((s) => s.live !== null).length;
  const protectedCount = kept.filter((s) => s.live === null && s.protected_rank !== null).length;
  const rest = kept.length - live - protectedCount;
  const parts = [
    live > 0 ? `${live} live` : null,
    protectedCount > 0
      ? `${protectedCount} among the newest ${plan.policy.keep_last_n_sessions}`
      : null,
    rest > 0 ? `${rest} within every limit` : null,
  ].filter((p) => p !== null);
  return `Kept as they are: ${kept.length} session(s) (${parts.join(", ")}).`;
}

/** The dry-run's text. */
function formatPlan(plan: RetentionPlan): string {
  const lines = [
    `Retention dry-run for ${plan.root_real_path} (nothing is changed; run with --apply to do it)`,
    policyLine(plan),
  ];
  if (plan.root_exists && plan.policy.enabled) {
    lines.push(
      `Found ${plan.sessions.length} session(s), ${formatByteCount(plan.bytes_before)}.`,
    );
  }
  if (plan.actions.length > 0) {
    lines.push("", "Would:");
    for (const a of plan.actions) {
      lines.push(`  ${describe(a, false)}: ${a.reason} (${sizes(a)})`);
    }
    const freed = plan.bytes_before - plan.bytes_after;
    lines.push(
      "",
      `Would free ${plan.bytes_after_estimated ? "~" : ""}${formatByteCount(freed)}: ` +
        `${formatByteCount(plan.bytes_before)} -> ${plan.bytes_after_estimated ? "~" : ""}${
          formatByteCount(plan.bytes_after)
        }${
          plan.bytes_after_estimated
            ? " (estimated; compressed sizes are measured when applied)"
            : ""
        }.`,
    );
  } else if (plan.root_exists && plan.policy.enabled) {
    lines.push("", "Nothing to do.");
  }
  lines.push(...trailer(plan));
  return lines.map(printable).join("\n") + "\n";
}

/** Kept sessions, sessions left alone, notes and problems: the same after a plan and a run. */
function trailer(plan: RetentionPlan): string[] {
  const lines: string[] = [];
  const kept = keptLine(plan);
  if (kept !== null) lines.push("", kept);
  const skipped = plan.sessions.filter((s) => s.outcome === "skip");
  if (skipped.length > 0) {
    lines.push("", "Left alone:");
    for (const s of skipped) lines.push(`  ${s.session_id}: ${s.note}`);
  }
  if (plan.notes.length > 0) {
    lines.push("", "Notes:");
    for (const note of plan.notes) lines.push(`  ${note}`);
  }
  if (plan.problems.length > 0) {
    lines.push("", "Problems:");
    for (const problem of plan.problems) lines.push(`  ${problem}`);
  }
  return lines;
}

/** The report's text after `--apply`. */
function formatReport(report: RetentionReport): string {
  const lines = [`Retention for ${report.root_real_path}`, policyLine(report)];
  for (
    const [title, status] of [["Done", "done"], ["Skipped", "skipped"], [
      "Failed",
      "failed",
    ]] as const
  ) {
    const actions = report.actions.filter((a) => a.status === status);
    if (actions.length === 0) continue;
    lines.push("", `${title}:`);
    for (const a of actions) {
      lines.push(
        status === "done"
          ? `  ${describe(a, true)}: ${a.reason} (${sizes(a)})`
          : `  ${describe(a, false)}: ${a.error}`,
      );
    }
  }
  if (report.root_exists && report.policy.enabled) {
    lines.push(
      "",
      `Freed ${formatByteCount(report.bytes_before - report.bytes_after)}: ` +
        `${formatByteCount(report.bytes_before)} -> ${formatByteCount(report.bytes_after)}. ` +
        `${report.done} done, ${report.failed} failed, ${report.skipped} skipped.`,
    );
  }
  lines.push(...trailer(report));
  if (report.marker !== null) lines.push("", `Wrote ${report.marker}`);
  return lines.map(printable).join("\n") + "\n";
}

/**
 * `peak-trade retention`: plan retention for a log root and print it, or
 * with `--apply` do it and print what was done. Returns the exit code.
 *
 * @example
 * ```ts
 * import { runRetentionCommand } from "./retention.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runRetentionCommand(["--max-age-days", "soon"], memoryIo());
 * console.log(code); // 2
 * ```
 */
export async function runRetentionCommand(args: string[], io: CliIo): Promise<number> {
  let input: RetentionInput | "help";
  try {
    input = await readInput(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) io.err(`peak-trade retention: ${printable(problem)}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof UsageError) {
      return usageFailure(io, "retention", printable(err.message));
    }
    throw err;
  }
  if (input === "help") {
    io.out(USAGE);
    return EXIT.OK;
  }
  let plan: RetentionPlan;
  try {
    plan = await planRetention({
      root: input.root,
      policy: input.policy,
      home: io.env("HOME") ?? null,
    });
  } catch (err) {
    if (err instanceof UnsafeLogRootError || err instanceof RangeError) {
      io.err(`peak-trade retention: ${printable(err.message)}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  if (!input.apply) {
    io.out(
      input.json ? JSON.stringify({ dry_run: true, ...plan }, null, 2) + "\n" : formatPlan(plan),
    );
    return plan.problems.length > 0 ? EXIT_ACTION_ERRORS : EXIT.OK;
  }
  const report = await applyRetention(plan);
  io.out(
    input.json
      ? JSON.stringify({ dry_run: false, ...report }, null, 2) + "\n"
      : formatReport(report),
  );
  return report.problems.length > 0 || report.failed > 0 ? EXIT_ACTION_ERRORS : EXIT.OK;
}
