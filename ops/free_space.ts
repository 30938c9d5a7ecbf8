/**
 * Free space of the volume that holds a directory. Deno 2.9 has no
 * `Deno.statfs`; its Node compatibility layer has `statfs` (the statvfs
 * system call, needing `--allow-sys=statfs`), so that is asked first. Where
 * it is not allowed, `df -P -k <dir>` (POSIX output, 1024-byte blocks) runs
 * as a subprocess with a timeout (needing `--allow-run=df`). `/proc` has no
 * per-volume free space, so it is no help. With neither, the space is unknown.
 *
 * @module
 */
import { statfs } from "node:fs/promises";

/**
 * The free space of a volume, and how it was measured.
 *
 * @example
 * ```ts
 * import type { FreeSpace } from "./free_space.ts";
 * const space: FreeSpace = { total_bytes: 100, avail_bytes: 25, source: "statfs" };
 * ```
 */
export interface FreeSpace {
  /** Size of the volume in bytes. */
  total_bytes: number;
  /** Bytes an unprivileged writer can still use (`f_bavail`, df's "Available"). */
  avail_bytes: number;
  /** `statfs` (the system call) or `df` (the subprocess). */
  source: "statfs" | "df";
}

/**
 * The outcome of a measurement: the space, or why it is unknown.
 *
 * @example
 * ```ts
 * import type { FreeSpaceResult } from "./free_space.ts";
 * const result: FreeSpaceResult = { space: null, problem: "no permission" };
 * ```
 */
export interface FreeSpaceResult {
  /** The space, or `null` when it could not be measured. */
  space: FreeSpace | null;
  /** Why not, or `null`. */
  problem: string | null;
}

/** How long `df` may take (a hung network mount must not hang the health check). */
const DF_TIMEOUT_MS = 5_000;

async function viaStatfs(dir: string): Promise<FreeSpace> {
  const s = await statfs(dir);
  return { total_bytes: s.blocks * s.bsize, avail_bytes: s.bavail * s.bsize, source: "statfs" };
}

/**
 * Parse `df -P -k` output: a header, then `Filesystem 1024-blocks Used
 * Available Capacity Mounted-on` (the file system name may hold spaces, so
 * fields are taken from the right).
 *
 * @example
 * ```ts
 * import { parseDfOutput } from "./free_space.ts";
 * const out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 1000 400 600 40% /\n";
 * console.log(parseDfOutput(out)); // { total_bytes: 1024000, avail_bytes: 614400, source: "df" }
 * ```
 */
export function parseDfOutput(text: string): FreeSpace | null {
  const lines = text.trim().split("\n");
  if (lines.length < 2) return null;
  // The data may wrap onto several lines on some systems; join everything after the header.
  const fields = lines.slice(1).join(" ").trim().split(/\s+/);
  const capacity = fields.findIndex((f, i) => i >= 4 && /^\d+%$/.test(f));
  if (capacity < 3) return null;
  const blocks = Number(fields[capacity - 3]);
  const available = Number(fields[capacity - 1]);
  if (!Number.isSafeInteger(blocks) || !Number.isSafeInteger(available)) return null;
  return { total_bytes: blocks * 1024, avail_bytes: available * 1024, source: "df" };
}

async function viaDf(dir: string): Promise<FreeSpace> {
  const output = await new Deno.Command("df", {
    args: ["-P", "-k", "--", dir],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(DF_TIMEOUT_MS),
  }).output();
  if (!output.success) {
    throw new Error(`df exited with ${output.code}: ${new TextDecoder().decode(output.stderr)}`);
  }
  const parsed = parseDfOutput(new TextDecoder().decode(output.stdout));
  if (parsed === null) throw new Error("df printed something unexpected");
  return parsed;
}

function short(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].slice(0, 200);
}

/**
 * Measure the free space of the volume holding `dir`: `statfs` first, then
 * `df`; `space: null` with the reasons when neither works (no permission,
 * no `df`, a timeout).
 *
 * @example
 * ```ts
 * import { measureFreeSpace } from "./free_space.ts";
 * const { space, problem } = await measureFreeSpace(".");
 * console.log(space?.avail_bytes ?? problem);
 * ```
 */
export async function measureFreeSpace(dir: string): Promise<FreeSpaceResult> {
  const problems: string[] = [];
  // Ask for permissions without prompting: a health check on a terminal must not stop for input.
  if (granted({ name: "sys", kind: "statfs" })) {
    try {
      return { space: await viaStatfs(dir), problem: null };
    } catch (err) {
      problems.push(`statfs: ${short(err)}`);
    }
  } else problems.push("statfs: not allowed (grant --allow-sys=statfs)");
  if (granted({ name: "run", command: "df" })) {
    try {
      return { space: await viaDf(dir), problem: null };
    } catch (err) {
      problems.push(`df: ${short(err)}`);
    }
  } else problems.push("df: not allowed (grant --allow-run=df)");
  return { space: null, problem: problems.join("; ") };
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}
