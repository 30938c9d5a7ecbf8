/**
 * The viewer commands: `timeline`, `summary` and `sessions`. Exit codes as
 * the original viewer: 0 ok; 2 no logs, unknown session or bad input (the
 * message says which); 3 when more than 5 % of the lines are invalid (after
 * printing): for `timeline` the lines it read to collect its rows, for
 * `summary` every line of the session.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type CliIo, EXIT } from "./io.ts";
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";
import { formatPythonFixedGrouped } from "../execution/python_format.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { getExecutionTimeline } from "../live/timeline.ts";
import { getExecutionSummary } from "../live/summary.ts";
import { followExecution } from "../live/follow.ts";
import { listSessions } from "../live/sessions.ts";
import { completeLinesEndSync } from "../live/backward_lines.ts";
import { openSessionFileSync } from "../live/session_file.ts";
import { parseTimeBound } from "../execution/wire/timestamps.ts";
import type { ExecutionSummary, TimelineRow } from "../live/types.ts";
import type { ReadStats } from "../execution/wire/types.ts";

/**
 * Extra inputs of the viewer commands (beyond `args` and `io`).
 *
 * @example
 * ```ts
 * import type { ViewerRunOptions } from "./cli/viewer.ts";
 * const options: ViewerRunOptions = { signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface ViewerRunOptions {
  /** Stops `timeline --follow` (the process's Ctrl-C does it when absent). */
  signal?: AbortSignal;
}

/** More than this share of invalid lines makes the exit code 3. */
const INVALID_SHARE_LIMIT = 0.05;

const KIND_COLOURS: Record<string, string> = {
  intent: "\x1b[36m", // cyan
  gate: "\x1b[33m", // yellow
  order: "\x1b[34m", // blue
  fill: "\x1b[32m", // green
  error: "\x1b[31m", // red
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

const LOG_DIR_HELP =
  `  --log-dir DIR   log root holding <session>.jsonl files (default: ${DEFAULT_LOG_DIR})`;

/**
 * The original viewer's flag names (reference §10.1), accepted as aliases of
 * ours so its users' commands keep working: `--path` is `--log-dir`,
 * `--session X` the SESSION argument, `--type` `--kind`, `--from` `--since`,
 * `--to` `--until`. `null` stands for the positional SESSION.
 */
const ORIGINAL_FLAG_NAMES = {
  path: "log-dir",
  session: null,
  type: "kind",
  from: "since",
  to: "until",
} as const;
type OriginalFlag = keyof typeof ORIGINAL_FLAG_NAMES;

/**
 * Rewrite the original viewer's flag names among `accepted` into ours. A
 * `--session` value becomes a positional after `--`, so that it is read as
 * the SESSION even when it looks like a flag (and then refused as an id).
 */
function translateOriginalFlags(args: string[], accepted: readonly OriginalFlag[]): string[] {
  const out: string[] = [];
  const sessions: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest = args.slice(i + 1);
      break;
    }
    const match = /^--([a-z]+)(=.*)?$/s.exec(arg);
    const name = match?.[1] as OriginalFlag | undefined;
    if (match === null || name === undefined || !accepted.includes(name)) {
      out.push(arg);
      continue;
    }
    const ours = ORIGINAL_FLAG_NAMES[name];
    const inline = match[2];
    if (ours !== null) {
      out.push(`--${ours}${inline ?? ""}`);
    } else if (inline !== undefined) {
      sessions.push(inline.slice(1));
    } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
      sessions.push(args[++i]);
    } else {
      throw new UsageError("--session: missing its value, the session id (--session ID)");
    }
  }
  return sessions.length === 0 && rest.length === 0 ? out : [...out, "--", ...sessions, ...rest];
}

