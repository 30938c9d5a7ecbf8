/**
 * What a CLI command needs from the process: output streams, whether colour
 * is wanted, and the environment. Commands take it as a parameter so tests can
 * run them in-process and read what they printed.
 *
 * @module
 */

/** Output and environment of one command run. */
export interface CliIo {
  /** Write to standard output (text as given; add your own newlines). */
  out(text: string): void;
  /** Write to standard error. */
  err(text: string): void;
  /** Whether stdout is a terminal that wants colour (a TTY and `NO_COLOR` unset). */
  color: boolean;
  /** Read an environment variable. */
  env(name: string): string | undefined;
  /** Read one line from standard input (for `--interactive`); `null` at end of input. */
  readLine(prompt: string): Promise<string | null>;
  /**
   * What the user typed before the command name, so that hints name a command
   * they can run: `"deno task"` (the tasks of deno.json say so), the name of a
   * compiled binary (`"peak-trade"`), or absent when unknown (hints then name
   * both forms).
   */
  program?: string;
}

/**
 * The environment variable that tells the CLI how it was started: the deno.json tasks set it to
 * `deno task`; a wrapper script may set its own name.
 */
export const PROGRAM_ENV = "PEAK_TRADE_PROGRAM";

/** Exit codes shared by every command. */
export const EXIT = Object.freeze({
  /** Success (or: order allowed). */
  OK: 0,
  /** Order blocked or failed. */
  BLOCKED: 1,
  /** An unexpected error (e.g. a log file that kept changing while it was read). */
  FATAL: 1,
  /** Usage, configuration or input error; unknown session. */
  USAGE: 2,
  /** More than 5 % of lines invalid (viewer). */
  DEGRADED: 3,
});

const encoder = new TextEncoder();

/** Write all of `bytes` to a Deno writer (writeSync may write only part). */
function writeAllSync(writer: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(writer.writeSync(bytes));
}

/** An environment variable, or `undefined` when unset or not readable (no prompt is raised). */
function grantedEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}

/**
 * How this process was started: the task's {@linkcode PROGRAM_ENV}, else the
 * name of a compiled binary (its executable is not `deno`), else unknown.
 */
function processProgram(): string | undefined {
  const declared = grantedEnv(PROGRAM_ENV)?.trim();
  if (declared) return declared;
  if (Deno.permissions.querySync({ name: "read" }).state !== "granted") return undefined;
  const executable = Deno.execPath().split(/[\\/]/).pop() ?? "";
  return /^deno(\.exe)?$/i.test(executable) ? undefined : executable.replace(/\.exe$/i, "");
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  const noColor = (grantedEnv("NO_COLOR") ?? "") !== "";
  let lines: AsyncIterator<string> | null = null;
  return {
    out: (text) => writeAllSync(Deno.stdout, text),
    err: (text) => writeAllSync(Deno.stderr, text),
    color: Deno.stdout.isTerminal() && !noColor,
    env: (name) => Deno.env.get(name),
    program: processProgram(),
    async readLine(prompt: string): Promise<string | null> {
      writeAllSync(Deno.stdout, prompt);
      lines ??= readStdinLines();
      const next = await lines.next();
      return next.done ? null : next.value;
    },
  };
}

async function* readStdinLines(): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) !== -1) {
      yield pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
    }
  }
  if (pending !== "") yield pending;
}

/** An in-memory `CliIo` for tests: collects output, answers prompts from `input`. */
export function memoryIo(
  options: { env?: Record<string, string>; color?: boolean; input?: string[]; program?: string } =
    {},
): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  const input = [...(options.input ?? [])];
  return {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    color: options.color ?? false,
    env: (name) => options.env?.[name],
    program: options.program,
    readLine(prompt: string): Promise<string | null> {
      stdout += prompt;
      return Promise.resolve(input.length > 0 ? input.shift()! : null);
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
