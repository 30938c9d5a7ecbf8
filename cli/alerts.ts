/**
 * `alerts`: evaluate the alert rules once and deliver (`run`), read what was
 * notified (`history`, `stats`), and act on alerts (`ack`, `snooze`,
 * `unsnooze`, `silence`, `unsilence`). State persists under
 * `<log-dir>/.alerts/`, so runs never notify twice what was notified.
 * Exit codes of `run` as the original's: 2 when a critical alert fired, 1 on
 * a failed delivery or a misconfigured sink, 0 otherwise.
 *
 * @module
 */
import { type CliIo, EXIT } from "./io.ts";
import { loadOpsContext, type OpsContext, opsUsageFailure } from "./ops_context.ts";
import { parseArgs } from "./parse_args.ts";
import {
  ALERT_RULE_IDS,
  ALERT_SEVERITIES,
  type AlertRuleId,
  type AlertSeverity,
  type AlertSinkName,
} from "../execution/alerts_config.ts";
import { parseDuration } from "../execution/duration.ts";
import { parseTimeBound } from "../execution/wire/timestamps.ts";
import { runAlerts } from "../ops/alert_engine.ts";
import { activeOf, historyStats, queryHistory } from "../ops/alert_history.ts";
import type { AlertNotification } from "../ops/alert_model.ts";
import { AlertStore, operatorView } from "../ops/alert_store.ts";
import { formatConsoleNotification } from "../ops/console_sink.ts";
import type { FreeSpaceResult } from "../ops/free_space.ts";
import {
  acknowledge,
  OperatorActionError,
  silence,
  snooze,
  unsilence,
  unsnooze,
} from "../ops/operator_actions.ts";
import type { WebhookHooks } from "../ops/webhook_sink.ts";

const HELP = `Usage: peak-trade alerts <subcommand> [options]

Alert rules over a log root, with state that survives restarts
(<log-dir>/.alerts/): an alert is notified when it starts firing, again after
repeat_interval while it fires, and once when it resolves.

Subcommands:
  run              evaluate the rules once and deliver the notifications
  history          notifications recorded, newest first
  ack KEY          acknowledge the alert with this dedupe key (until it resolves,
                   or --ttl 2h); critical alerts still notify unless configured
  snooze RULE      no notifications of this rule for --ttl (required: 30m, 2h, 7d)
  unsnooze RULE    lift a snooze
  silence          no notifications of alerts whose labels match every
                   --match name=value, for --ttl (required); --comment TEXT
  unsilence ID     lift a silence
  stats            counts by severity, rule and delivery status; alerts firing;
                   acks, snoozes and silences in force

Options (every subcommand):
  --log-dir DIR    the log root (alias --root); default: base_path of --config,
                   else logs/execution
  --config FILE    rules, thresholds and sinks from [execution.alerts] and
                   [execution.telemetry.health] (see docs/configuration.md)
  --json           JSON output (run: one object per notification sent, per line)
  -h, --help       show this help
run:
  --dry-run        show what would be sent; change and send nothing
  --sink NAME      only this sink: console or webhook (repeatable; the store
                   always records)
history:
  --since TS, --until TS   recorded at or after / at or before (ISO 8601)
  --severity S             info, warn or critical
  --rule RULE              one of the rules
  --limit N                at most N (default 50)

Rules: ${ALERT_RULE_IDS.join(", ")}.

Exit codes: run: 2 a critical alert fired, 1 a delivery failed or a sink is
misconfigured, 0 otherwise; every subcommand: 2 for bad input or config.
`;

/**
 * Test hooks of {@linkcode runAlertsCommand}.
 *
 * @example
 * ```ts
 * import type { AlertsRunOptions } from "./alerts.ts";
 * const options: AlertsRunOptions = { now: () => Date.now() };
 * ```
 */
export interface AlertsRunOptions {
  /** The clock. */
  now?: () => number;
  /** How free space is measured. */
  measureFree?: (dir: string) => Promise<FreeSpaceResult>;
  /** Webhook test hooks. */
  webhookHooks?: WebhookHooks;
}

class UsageProblem extends Error {}

const SUBCOMMANDS = [
  "run",
  "history",
  "ack",
  "snooze",
  "unsnooze",
  "silence",
  "unsilence",
  "stats",
] as const;
type Subcommand = typeof SUBCOMMANDS[number];