const TIMELINE_HELP = `Usage: peak-trade timeline SESSION [options]

Print a session's events, newest first, after the filters.

Options:
  --kind KIND     only this kind: intent, gate, order, fill or error
                  (repeatable or comma-separated: --kind gate --kind fill, --kind gate,fill)
  --symbol SYM    only this symbol
  --since TS      only events at or after TS (ISO 8601, e.g. 2026-11-25T09:30:00Z)
  --until TS      only events at or before TS
  --limit N       at most N events (default: 200)
  --json          one JSON object per line (JSONL) instead of a table
  --follow        print the last events oldest first, then new ones as they arrive (Ctrl-C stops)
${LOG_DIR_HELP}
  -h, --help      show this help

The original viewer's names work too: --session SESSION, --type (--kind), --from (--since),
--to (--until), --path (--log-dir).

Exit codes: 0 ok; 2 no logs, unknown session or bad input; 3 more than 5% invalid
lines among those read for the rows shown (not the whole session: see summary).
`;

const SUMMARY_HELP = `Usage: peak-trade summary SESSION [options]

Print the summary of a whole session: counts per kind, time range, symbols,
gate blocks, fills and intent-to-fill latency.

Options:
  --json          the summary as one JSON object
${LOG_DIR_HELP}
  -h, --help      show this help

The original viewer's names work too: --session SESSION, --path (--log-dir).

Exit codes: 0 ok; 2 no logs, unknown session or bad input; 3 more than 5% invalid
lines in the whole session.
`;

const SESSIONS_HELP = `Usage: peak-trade sessions [options]

List the sessions of a log directory, newest first, with size, event count and
first and last timestamp.

Options:
  --json          a JSON array instead of a table
${LOG_DIR_HELP}
  -h, --help      show this help

The original viewer's --path works too (as --log-dir).

Exit codes: 0 ok; 2 no logs (the directory is missing or holds no session) or bad input.
`;

/** A usage error: the message says what to fix. */
class UsageError extends Error {}

type Parsed = ReturnType<typeof parseArgs>;

/**
 * Parse a command's arguments (plus `--log-dir` and `--help`) and turn them
 * into its inputs with `read`. Answers `--help` (exit 0) and usage errors
 * (exit 2) itself and then returns the exit code instead of inputs.
 */
function commandInput<T extends object>(
  io: CliIo,
  command: string,
  help: string,
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>["options"],
  originalFlags: readonly OriginalFlag[],
  read: (parsed: Parsed, logDir: string) => T,
): T | number {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      // node:util reads "--limit -1" as a missing value; keep such a pair together so the
      // option's own check can say what is wrong with the number.
      args: joinNegativeValues(translateOriginalFlags(args, originalFlags)),
      options: { ...options, "log-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageFailure(io, command, err instanceof Error ? err.message : String(err));
  }
  if (parsed.values.help) {
    io.out(help);
    return EXIT.OK;
  }
  try {
    return read(parsed, stringOption(parsed.values["log-dir"]) ?? DEFAULT_LOG_DIR);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, command, err.message);
    throw err;
  }
}

/** `--limit -1` → `--limit=-1` (for every string option followed by a negative number). */
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

