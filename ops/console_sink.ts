/**
 * The console sink: a notification as a block of text (the original's
 * emoji, a rule of 80 `─`), coloured only when the output wants colour (a
 * terminal without `NO_COLOR`).
 *
 * @module
 */
import type { AlertNotification } from "./alert_model.ts";

const RULE = "─".repeat(80);
const ICONS: Readonly<Record<string, string>> = { info: "ℹ️ ", warn: "⚠️ ", critical: "🚨" };
const COLOURS: Readonly<Record<string, string>> = {
  info: "\x1b[34m",
  warn: "\x1b[33m",
  critical: "\x1b[31m",
  resolved: "\x1b[32m",
};
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

/**
 * The text the console sink prints for `notification` (ending in a newline).
 *
 * @example
 * ```ts
 * import { formatConsoleNotification } from "./console_sink.ts";
 * const text = formatConsoleNotification({
 *   id: "1", timestamp_utc: "2026-11-25T09:30:45.000000+00:00", source: "peak-trade.execution",
 *   rule_id: "execution_errors", severity: "critical", state: "firing", repeat: false,
 *   title: "2 execution error(s) in the recent window", body: "…", labels: {},
 *   dedupe_key: "execution_errors", value: 2, threshold: 1, active_since: null, fired_at: null,
 *   resolved_at: null,
 * }, false);
 * console.log(text.includes("[CRITICAL]")); // true
 * ```
 */
export function formatConsoleNotification(n: AlertNotification, color: boolean): string {
  const resolved = n.state === "resolved";
  const paint = (text: string, key: string): string =>
    color ? `${COLOURS[key] ?? ""}${BOLD}${text}${RESET}` : text;
  const icon = resolved ? "✅" : ICONS[n.severity] ?? "•";
  const label = resolved
    ? "RESOLVED"
    : n.repeat
    ? `${n.severity.toUpperCase()}, REPEAT`
    : n.severity.toUpperCase();
  const head = `${icon} ${paint(`[${label}]`, resolved ? "resolved" : n.severity)} ${n.title}`;
  const meta = `   rule ${n.rule_id} · ack key ${n.dedupe_key} · ${n.timestamp_utc}`;
  const body = n.body.split("\n").map((line) => `   ${line}`).join("\n");
  return `${RULE}\n${head}\n${meta}\n${body}\n`;
}
