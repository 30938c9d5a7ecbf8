/**
 * `peak-trade timeline SESSION`: a session's events, newest first, after the
 * filters of the timeline query (the same rules as the HTTP API), as a table
 * or JSONL; with `--follow`, then the new ones as they arrive, waiting for a
 * session that has not started yet.
 *
 * @module
 */
import {
  readableLogDir,
  readCommandArgs,
  sessionArgument,
  stringOption,
  UsageError,
} from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DIM, KIND_COLOURS, paint, safeText } from "./terminal_text.ts";
import { lineHealth, missingSession } from "./viewer_exit.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import { getExecutionTimeline } from "../live/timeline.ts";
import { followExecution } from "../live/follow.ts";
import { followStart } from "../live/follow_start.ts";
import {
  compileTimelineFilter,
  DEFAULT_TIMELINE_LIMIT,
  parseTimelineQuery,
  type TimelineQuery,
  TimelineQueryError,
  unknownTimelineKinds,
} from "../live/timeline_query.ts";
import { timelineReadFilters } from "../live/timeline_extra_filter.ts";
import { describeBlock } from "../live/describe.ts";
import type { TimelineRow } from "../live/types.ts";

/**
 * Extra inputs of {@linkcode runTimelineCommand} (beyond `args` and `io`).
 *
 * @example
 * ```ts
 * import type { TimelineRunOptions } from "./timeline.ts";
 * const options: TimelineRunOptions = { signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface TimelineRunOptions {
  /** Stops `--follow` (the process's Ctrl-C does it when absent). */
  signal?: AbortSignal;
}

const HELP = `Usage: peak-trade timeline SESSION [options]

Print a session's events, newest first, after the filters.

Options:
  --kind KIND     only this kind: ${EVENT_KINDS.slice(0, -1).join(", ")} or ${EVENT_KINDS.at(-1)}
                  (repeatable or comma-separated: --kind gate --kind fill, --kind gate,fill)
  --symbol SYM    only this symbol (empty: every symbol)
  --symbol-match HOW
                  how --symbol matches: exact (default), prefix or substring
  --ignore-case   --symbol matches regardless of case (--symbol eth --symbol-match prefix
                  --ignore-case finds ETH-USD)
  --blocked       only gate decisions that blocked the order
  --gate NAME     only decisions of this gate, e.g. LotSize (repeatable or comma-separated)
  --code CODE     only events with this reason code, e.g. QTY_ROUNDS_TO_ZERO
                  (repeatable or comma-separated)
  --since TS      only events at or after TS (ISO 8601, e.g. 2026-11-25T09:30:00Z)
  --until TS      only events at or before TS
  --limit N       at most N events (default: ${DEFAULT_TIMELINE_LIMIT})
  --json          one JSON object per line (JSONL) instead of a table
  --follow        print the last events oldest first, then new ones as they arrive (Ctrl-C stops);
                  a session that has not started yet is waited for
  --log-dir DIR   log root holding <session>.jsonl files (default: ${DEFAULT_LOG_DIR})
  -h, --help      show this help

The original viewer's names work too: --session SESSION, --type (--kind), --from (--since),
--to (--until), --path (--log-dir).

Exit codes: 0 ok; 2 no logs, unknown session or bad input; 3 more than 5% invalid
lines among those read for the rows shown (not the whole session: see summary).
`;

/** The CLI flag of each query field whose name differs from its flag. */
const FIELD_FLAGS: Readonly<Record<string, string>> = {
  symbol_match: "--symbol-match",
  symbol_ci: "--ignore-case",
};

/** A query error in the CLI's words: the flag, not the field (`--since: …`). */
function flagMessage(err: TimelineQueryError): string {
  const detail = err.message.slice(`${err.field}: `.length);
  const flag = FIELD_FLAGS[err.field] ?? `--${err.field}`;
  return `${flag}: ${detail.replace(/ is after until /, " is after --until ")}`;
}

interface RowWidths {
  kind: number;
  symbol: number;
}

function widthsOf(rows: readonly TimelineRow[]): RowWidths {
  let kind = 6;
  let symbol = 7;
  for (const r of rows) {
    kind = Math.max(kind, safeText(r.kind).length);
    symbol = Math.max(symbol, safeText(r.symbol ?? "-").length);
  }
  return { kind, symbol: Math.min(symbol, 24) };
}

function tableHeader(io: CliIo, widths: RowWidths): string {
  const line = `${"TS".padEnd(32)}  ${"KIND".padEnd(widths.kind)}  ${
    "SYMBOL".padEnd(widths.symbol)
  }  DESCRIPTION`;
  return `${paint(io, DIM, line)}\n`;
}

function formatRow(io: CliIo, row: TimelineRow, widths: RowWidths): string {
  const ts = row.ts ?? "-".padEnd(32);
  const kind = paint(io, KIND_COLOURS[row.kind], safeText(row.kind).padEnd(widths.kind));
  const symbol = safeText(row.symbol ?? "-").padEnd(widths.symbol);
  // A block shows its code and reason, as the dashboard's rows do.
  const block = describeBlock(row.kind, row.details);
  const why = block === null ? "" : `  ${paint(io, KIND_COLOURS.error, `(${safeText(block)})`)}`;
  return `${ts}  ${kind}  ${symbol}  ${safeText(row.description)}${why}\n`;
}

