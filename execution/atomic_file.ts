/**
 * Replacing a small file atomically and durably: the new content goes to a
 * temporary file beside it, is fsynced, renamed over the file, and the
 * directory is fsynced, so a crash or power loss leaves the old content or
 * the new, never a mix. Manifests, shipping checkpoints, alert state and the
 * retention marker are all written this way.
 *
 * @module
 */
import { dirname, join } from "./paths.ts";

const encoder = new TextEncoder();

/**
 * Options of {@linkcode writeFileAtomicSync} and {@linkcode writeFileAtomic}.
 *
 * @example
 * ```ts
 * import type { AtomicWriteOptions } from "@peak-trade/execution";
 * const options: AtomicWriteOptions = { temporaryName: (name) => `.${name}.tmp` };
 * ```
 */
export interface AtomicWriteOptions {
  /**
   * The temporary file's name for the file's `name` (it must end in `.tmp`,
   * which repairs remove).
   * @default {(name) => `${name}.<uuid>.tmp`}
   */
  temporaryName?: (name: string) => string;
  /** Runs after the temporary file is durable, just before the rename (crash-safety tests). */
  beforeRename?: () => void;
}

function temporaryPath(path: string, options: AtomicWriteOptions): string {
  const name = path.slice(dirname(path).length + 1);
  const temporary = options.temporaryName?.(name) ?? `${name}.${crypto.randomUUID()}.tmp`;
  return join(dirname(path), temporary);
}

/**
 * fsync a directory so a rename in it survives a power loss (best effort
 * where a directory cannot be opened or synced; the rename itself is atomic).
 *
 * @example
 * ```ts
 * import { syncDirectory } from "@peak-trade/execution";
 * await Deno.mkdir("logs/execution", { recursive: true });
 * syncDirectory("logs/execution");
 * ```
 */
export function syncDirectory(dir: string): void {
  try {
    const handle = Deno.openSync(dir, { read: true });
    try {
      handle.syncSync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  }
}

/**
 * Write `content` to `path` atomically and durably: a temporary file beside
 * it, fsync, rename, fsync of the directory (created with its parents when
 * missing).
 *
 * @example
 * ```ts
 * import { writeFileAtomicSync } from "@peak-trade/execution";
 * await Deno.mkdir("logs/execution", { recursive: true });
 * writeFileAtomicSync("logs/execution/example.json", "{}\n");
 * ```
 */
export function writeFileAtomicSync(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const dir = dirname(path);
  Deno.mkdirSync(dir, { recursive: true });
  const temporary = temporaryPath(path, options);
  const bytes = typeof content === "string" ? encoder.encode(content) : content;
  try {
    const file = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o644 });
    try {
      for (let written = 0; written < bytes.length;) {
        written += file.writeSync(bytes.subarray(written));
      }
      file.syncSync();
    } finally {
      file.close();
    }
    options.beforeRename?.();
    Deno.renameSync(temporary, path);
  } catch (err) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  syncDirectory(dir);
}

/**
 * {@linkcode writeFileAtomicSync}, without blocking the event loop on the
 * writes and the fsync.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@peak-trade/execution";
 * await Deno.mkdir("logs/execution", { recursive: true });
 * await writeFileAtomic("logs/execution/example.json", "{}\n");
 * ```
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temporary = temporaryPath(path, options);
  const bytes = typeof content === "string" ? encoder.encode(content) : content;
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true, mode: 0o644 });
    try {
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    options.beforeRename?.();
    await Deno.rename(temporary, path);
  } catch (err) {
    await Deno.remove(temporary).catch(() => {});
    throw err;
  }
  await syncDirectoryAsync(dir);
}

/** {@linkcode syncDirectory} without blocking the event loop while the disk works. */
async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  }
}
