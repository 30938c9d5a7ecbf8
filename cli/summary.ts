/**
 * `peak-trade summary SESSION`: the summary of a whole session (counts per
 * kind, time range, symbols, gate blocks, fills, intent-to-fill latency),
 * for people or as JSON.
 *
 * @module
 */
import { readableLogDir, readCommandArgs, sessionArgument } from "./arguments.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DIM, formatCount, KIND_COLOURS, paint, safeText } from "./terminal_text.ts";
import { lineHealth, missingSession } from "./viewer_exit.ts";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { formatPythonFixedGrouped } from "../execution/python_format.ts";
import { getExecutionSummary } from "../live/summary.ts";
import type { ExecutionSummary } from "../live/types.ts";
import { formatBytes } from "../web/format.ts";

const HELP = `Usage: peak-trade summary SESSION [options]

Print the summary of a whole session: counts per kind, time range, symbols,
gate blocks, fills and intent-to-fill latency.

Options:
  --json          the summary as one JSON object
  --log-dir DIR   log root holding <session>.jsonl files (default: ${DEFAULT_LOG_DIR})
  -h, --help      show this help

The original viewer's names work too: --session SESSION, --path (--log-dir).

Exit codes: 0 ok; 2 no logs, unknown session or bad input; 3 more than 5% invalid
lines in the whole session.
`;

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
 * import { runSummaryCommand } from "./summary.ts";
 * import { memoryIo } from "./io.ts";
 * const code = await runSummaryCommand(["demo", "--json"], memoryIo());
 * ```
 */
export async function runSummaryCommand(args: string[], io: CliIo): Promise<number> {
  const input = readCommandArgs(
    io,
    {
      command: "summary",
      help: HELP,
      options: { json: { type: "boolean" } },
      positionals: true,
      originalFlags: ["path", "session"],
    },
    args,
    (parsed, logDir) => ({
      id: sessionArgument(parsed.positionals),
      logDir,
      json: parsed.values.json === true,
    }),
  );
  if (typeof input === "number") return input;
  const { id, logDir, json } = input;
  const dirState = await readableLogDir(io, "summary", logDir);
  if (dirState === null) return EXIT.USAGE;
  // A one-shot command: one thread (no worker) uses the least memory.
  const summary = await getExecutionSummary(id, { baseDir: logDir, foreground: true });
  if (!summary.found) return missingSession(io, "summary", logDir, dirState, id);
  io.out(
    json ? `${JSON.stringify(summary)}\n` : humanSummary(io, summary, sessionFilePath(logDir, id)),
  );
  return lineHealth(io, id, summary, "in the whole log");
}