function notificationLine(n: AlertNotification, extra: Record<string, unknown>): string {
  return JSON.stringify({
    rule: n.rule_id,
    severity: n.severity,
    state: n.state,
    dedupe_key: n.dedupe_key,
    repeat: n.repeat,
    title: n.title,
    value: n.value,
    threshold: n.threshold,
    id: n.id,
    timestamp_utc: n.timestamp_utc,
    ...extra,
  }) + "\n";
}

function ttlOf(raw: string | undefined, required: boolean, what: string): number | null {
  if (raw === undefined) {
    if (required) throw new UsageProblem(`${what} needs --ttl (such as 30m, 2h or 7d)`);
    return null;
  }
  try {
    return parseDuration(raw);
  } catch (err) {
    throw new UsageProblem(`--ttl: ${(err as Error).message}`);
  }
}

function oneArgument(positionals: string[], what: string): string {
  if (positionals.length !== 1) {
    throw new UsageProblem(
      positionals.length === 0
        ? `missing ${what}`
        : `expected one ${what}, got ${positionals.length}`,
    );
  }
  return positionals[0];
}

function matchersOf(raw: string[]): Record<string, string> {
  const matchers: Record<string, string> = {};
  for (const m of raw) {
    const eq = m.indexOf("=");
    if (eq <= 0) throw new UsageProblem(`--match ${JSON.stringify(m)}: expected name=value`);
    matchers[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return matchers;
}

async function run(
  context: OpsContext,
  values: Record<string, unknown>,
  io: CliIo,
  options: AlertsRunOptions,
): Promise<number> {
  const json = values.json === true;
  const dryRun = values["dry-run"] === true;
  const sinks = (values.sink as string[] | undefined) ?? [];
  for (const sink of sinks) {
    if (sink !== "console" && sink !== "webhook") {
      throw new UsageProblem(`--sink must be console or webhook, got ${JSON.stringify(sink)}`);
    }
  }
  if (!context.settings.alerts.enabled) {
    io.out(json ? "" : "Alerting is disabled ([execution.alerts] enabled = false).\n");
    return EXIT.OK;
  }
  const result = await runAlerts({
    root: context.root,
    alerts: context.settings.alerts,
    health: context.settings.health,
    console: (n) => {
      // With --json, stdout carries the JSON lines only.
      if (!json) io.out(formatConsoleNotification(n, io.color));
    },
    now: options.now,
    dryRun,
    onlySinks: sinks.length === 0 ? undefined : sinks as AlertSinkName[],
    measureFree: options.measureFree,
    webhookHooks: options.webhookHooks,
  });
  for (const [file, count] of Object.entries(result.corrupt)) {
    if (count > 0) {
      io.err(`peak-trade alerts: skipped ${count} corrupt line(s) in .alerts/${file}\n`);
    }
  }
  for (const problem of result.misconfigured) io.err(`peak-trade alerts: ${problem}\n`);
  if (json) {
    for (const d of result.dispatches) {
      io.out(
        notificationLine(
          d.notification,
          dryRun ? { sinks: d.sinks, dry_run: true } : { sinks: d.sinks },
        ),
      );
    }
  } else {
    if (dryRun) {
      for (const d of result.dispatches) {
        io.out(`Would send to ${d.sinks.join(", ")}:\n`);
        io.out(formatConsoleNotification(d.notification, io.color));
      }
    }
    const held = result.held.map((h) => `${h.notification.rule_id} (${h.reason})`);
    io.out(
      `${dryRun ? "Dry run: " : ""}${result.dispatches.length} notification(s) ${
        dryRun ? "would be sent" : "queued"
      }${held.length === 0 ? "" : `; held back: ${held.join(", ")}`}; ${
        result.instances.filter((i) => i.state === "firing").length
      } alert(s) firing.\n`,
    );
  }
  for (const d of result.deliveries) {
    if (d.status === "sent") continue;
    io.err(
      `peak-trade alerts: ${d.sink} delivery of ${d.rule_id} ${
        d.status === "gave_up" ? "given up" : "failed (will be retried)"
      }: ${d.error}\n`,
    );
  }
  return result.exitCode;
}

async function history(
  context: OpsContext,
  values: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  const severity = values.severity as string | undefined;
  if (severity !== undefined && !(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
    throw new UsageProblem(`--severity must be one of ${ALERT_SEVERITIES.join(", ")}`);
  }
  const rule = values.rule as string | undefined;
  if (rule !== undefined && !(ALERT_RULE_IDS as readonly string[]).includes(rule)) {
    throw new UsageProblem(`--rule must be one of ${ALERT_RULE_IDS.join(", ")}`);
  }
  const limitText = (values.limit as string | undefined) ?? "50";
  const limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1)) {
    throw new UsageProblem(`--limit must be a positive integer, got ${JSON.stringify(limitText)}`);
  }
  const bound = (name: string): Date | undefined => {
    const raw = values[name] as string | undefined;
    if (raw === undefined) return undefined;
    try {
      return new Date(parseTimeBound(raw, `--${name}`) / 1000);
    } catch (err) {
      throw new UsageProblem((err as Error).message);
    }
  };
  const { records, corrupt } = await queryHistory(context.root, {
    since: bound("since"),
    until: bound("until"),
    severity: severity as AlertSeverity | undefined,
    rule: rule as AlertRuleId | undefined,
    limit,
  });
  if (corrupt > 0) {
    io.err(`peak-trade alerts: skipped ${corrupt} corrupt line(s) in .alerts/history.jsonl\n`);
  }
  if (values.json) {
    for (const r of records) io.out(JSON.stringify(r) + "\n");
    return EXIT.OK;
  }
  if (records.length === 0) {
    io.out("No notifications recorded (with these filters).\n");
    return EXIT.OK;
  }
  for (const r of records) {
    io.out(
      `${r.recorded_at}  ${r.severity.toUpperCase().padEnd(8)} ${
        (r.state + (r.repeat ? "*" : "")).padEnd(9)
      } ${r.rule_id.padEnd(30)} ${r.delivery_status.padEnd(7)} ${r.title}\n`,
    );
  }
  return EXIT.OK;
}

async function stats(
  context: OpsContext,
  values: Record<string, unknown>,
  io: CliIo,
  now: number,
): Promise<number> {
  const store = new AlertStore(context.root);
  const [{ records, corrupt }, instances, operator] = await Promise.all([
    queryHistory(context.root),
    store.readInstances(),
    store.readOperator(),
  ]);
  const view = operatorView(operator.items, now);
  const out = {
    ...historyStats(records),
    firing: activeOf(instances.items, "firing"),
    pending: activeOf(instances.items, "pending"),
    acks: view.acks,
    snoozes: view.snoozes,
    silences: view.silences,
    corrupt_lines: {
      "history.jsonl": corrupt,
      "state.jsonl": instances.corrupt,
      "operator.jsonl": operator.corrupt,
    },
  };
  if (values.json) {
    io.out(JSON.stringify(out) + "\n");
    return EXIT.OK;
  }
  const counts = (m: Record<string, number>) =>
    Object.entries(m).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  io.out(
    [
      `Notifications recorded: ${out.total}`,
      `  by severity: ${counts(out.by_severity)}`,
      `  by rule: ${counts(out.by_rule)}`,
      `  by delivery status: ${counts(out.by_status)}`,
      `Firing: ${
        out.firing.map((a) => `${a.rule} (${a.severity}${a.suppressed ? `, ${a.suppressed}` : ""})`)
          .join(", ") || "none"
      }`,
      `Pending: ${out.pending.map((a) => a.rule).join(", ") || "none"}`,
      `Acks: ${
        view.acks.map((a) => `${a.dedupe_key} until ${a.expires_at ?? "it resolves"}`).join(", ") ||
        "none"
      }`,
      `Snoozes: ${
        view.snoozes.map((s) => `${s.rule_id} until ${s.expires_at}`).join(", ") || "none"
      }`,
      `Silences: ${
        view.silences.map((s) => `${s.id} ${JSON.stringify(s.matchers)} until ${s.expires_at}`)
          .join(", ") || "none"
      }`,
      `Corrupt lines skipped: ${counts(out.corrupt_lines)}`,
      "",
    ].join("\n"),
  );
  return EXIT.OK;
}

/**
 * `peak-trade alerts`.
 *
 * @example
 * ```ts
 * import { runAlertsCommand } from "./alerts.ts";
 * import { memoryIo } from "./io.ts";
 * console.log(await runAlertsCommand(["--help"], memoryIo())); // 0
 * ```
 */
export async function runAlertsCommand(
  args: string[],
  io: CliIo,
  options: AlertsRunOptions = {},
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    if (sub === undefined) {
      io.err(HELP);
      return EXIT.USAGE;
    }
    io.out(HELP);
    return EXIT.OK;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    return opsUsageFailure(
      io,
      "alerts",
      `unknown subcommand ${JSON.stringify(sub)} (one of ${SUBCOMMANDS.join(", ")})`,
    );
  }
  const command = `alerts ${sub}`;
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        "log-dir": { type: "string" },
        root: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...(sub === "run"
          ? { "dry-run": { type: "boolean" }, sink: { type: "string", multiple: true } }
          : {}),
        ...(sub === "history"
          ? {
            since: { type: "string" },
            until: { type: "string" },
            severity: { type: "string" },
            rule: { type: "string" },
            limit: { type: "string" },
          }
          : {}),
        ...(sub === "ack" || sub === "snooze" || sub === "silence"
          ? { ttl: { type: "string" } }
          : {}),
        ...(sub === "silence"
          ? { match: { type: "string", multiple: true }, comment: { type: "string" } }
          : {}),
      },
      allowPositionals: true,
    }));
  } catch (err) {
    return opsUsageFailure(io, command, err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    io.out(HELP);
    return EXIT.OK;
  }
  if (values["log-dir"] !== undefined && values.root !== undefined) {
    return opsUsageFailure(io, command, "give the log root once: --log-dir or --root");
  }
  const takesArgument = sub === "ack" || sub === "snooze" || sub === "unsnooze" ||
    sub === "unsilence";
  if (!takesArgument && positionals.length > 0) {
    return opsUsageFailure(io, command, `unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  // Reading commands may look at a root that is not there yet; the others write state into it.
  const writes = sub !== "history" && sub !== "stats" && !(sub === "run" && values["dry-run"]);
  const context = await loadOpsContext(io, command, {
    config: values.config as string | undefined,
    logDir: (values["log-dir"] ?? values.root) as string | undefined,
  }, writes);
  if (typeof context === "number") return context;
  const now = (options.now ?? Date.now)();
  const store = new AlertStore(context.root);
  try {
    switch (sub as Subcommand) {
      case "run":
        return await run(context, values, io, options);
      case "history":
        return await history(context, values, io);
      case "stats":
        return await stats(context, values, io, now);
      case "ack": {
        const key = oneArgument(positionals, "KEY (the alert's dedupe key)");
        const ttl = ttlOf(values.ttl as string | undefined, false, "an ack");
        const { items } = await store.readInstances();
        const active = items.find((i) =>
          i.dedupe_key === key && (i.state === "firing" || i.state === "pending")
        );
        if (active === undefined) {
          throw new UsageProblem(
            `no alert with key ${
              JSON.stringify(key)
            } is firing or pending: nothing to acknowledge ` +
              "(`peak-trade alerts stats` lists them)",
          );
        }
        const ack = await acknowledge(store, key, ttl, now);
        const critical = active.severity === "critical" &&
          !context.settings.alerts.suppress_critical_on_ack;
        report(
          io,
          values,
          ack,
          `Acknowledged ${key} ${
            ack.expires_at === null ? "until it resolves" : `until ${ack.expires_at}`
          }.${
            critical ? " It is critical: it still notifies (suppress_critical_on_ack = false)." : ""
          }`,
        );
        return EXIT.OK;
      }
      case "snooze": {
        const rule = oneArgument(positionals, "RULE");
        const ttl = ttlOf(values.ttl as string | undefined, true, "a snooze")!;
        const entry = await snooze(store, rule, ttl, now);
        report(io, values, entry, `Snoozed ${rule} until ${entry.expires_at}.`);
        return EXIT.OK;
      }
      case "unsnooze": {
        const rule = oneArgument(positionals, "RULE");
        const found = await unsnooze(store, rule, now);
        report(
          io,
          values,
          { rule_id: rule, removed: found },
          found ? `Snooze of ${rule} lifted.` : `${rule} was not snoozed.`,
        );
        return EXIT.OK;
      }
      case "silence": {
        const matchers = matchersOf((values.match as string[] | undefined) ?? []);
        const ttl = ttlOf(values.ttl as string | undefined, true, "a silence")!;
        const entry = await silence(
          store,
          matchers,
          ttl,
          (values.comment as string | undefined) ?? "",
          now,
        );
        report(io, values, entry, `Silence ${entry.id} until ${entry.expires_at}.`);
        return EXIT.OK;
      }
      case "unsilence": {
        const id = oneArgument(positionals, "ID (from `alerts stats`)");
        const found = await unsilence(store, id, now);
        report(
          io,
          values,
          { id, removed: found },
          found ? `Silence ${id} lifted.` : `No silence ${id}.`,
        );
        return EXIT.OK;
      }
    }
  } catch (err) {
    if (err instanceof UsageProblem || err instanceof OperatorActionError) {
      return opsUsageFailure(io, command, err.message);
    }
    throw err;
  }
  return EXIT.USAGE;
}

function report(io: CliIo, values: Record<string, unknown>, value: unknown, text: string): void {
  io.out(values.json ? JSON.stringify(value) + "\n" : text + "\n");
}