/** The kinds this product writes; other kinds (from other writers) are allowed with a warning. */
const KNOWN_KINDS = ["intent", "gate", "order", "fill", "error"];
const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** `--kind` values: repeatable and comma-separated (as the HTTP API's `kind`), deduplicated. */
function parseKinds(values: string[] | undefined): string[] {
  const kinds: string[] = [];
  for (const value of values ?? []) {
    for (const part of value.split(",")) {
      const kind = part.trim();
      if (kind === "") continue;
      if (!KIND_PATTERN.test(kind)) {
        throw new UsageError(
          `--kind: expected an event kind such as ${KNOWN_KINDS.join(", ")}, got ${
            JSON.stringify(kind.slice(0, 40))
          }`,
        );
      }
      if (!kinds.includes(kind)) kinds.push(kind);
    }
  }
  return kinds;
}

/** Warn (stderr) about kinds this product never writes: usually a typo or the wrong case. */
function warnUnknownKinds(io: CliIo, kinds: string[]): void {
  for (const kind of kinds) {
    if (KNOWN_KINDS.includes(kind)) continue;
    const lower = kind.toLowerCase();
    const hint = KNOWN_KINDS.includes(lower) ? ` (kinds are lower case: --kind ${lower})` : "";
    io.err(
      `peak-trade timeline: warning: --kind ${JSON.stringify(kind)} is not one of ` +
        `${KNOWN_KINDS.join(", ")}${hint}\n`,
    );
  }
}

/** A message when `--since` is after `--until` (nothing could ever match), else `null`. */
function invertedRange(since: string | undefined, until: string | undefined): string | null {
  if (since === undefined || until === undefined) return null;
  let from: number;
  let to: number;
  try {
    from = parseTimeBound(since, "since");
    to = parseTimeBound(until, "until");
  } catch {
    return null; // the reader reports the unreadable one, naming it
  }
  return from > to
    ? `--since ${since} is after --until ${until}: no event can match; swap them?`
    : null;
}

/** Name the flag in a reader's RangeError ("since: …" → "--since: …"). */
function flagMessage(message: string): string {
  return message.replace(/^(since|until|limit|before)\b:?/, (_m, name) => `--${name}:`);
}

function paint(io: CliIo, code: string | undefined, text: string): string {
  return io.color && code !== undefined ? `${code}${text}${RESET}` : text;
}

/** Report a usage error (exit 2) with a pointer to `--help`. */
function usageFailure(io: CliIo, command: string, message: string): number {
  io.err(`peak-trade ${command}: ${message}\nRun \`peak-trade ${command} --help\` for usage.\n`);
  return EXIT.USAGE;
}

/** The one session argument, validated. */
function sessionArgument(positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError("missing SESSION (the session id to read)");
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one SESSION, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const id: unknown = positionals[0];
  if (!isValidSessionId(id)) throw new UsageError(new InvalidSessionIdError(id).message);
  return id;
}

/** Exit 2 with a message that says whether the directory or the session is missing. */
async function missingSession(io: CliIo, command: string, logDir: string, id: string) {
  let message: string;
  try {
    const info = await Deno.stat(logDir);
    message = info.isDirectory
      ? `unknown session ${JSON.stringify(id)}: no ${id}.jsonl in ${logDir} ` +
        `(\`peak-trade sessions --log-dir ${logDir}\` lists the sessions)`
      : `no logs: ${logDir} is not a directory (pass the log root with --log-dir)`;
  } catch {
    message = `no logs: ${logDir} does not exist (pass the log root with --log-dir)`;
  }
  io.err(`peak-trade ${command}: ${message}\n`);
  return EXIT.USAGE;
}

/**
 * Exit 3 (with a warning) when more than 5 % of `stats.total_lines` are
 * invalid or oversized; `scope` says which lines were measured.
 */
function lineHealth(
  io: CliIo,
  id: string,
  stats: Pick<ReadStats, "total_lines" | "invalid_lines" | "oversized_lines">,
  scope: string,
): number {
  const bad = stats.invalid_lines + stats.oversized_lines;
  if (stats.total_lines === 0 || bad / stats.total_lines <= INVALID_SHARE_LIMIT) return EXIT.OK;
  const share = (100 * bad / stats.total_lines).toFixed(1);
  io.err(
    `warning: ${bad} of ${stats.total_lines} lines (${share}%) ${scope} of session ${id} ` +
      "are not valid events (more than 5%)\n",
  );
  return EXIT.DEGRADED;
}

interface RowWidths {
  kind: number;
  symbol: number;
}

function formatRow(io: CliIo, row: TimelineRow, widths: RowWidths): string {
  const ts = row.ts ?? "-".padEnd(32);
  const kind = paint(io, KIND_COLOURS[row.kind], safeText(row.kind).padEnd(widths.kind));
  const symbol = safeText(row.symbol ?? "-").padEnd(widths.symbol);
  return `${ts}  ${kind}  ${symbol}  ${safeText(row.description)}\n`;
}

/**
 * Characters of file content that must not reach the terminal as they are:
 * C0 and C1 controls (escape sequences, BEL, a newline that would fake a
 * row) and the invisible direction and line-break marks that reorder or
 * split what is shown.
 */
const UNSAFE_TEXT =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** File content made safe to print: `\n` and `\r` shown escaped, a tab as a space, others `?`. */
function safeText(text: string): string {
  return text.replace(
    UNSAFE_TEXT,
    (c) => c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? " " : "?",
  );
}

function tableHeader(io: CliIo, widths: RowWidths): string {
  const line = `${"TS".padEnd(32)}  ${"KIND".padEnd(widths.kind)}  ${
    "SYMBOL".padEnd(widths.symbol)
  }  DESCRIPTION`;
  return `${paint(io, DIM, line)}\n`;
}

function widthsOf(rows: TimelineRow[]): RowWidths {
  let kind = 6;
  let symbol = 7;
  for (const r of rows) {
    kind = Math.max(kind, safeText(r.kind).length);
    symbol = Math.max(symbol, safeText(r.symbol ?? "-").length);
  }
  return { kind, symbol: Math.min(symbol, 24) };
}

/** The end of the last complete line of the file as it is now. */
function completeEnd(path: string): number {
  const opened = openSessionFileSync(path);
  if (opened === null) throw new Deno.errors.NotFound(`no session file at ${path}`);
  using file = opened;
  return completeLinesEndSync(file, file.statSync().size);
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 200;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--limit: expected a positive whole number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function stringOption(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * `peak-trade timeline SESSION`: print a session's events, newest first
 * (`--kind`, `--symbol`, `--since`, `--until`, `--limit`, `--json`,
 * `--follow`, `--log-dir`). Returns the exit code.
 *
 * @example
 * ```ts
 * import { runTimelineCommand } from "./cli/viewer.ts";
 * import { processIo } from "./cli/io.ts";
 * const code = await runTimelineCommand(["demo", "--kind", "fill", "--limit", "20"], processIo());
 * ```
 */
export async function runTimelineCommand(
  args: string[],
  io: CliIo,
  run: ViewerRunOptions = {},
): Promise<number> {
  const input = commandInput(
    io,
    "timeline",
    TIMELINE_HELP,
    args,
    {
      kind: { type: "string", multiple: true },
      symbol: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
      follow: { type: "boolean" },
    },
    ["path", "session", "type", "from", "to"],
    (parsed, logDir) => ({
      id: sessionArgument(parsed.positionals),
      logDir,
      kinds: parseKinds(parsed.values.kind as string[] | undefined),
      limit: parseLimit(stringOption(parsed.values.limit)),
      values: parsed.values,
    }),
  );
  if (typeof input === "number") return input;
  const { id, logDir, kinds, limit, values } = input;
  const inverted = invertedRange(stringOption(values.since), stringOption(values.until));
  if (inverted !== null) return usageFailure(io, "timeline", inverted);
  warnUnknownKinds(io, kinds);
  const path = sessionFilePath(logDir, id);
  const follow = values.follow === true;
  let before: number | undefined;
  try {
    before = follow ? completeEnd(path) : undefined;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return await missingSession(io, "timeline", logDir, id);
    }
    throw err;
  }
  let page;
  try {
    page = await getExecutionTimeline(id, {
      baseDir: logDir,
      kinds,
      symbol: stringOption(values.symbol),
      since: stringOption(values.since),
      until: stringOption(values.until),
      limit,
      before,
    });
  } catch (err) {
    if (err instanceof RangeError) return usageFailure(io, "timeline", flagMessage(err.message));
    throw err;
  }
  if (!page.found) return await missingSession(io, "timeline", logDir, id);
  const rows = follow ? [...page.timeline].reverse() : page.timeline;
  const widths = widthsOf(rows);
  if (values.json) {
    for (const row of rows) io.out(`${JSON.stringify(row)}\n`);
  } else {
    io.out(tableHeader(io, widths));
    for (const row of rows) io.out(formatRow(io, row, widths));
    if (!follow && rows.length === 0) io.out(paint(io, DIM, "(no events match)") + "\n");
  }
  // Measured over the lines this timeline read (as the original viewer did), so a first call
  // on a big file does not pay for a whole-session summary.
  const health = lineHealth(io, id, page.stats, "read for this timeline");
  if (!follow) return health;
  const since = stringOption(values.since);
  const until = stringOption(values.until);
  await followRows(io, id, logDir, before ?? 0, {
    kinds: new Set(kinds),
    symbol: stringOption(values.symbol),
    // Already validated by the timeline call above.
    since: since === undefined ? null : parseTimeBound(since, "since"),
    until: until === undefined ? null : parseTimeBound(until, "until"),
    json: values.json === true,
    widths,
    signal: run.signal,
  });
  return health;
}

/** `timeline --follow`: print matching new events until the signal (or Ctrl-C) stops it. */
async function followRows(
  io: CliIo,
  id: string,
  logDir: string,
  from: number,
  options: {
    kinds: Set<string>;
    symbol: string | undefined;
    since: number | null;
    until: number | null;
    json: boolean;
    widths: RowWidths;
    signal: AbortSignal | undefined;
  },
): Promise<void> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let sigint = false;
  if (options.signal === undefined) {
    try {
      Deno.addSignalListener("SIGINT", onAbort);
      sigint = true;
    } catch {
      // signals not supported here: the follow runs until the process ends
    }
  }
  try {
    for await (const item of followExecution(id, { baseDir: logDir, from, signal: stop.signal })) {
      if (item.type === "reset") {
        io.err(
          `peak-trade timeline: the log was ${item.reason}; reading it again from the start\n`,
        );
        continue;
      }
      const row = item.row;
      if (options.kinds.size > 0 && !options.kinds.has(row.kind)) continue;
      if (options.symbol !== undefined && row.symbol !== options.symbol) continue;
      const t = item.event.ts_micros;
      if (options.since !== null && (t === null || t < options.since)) continue;
      if (options.until !== null && (t === null || t > options.until)) continue;
      io.out(options.json ? `${JSON.stringify(row)}\n` : formatRow(io, row, options.widths));
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (sigint) Deno.removeSignalListener("SIGINT", onAbort);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function formatMs(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

function humanSummary(io: CliIo, s: ExecutionSummary, path: string): string {
  const label = (text: string): string => paint(io, DIM, text.padEnd(13));
  const kinds = Object.entries(s.kind_counts).map(([k, n]) =>
    `${paint(io, KIND_COLOURS[k], safeText(k))} ${formatCount(n)}`
  );
  const blocks = Object.entries(s.gate_blocks).map(([g, n]) =>
    `${g.trim() === "" ? "(unnamed gate)" : safeText(g)} ${formatCount(n)}`
  );
  const lines = [
    `${label("Session")}${s.session_id}`,
    `${label("Log")}${path} (${formatBytes(s.size_bytes)})`,
    `${label("Events")}${formatCount(s.event_count)}${
      kinds.length > 0 ? `  (${kinds.join(", ")})` : ""
    }`,
    `${label("Time range")}${s.start_time ?? "-"} → ${s.end_time ?? "-"}`,
    `${label("Symbols")}${s.symbols.length > 0 ? s.symbols.map(safeText).join(", ") : "-"}`,
    `${label("Gate blocks")}${blocks.length > 0 ? blocks.join(", ") : "none"}  (block rate ${
      (100 * s.block_rate).toFixed(1)
    }% of intents)`,
    `${label("Fills")}${formatCount(s.fills.count)}  notional $${
      formatPythonFixedGrouped(s.fills.notional, 2)
    }  fees $${formatPythonFixedGrouped(s.fills.fees, 4)}`,
    `${label("Latency")}${
      s.latency_ms === null
        ? "- (no intent→fill pairs)"
        : `min ${formatMs(s.latency_ms.min)}  median ${formatMs(s.latency_ms.median)}  p95 ${
          formatMs(s.latency_ms.p95)
        }  max ${formatMs(s.latency_ms.max)}  (${
          formatCount(s.latency_ms.count)
        } intent→fill pairs)`
    }`,
    `${label("Lines")}${formatCount(s.total_lines)} total, ${
      formatCount(s.invalid_lines)
    } invalid, ${formatCount(s.torn_lines)} torn, ${formatCount(s.oversized_lines)} oversized`,
  ];
  return lines.join("\n") + "\n";
}

/**
 * `peak-trade summary SESSION`: print the summary of a whole session
 * (`--json`, `--log-dir`). Returns the exit code.
 *
 * @example
 * ```ts
 * import { runSummaryCommand } from "./cli/viewer.ts";
 * import { processIo } from "./cli/io.ts";
 * const code = await runSummaryCommand(["demo", "--json"], processIo());
 * ```
 */
export async function runSummaryCommand(args: string[], io: CliIo): Promise<number> {
  const input = commandInput(
    io,
    "summary",
    SUMMARY_HELP,
    args,
    { json: { type: "boolean" } },
    ["path", "session"],
    (parsed, logDir) => ({
      id: sessionArgument(parsed.positionals),
      logDir,
      json: parsed.values.json === true,
    }),
  );
  if (typeof input === "number") return input;
  const { id, logDir, json } = input;
  const summary = await getExecutionSummary(id, { baseDir: logDir });
  if (!summary.found) return await missingSession(io, "summary", logDir, id);
  io.out(
    json ? `${JSON.stringify(summary)}\n` : humanSummary(io, summary, sessionFilePath(logDir, id)),
  );
  return lineHealth(io, id, summary, "in the whole log");
}

/**
 * `peak-trade sessions`: list the sessions of a log directory, newest first
 * (`--json`, `--log-dir`). Returns the exit code.
 *
 * @example
 * ```ts
 * import { runSessionsCommand } from "./cli/viewer.ts";
 * import { processIo } from "./cli/io.ts";
 * const code = await runSessionsCommand(["--log-dir", "logs/execution"], processIo());
 * ```
 */
export async function runSessionsCommand(args: string[], io: CliIo): Promise<number> {
  const input = commandInput(
    io,
    "sessions",
    SESSIONS_HELP,
    args,
    { json: { type: "boolean" } },
    ["path"],
    (parsed, logDir) => {
      if (parsed.positionals.length > 0) {
        throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
      }
      return { logDir, json: parsed.values.json === true };
    },
  );
  if (typeof input === "number") return input;
  const { logDir, json } = input;
  let dirExists = true;
  try {
    dirExists = (await Deno.stat(logDir)).isDirectory;
  } catch {
    dirExists = false;
  }
  if (!dirExists) {
    io.err(
      `peak-trade sessions: no logs: ${logDir} does not exist or is not a directory ` +
        "(pass the log root with --log-dir)\n",
    );
    return EXIT.USAGE;
  }
  const sessions = await listSessions(logDir);
  if (json) {
    io.out(`${JSON.stringify(sessions)}\n`);
  } else if (sessions.length > 0) {
    const idWidth = Math.max(7, ...sessions.map((s) => s.session_id.length));
    const header = `${"SESSION".padEnd(idWidth)}  ${"EVENTS".padStart(10)}  ${
      "SIZE".padStart(10)
    }  ${"FIRST".padEnd(32)}  LAST`;
    io.out(`${paint(io, DIM, header)}\n`);
    for (const s of sessions) {
      io.out(
        `${s.session_id.padEnd(idWidth)}  ${formatCount(s.event_count).padStart(10)}  ${
          formatBytes(s.size_bytes).padStart(10)
        }  ${(s.first_ts ?? "-").padEnd(32)}  ${s.last_ts ?? "-"}\n`,
      );
    }
  }
  if (sessions.length === 0) {
    io.err(`peak-trade sessions: no logs: no <session>.jsonl files in ${logDir}\n`);
    return EXIT.USAGE;
  }
  return EXIT.OK;
}
