/**
 * The small JSON-lines files the operations state lives in (health
 * snapshots, alert state, acks and snoozes, the notification outbox and the
 * alert history): read tolerantly (a corrupt line is skipped and counted,
 * never aborts the load), appended one whole line per write, and rewritten
 * atomically (a temporary file in the same directory, fsync, rename, fsync
 * of the directory), so a crash leaves the old file or the new one. Links
 * are refused: a state file or directory that is a symbolic link could point
 * anywhere.
 *
 * @module
 */
import { writeFileAtomic } from "../execution/atomic_file.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";

/** Largest state file read (far beyond 14 days of notifications or 90 days of snapshots). */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const encoder = new TextEncoder();

/**
 * What a tolerant read found.
 *
 * @example
 * ```ts
 * import type { JsonlRead } from "./jsonl_file.ts";
 * const read: JsonlRead = { records: [{ a: 1 }], corrupt: 1, missing: false };
 * ```
 */
export interface JsonlRead {
  /** Every line that parsed as a JSON object, in file order. */
  records: Record<string, unknown>[];
  /** Lines that did not (not JSON, not an object, or a torn last line). Blank lines are not counted. */
  corrupt: number;
  /** Whether the file does not exist. */
  missing: boolean;
}

/**
 * A state path that cannot be used (a link, not a regular file, too large).
 *
 * @example
 * ```ts
 * import { StateFileError } from "./jsonl_file.ts";
 * console.log(new StateFileError("x is a symbolic link").name); // "StateFileError"
 * ```
 */
export class StateFileError extends Error {
  /** `message` says which path and what is wrong with it. */
  constructor(message: string) {
    super(message);
    this.name = "StateFileError";
  }
}

/**
 * Read a JSON-lines file tolerantly. A missing file reads as empty.
 *
 * @example
 * ```ts
 * import { readJsonl } from "./jsonl_file.ts";
 * const { records, corrupt } = await readJsonl("logs/execution/.alerts/history.jsonl");
 * console.log(records.length, corrupt);
 * ```
 */
export async function readJsonl(path: string): Promise<JsonlRead> {
  const text = await readStateText(path);
  return text === null ? { records: [], corrupt: 0, missing: true } : parseJsonl(text);
}

/**
 * The text of a state file; `null` when it is missing. A link, a directory or
 * a file over {@linkcode MAX_READ_BYTES} is a {@linkcode StateFileError}.
 */
async function readStateText(path: string): Promise<string | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (!info.isFile) {
    throw new StateFileError(`${path} is not a regular file (a link or a directory)`);
  }
  if (info.size > MAX_READ_BYTES) {
    throw new StateFileError(`${path} is larger than ${MAX_READ_BYTES} bytes; move it aside`);
  }
  try {
    return new TextDecoder().decode(await Deno.readFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Parse JSON-lines text tolerantly (see {@linkcode readJsonl}).
 *
 * @example
 * ```ts
 * import { parseJsonl } from "./jsonl_file.ts";
 * console.log(parseJsonl('{"a":1}\n\nnot json\n[1]\n')); // { records: [{ a: 1 }], corrupt: 2, missing: false }
 * ```
 */
export function parseJsonl(text: string): JsonlRead {
  const records: Record<string, unknown>[] = [];
  let corrupt = 0;
  const lines = text.split("\n");
  // Text after the last newline is a torn write (every write ends its line).
  const torn = lines.pop() ?? "";
  if (torn.trim() !== "") corrupt++;
  for (const line of lines) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      corrupt++;
      continue;
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      records.push(value as Record<string, unknown>);
    } else corrupt++;
  }
  return { records, corrupt, missing: false };
}

/**
 * Create `dir` (with parents) when missing; refuse it when it is a link or
 * not a directory.
 *
 * @example
 * ```ts
 * import { ensureStateDir } from "./jsonl_file.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureStateDir(`${dir}/.alerts`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureStateDir(dir: string): Promise<void> {
  try {
    const info = await Deno.lstat(dir);
    if (info.isDirectory) return;
    throw new StateFileError(`${dir} is not a directory (a link or a file); remove it`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
}

async function refuseLink(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile) throw new StateFileError(`${path} is not a regular file (a link?)`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Append `records` as lines with one write (whole lines only, so a reader
 * never sees half of one unless the process dies inside the write).
 *
 * @example
 * ```ts
 * import { appendJsonl } from "./jsonl_file.ts";
 * const dir = await Deno.makeTempDir();
 * await appendJsonl(`${dir}/history.jsonl`, [{ a: 1 }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendJsonl(path: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  await refuseLink(path);
  const bytes = encoder.encode(records.map((r) => JSON.stringify(r) + "\n").join(""));
  const file = await Deno.open(path, { append: true, create: true, mode: 0o644 });
  try {
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
  } finally {
    file.close();
  }
}

/**
 * Replace the file at `path` with `records` as lines, atomically.
 *
 * @example
 * ```ts
 * import { rewriteJsonl } from "./jsonl_file.ts";
 * const dir = await Deno.makeTempDir();
 * await rewriteJsonl(`${dir}/state.jsonl`, [{ a: 1 }, { b: 2 }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function rewriteJsonl(path: string, records: readonly unknown[]): Promise<void> {
  await rewriteLines(path, records.map((r) => JSON.stringify(r)));
}

/**
 * Replace the file at `path` with `lines` (each without its newline), atomically.
 *
 * @example
 * ```ts
 * import { rewriteLines } from "./jsonl_file.ts";
 * const dir = await Deno.makeTempDir();
 * await rewriteLines(`${dir}/x.jsonl`, ['{"a":1}']);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function rewriteLines(path: string, lines: readonly string[]): Promise<void> {
  await refuseLink(path);
  await writeFileAtomic(path, lines.map((l) => l + "\n").join(""), {
    temporaryName: () => `.${crypto.randomUUID()}.tmp`,
  });
}

/**
 * Drop the lines of a JSONL file whose timestamp field `field` is before
 * `cutoffMicros` (epoch µs), keeping every other line (blank lines go);
 * returns how many were dropped. A missing file drops nothing; the file is
 * rewritten atomically only when a line was dropped.
 *
 * @example
 * ```ts
 * import { pruneLinesBefore } from "./jsonl_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/h.jsonl`, '{"at":"2020-01-01T00:00:00+00:00"}\n');
 * console.log(await pruneLinesBefore(`${dir}/h.jsonl`, "at", Date.now() * 1000)); // 1
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pruneLinesBefore(
  path: string,
  field: string,
  cutoffMicros: number,
): Promise<number> {
  const text = await readStateText(path);
  if (text === null) return 0;
  const kept: string[] = [];
  let removed = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let micros: number | null = null;
    try {
      const value = JSON.parse(line);
      micros = typeof value?.[field] === "string" ? parseTimestampMicros(value[field]) : null;
    } catch {
      micros = null;
    }
    if (micros !== null && micros < cutoffMicros) removed++;
    else kept.push(line);
  }
  if (removed > 0) await rewriteLines(path, kept);
  return removed;
}