/**
 * `peak-trade timeline SESSION`: print a session's events, newest first
 * (`--kind`, `--symbol`, `--since`, `--until`, `--limit`, `--json`,
 * `--follow`, `--log-dir`). Returns the exit code.
 *
 * @example
 * ```ts
 * import { runTimelineCommand } from "./timeline.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runTimelineCommand(["demo", "--kind", "fill", "--limit", "20"], memoryIo());
 * ```
 */
export async function runTimelineCommand(
  args: string[],
  io: CliIo,
  run: TimelineRunOptions = {},
): Promise<number> {
  const input = readCommandArgs(
    io,
    {
      command: "timeline",
      help: HELP,
      options: {
        kind: { type: "string", multiple: true },
        symbol: { type: "string" },
        "symbol-match": { type: "string" },
        "ignore-case": { type: "boolean" },
        blocked: { type: "boolean" },
        gate: { type: "string", multiple: true },
        code: { type: "string", multiple: true },
        since: { type: "string" },
        until: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
        follow: { type: "boolean" },
      },
      positionals: true,
      originalFlags: ["path", "session", "type", "from", "to"],
    },
    args,
    (parsed, logDir) => {
      const id = sessionArgument(parsed.positionals);
      const values = parsed.values;
      let query: TimelineQuery;
      try {
        query = parseTimelineQuery({
          kinds: (values.kind as string[] | undefined) ?? [],
          symbol: stringOption(values.symbol),
          symbolMatch: stringOption(values["symbol-match"]),
          symbolIgnoreCase: values["ignore-case"] === true,
          blocked: values.blocked === true,
          gates: (values.gate as string[] | undefined) ?? [],
          codes: (values.code as string[] | undefined) ?? [],
          since: stringOption(values.since),
          until: stringOption(values.until),
          limit: stringOption(values.limit),
        });
      } catch (err) {
        if (err instanceof TimelineQueryError) throw new UsageError(flagMessage(err));
        throw err;
      }
      return { id, logDir, query, json: values.json === true, follow: values.follow === true };
    },
  );
  if (typeof input === "number") return input;
  const { id, logDir, query, json, follow } = input;
  for (const { kind, suggestion } of unknownTimelineKinds(query.kinds)) {
    const hint = suggestion === null ? "" : ` (kinds are lower case: --kind ${suggestion})`;
    io.err(
      `peak-trade timeline: warning: --kind ${JSON.stringify(kind)} is not one of ` +
        `${EVENT_KINDS.join(", ")}${hint}\n`,
    );
  }
  const dirState = await readableLogDir(io, "timeline", logDir);
  if (dirState === null) return EXIT.USAGE;
  const path = sessionFilePath(logDir, id);

  // Following starts where the page ends, so nothing is shown twice or missed in between.
  const start = follow ? await followStart(path) : undefined;
  if (start === null) {
    io.err(
      `peak-trade timeline: waiting for session ${JSON.stringify(id)}: no ${id}.jsonl in ` +
        `${logDir} yet${
          dirState === "missing" ? " (the directory does not exist yet either)" : ""
        }` +
        "; Ctrl-C stops\n",
    );
    const widths = widthsOf([]);
    if (!json) io.out(tableHeader(io, widths));
    await followRows(io, id, logDir, 0, { query, json, widths, signal: run.signal });
    return EXIT.OK;
  }

  const page = await getExecutionTimeline(id, {
    ...timelineReadFilters(query),
    baseDir: logDir,
    limit: query.limit,
    before: start,
  });
  if (!page.found) return missingSession(io, "timeline", logDir, dirState, id);
  const rows = follow ? [...page.timeline].reverse() : page.timeline;
  const widths = widthsOf(rows);
  if (json) {
    for (const row of rows) io.out(`${JSON.stringify(row)}\n`);
  } else {
    io.out(tableHeader(io, widths));
    for (const row of rows) io.out(formatRow(io, row, widths));
    if (!follow && rows.length === 0) io.out(paint(io, DIM, "(no events match)") + "\n");
  }
  // Measured over the lines this timeline read (as the original viewer did), so a first call
  // on a big file does not pay for a whole-session summary.
  const health = lineHealth(io, id, page.stats, "read for this timeline");
  if (start === undefined) return health;
  await followRows(io, id, logDir, start, { query, json, widths, signal: run.signal });
  return health;
}

/** `timeline --follow`: print matching new events until the signal (or Ctrl-C) stops it. */
async function followRows(
  io: CliIo,
  id: string,
  logDir: string,
  from: number,
  options: { query: TimelineQuery; json: boolean; widths: RowWidths; signal?: AbortSignal },
): Promise<void> {
  const matches = compileTimelineFilter(options.query);
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
      const { row, event } = item;
      if (!matches(event)) continue;
      io.out(options.json ? `${JSON.stringify(row)}\n` : formatRow(io, row, options.widths));
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (sigint) Deno.removeSignalListener("SIGINT", onAbort);
  }
}
