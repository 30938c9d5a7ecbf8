/**
 * What every command shares about its arguments: the usage error and the one
 * way it is reported (one line, exit 2), hints that name the command the way
 * the user runs it, the original viewer's flag names, the SESSION argument,
 * and the checks of a log directory before anything is read or written.
 *
 * @module
 */
import { type OptionSpecs, parseArgs, type ParseArgsResult } from "./parse_args.ts";
import { type CliIo, EXIT } from "./io.ts";
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { InvalidSessionIdError, isValidSessionId } from "../execution/session_id.ts";

/** A problem with a command's arguments: the message says what to fix; exit 2. */
export class UsageError extends Error {
  /** `message`: one line that names the flag or argument. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * How to run `command` with `rest`, as the user would type it: with the
 * program of `io` when known, else in both forms (the binary and the task).
 */
export function commandHint(io: Pick<CliIo, "program">, command: string, rest = ""): string {
  const form = (program: string): string =>
    `\`${[program, command, rest].filter((part) => part !== "").join(" ")}\``;
  return io.program !== undefined
    ? form(io.program)
    : `${form("peak-trade")} or ${form("deno task")}`;
}

/** Report a usage problem on one line with a pointer to the command's help; returns exit 2. */
export function usageFailure(io: CliIo, command: string, problem: unknown): number {
  const message = problem instanceof Error ? problem.message : String(problem);
  // A message may span lines (a config error, an OS error); the report stays one line.
  io.err(
    `peak-trade ${command}: ${message.replace(/\s*\n\s*/g, " ")} ` +
      `(see ${commandHint(io, command, "--help")})\n`,
  );
  return EXIT.USAGE;
}

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

/** A flag name of the original viewer. */
export type OriginalFlag = keyof typeof ORIGINAL_FLAG_NAMES;

/**
 * Rewrite the original viewer's flag names among `accepted` into ours. A
 * `--session` value becomes a positional after `--`, so that it is read as
 * the SESSION even when it looks like a flag (and then refused as an id).
 */
export function translateOriginalFlags(
  args: readonly string[],
  accepted: readonly OriginalFlag[],
): string[] {
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

/** A value that is a negative number (`-1`, `-0.5`, `-.5`, `-inf`, `-nan`), not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|inf|nan)/i;

/**
 * `--limit -1` → `--limit=-1`: the parser takes no value that starts with `-`
 * from the next argument (it may be a flag); joined, the flag's own check can
 * say what is wrong with a negative number.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (/^--[a-z-]+$/.test(args[i]) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

/** What {@linkcode readCommandArgs} parsed: flag values and positionals. */
export type ParsedArgs = ParseArgsResult<OptionSpecs>;

/** How a command's arguments are read. */
export interface CommandArgsSpec {
  /** The command's name, for messages. */
  command: string;
  /** The `--help` text. */
  help: string;
  /** The command's own options (`--log-dir` and `--help` are added). */
  options: OptionSpecs;
  /** Whether positional arguments (the SESSION) are allowed. */
  positionals: boolean;
  /**
   * The original viewer's flag names the command accepts.
   * @default {[]}
   */
  originalFlags?: readonly OriginalFlag[];
}

/**
 * Parse a command's arguments (plus `--log-dir` and `-h`/`--help`) and turn
 * them into its inputs with `read`, which throws {@linkcode UsageError} for a
 * bad value. Answers `--help` (exit 0) and usage problems (exit 2) itself and
 * then returns the exit code instead of inputs.
 */
export function readCommandArgs<T>(
  io: CliIo,
  spec: CommandArgsSpec,
  args: readonly string[],
  read: (parsed: ParsedArgs, logDir: string) => T,
): T | number {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(translateOriginalFlags(args, spec.originalFlags ?? [])),
      options: {
        ...spec.options,
        "log-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: spec.positionals,
    });
  } catch (err) {
    return usageFailure(io, spec.command, err);
  }
  if (parsed.values.help) {
    io.out(spec.help);
    return EXIT.OK;
  }
  try {
    const logDir = parsed.values["log-dir"];
    if (logDir === "") throw new UsageError("--log-dir: expected a directory, got an empty value");
    return read(parsed, typeof logDir === "string" ? logDir : DEFAULT_LOG_DIR);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, spec.command, err);
    throw err;
  }
}

/** A string option's value, or `undefined`. */
export function stringOption(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The one SESSION argument, validated; throws {@linkcode UsageError}. */
export function sessionArgument(positionals: readonly string[]): string {
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

/** What is at a log directory's path: a directory, nothing yet, or something unusable. */
export type LogDirState = "directory" | "missing" | { problem: string };

/** The OS's reason for a failed file operation, in a few words and without Deno's call details. */
function reason(err: unknown): string {
  // Deno refuses some paths (/proc, /dev, /sys) without --allow-all; a task user cannot add it.
  if (err instanceof Deno.errors.NotCapable) return "access is not permitted";
  const message = err instanceof Error ? err.message : String(err);
  // "Permission denied (os error 13): mkdir '/x'" -> "Permission denied"
  return message.replace(/\s*\(os error \d+\).*$/s, "");
}

/**
 * Look at a log directory without creating or reading anything in it.
 *
 * @example
 * ```ts
 * import { inspectLogDir } from "./arguments.ts";
 * console.log(await inspectLogDir("/etc/passwd")); // { problem: "/etc/passwd exists but is not a directory" }
 * ```
 */
export async function inspectLogDir(dir: string): Promise<LogDirState> {
  try {
    const info = await Deno.stat(dir);
    return info.isDirectory ? "directory" : { problem: `${dir} exists but is not a directory` };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "missing";
    return { problem: `cannot use ${dir}: ${reason(err)}` };
  }
}

/**
 * For the commands that read a log directory: report (exit 2) one that
 * exists but cannot be used, with what to pass instead. Returns its state,
 * or `null` once the problem was reported.
 */
export async function readableLogDir(
  io: CliIo,
  command: string,
  dir: string,
): Promise<"directory" | "missing" | null> {
  const state = await inspectLogDir(dir);
  if (typeof state === "string") return state;
  io.err(
    `peak-trade ${command}: ${state.problem}; pass the log root (the directory of ` +
      "<session>.jsonl files) with --log-dir\n",
  );
  return null;
}

/**
 * Make sure telemetry can be written under `dir`: create it (with parents) when
 * missing, check that it is a directory and that a file can be created in it.
 * Returns `null` when it can, or one line that says what is wrong.
 *
 * @example
 * ```ts
 * import { checkWritableLogDir } from "./arguments.ts";
 * const dir = await Deno.makeTempDir();
 * console.log(await checkWritableLogDir(`${dir}/execution`)); // null
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkWritableLogDir(dir: string): Promise<string | null> {
  const state = await inspectLogDir(dir);
  if (typeof state === "object") return state.problem;
  if (state === "missing") {
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (err) {
      return `cannot create ${dir}: ${reason(err)}`;
    }
  }
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".peak-trade-write-check-" });
    await Deno.remove(probe);
  } catch (err) {
    return `cannot write to ${dir}: ${reason(err)}`;
  }
  return null;
}
