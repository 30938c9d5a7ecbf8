/**
 * Which directories the operations commands refuse as a log root before
 * writing state into it (`.health/`, `.alerts/`): not the file-system root,
 * a system directory or a home directory itself (a real path check, not the
 * original's substring test). A missing root is reported, never created.
 *
 * @module
 */
import { resolve } from "node:path";

/** Directories that are never a log root (their subdirectories may be). */
const SYSTEM_DIRS = new Set([
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib64",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/tmp",
  "/usr",
  "/var",
  "/var/log",
  "/var/tmp",
  "/Users",
  "/System",
  "/Library",
  "/Applications",
]);

/**
 * Why `root` cannot be a log root, or `null` when it can: it must be an
 * existing directory (links to one are resolved first; `allowMissing` lets a
 * root that does not exist yet pass, for commands that only read) that is
 * not `/`, a system directory or the user's home directory.
 *
 * @example
 * ```ts
 * import { refusedRootReason } from "./root_guard.ts";
 * console.log(refusedRootReason("/etc")); // "/etc is a system directory, not a log root: pass the directory that holds the session files"
 * ```
 */
export function refusedRootReason(
  root: string,
  home: string | undefined = Deno.env.get("HOME"),
  allowMissing = false,
): string | null {
  let real: string;
  try {
    real = Deno.realPathSync(root);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      if (allowMissing) return null;
      return `${root} does not exist: pass the log root that holds the session files ` +
        "(a writer creates it with its first session)";
    }
    return `cannot use ${root}: ${err instanceof Error ? err.message : String(err)}`;
  }
  try {
    if (!Deno.statSync(real).isDirectory) return `${root} is not a directory`;
  } catch (err) {
    return `cannot use ${root}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const normal = resolve(real);
  if (SYSTEM_DIRS.has(normal)) {
    return `${root} is a system directory, not a log root: pass the directory that holds the session files`;
  }
  if (home !== undefined && home !== "" && normal === resolve(home)) {
    return `${root} is the home directory, not a log root: pass the directory that holds the session files`;
  }
  return null;
}
