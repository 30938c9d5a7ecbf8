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
}

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

/** The process's own streams and environment. */
export function processIo(): CliIo {
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  let lines: AsyncIterator<string> | null = null;
  return {
    out: (text) => writeAllSync(Deno.stdout, text),
    err: (text) => writeAllSync(Deno.stderr, text),
    color: Deno.stdout.isTerminal() && !noColor,
    env: (name) => Deno.env.get(name),
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
  options: { env?: Record<string, string>; color?: boolean; input?: string[] } = {},
): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  const input = [...(options.input ?? [])];
  return {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    color: options.color ?? false,
    env: (name) => options.env?.[name],
    readLine(prompt: string): Promise<string | null> {
      stdout += prompt;
      return Promise.resolve(input.length > 0 ? input.shift()! : null);
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/**
 * Make sure telemetry can be written under `dir`: create it (with parents) when
 * missing, check that it is a directory and that a file can be created in it.
 * Returns `null` when it can, or one line that says what is wrong.
 *
 * @example
 * ```ts
 * import { checkWritableLogDir } from "./cli/io.ts";
 * const dir = await Deno.makeTempDir();
 * console.log(await checkWritableLogDir(`${dir}/execution`)); // null
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkWritableLogDir(dir: string): Promise<string | null> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) return `${dir} exists but is not a directory`;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) return `cannot use ${dir}: ${reason(err)}`;
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (mkdirErr) {
      return `cannot create ${dir}: ${reason(mkdirErr)}`;
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

/** The OS's reason for a failed file operation, without Deno's call details. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // "Permission denied (os error 13): mkdir '/x'" -> "Permission denied"
  return message.replace(/\s*\(os error \d+\).*$/s, "");
}
