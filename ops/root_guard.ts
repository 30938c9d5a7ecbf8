/**
 * Which directories may be a log root that commands write into or delete
 * from (retention, the health snapshots, the alert state). The root is
 * resolved to its real path (every symbolic link in it followed once, here,
 * and never again) and refused when it is `/`, a system directory or inside
 * one, a shared directory itself (`/var/log`, `/tmp`, …), the home
 * directory, or an ancestor of any of these. Directories are compared
 * component by component, never as substrings (the original's test let
 * `/etc/logs` through because it contains "log").
 *
 * One check for every command: `retention` (through `resolveLogRoot`), and
 * `health`, `alerts` and the dashboard's schedules (through
 * `refusedRootReason`).
 *
 * @module
 */
import { dirname, isAbsolute, join, normalize, resolve, sep } from "node:path";

/**
 * Trees that hold the system itself (or pseudo file systems): refused, and so
 * is every directory inside them.
 */
const SYSTEM_TREES: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/sbin",
  "/sys",
  "/usr",
  "/System",
  "/Library",
  "/Applications",
  "/private/etc",
];

/**
 * Shared directories: refused themselves (and so are their ancestors), while
 * a directory of one's own inside them (`/var/log/peak/execution`) is fine.
 */
const SHARED_DIRS: readonly string[] = [
  "/",
  "/home",
  "/root",
  "/run",
  "/var",
  "/var/log",
  "/var/lib",
  "/var/cache",
  "/var/tmp",
  "/tmp",
  "/opt",
  "/srv",
  "/mnt",
  "/media",
  "/Users",
  "/Volumes",
  "/private",
  "/private/var",
  "/private/tmp",
];

/**
 * A log root that must not be worked in, or that is not a directory. The
 * message says which rule refused it and what to pass instead.
 *
 * @example
 * ```ts
 * import { resolveLogRoot, UnsafeLogRootError } from "@peak-trade/execution";
 * try {
 *   resolveLogRoot("/", { purpose: "run retention on" });
 * } catch (err) {
 *   console.log(err instanceof UnsafeLogRootError); // true
 *   console.log((err as UnsafeLogRootError).reason); // "/ is the root of the file system"
 * }
 * ```
 */
export class UnsafeLogRootError extends Error {
  /** The root as given. */
  readonly root: string;
  /** Which rule refused it, in one clause (`/etc is inside the system directory /etc`). */
  readonly reason: string;

  /** `why` says which rule refused `root`; `purpose` what was refused (`run retention on`). */
  constructor(root: string, why: string, purpose = "use as a log root") {
    super(
      `refusing to ${purpose} ${JSON.stringify(root)}: ${why}; ` +
        "pass the directory that holds the session logs (for example logs/execution)",
    );
    this.name = "UnsafeLogRootError";
    this.root = root;
    this.reason = why;
  }
}

/**
 * A log root that passed the checks.
 *
 * @example
 * ```ts
 * import { type LogRoot, resolveLogRoot } from "@peak-trade/execution";
 * const root: LogRoot = resolveLogRoot("logs/execution");
 * console.log(root.realPath.startsWith("/"), root.exists);
 * ```
 */
export interface LogRoot {
  /** The root as given. */
  path: string;
  /** Its absolute real path (no symbolic link in it); what the caller works in. */
  realPath: string;
  /** Whether it exists (a missing root holds no logs). */
  exists: boolean;
}

/**
 * Options of {@linkcode resolveLogRoot}.
 *
 * @example
 * ```ts
 * import type { ResolveLogRootOptions } from "@peak-trade/execution";
 * const options: ResolveLogRootOptions = { home: "/home/trader", purpose: "run retention on" };
 * ```
 */
export interface ResolveLogRootOptions {
  /**
   * The home directory, refused as a root (and so are its ancestors); `null`
   * skips that check.
   * @default {the `HOME` environment variable, when readable}
   */
  home?: string | null;
  /**
   * What the caller refuses to do, for the message (`refusing to <purpose> "<root>"`).
   * @default {"use as a log root"}
   */
  purpose?: string;
}

/**
 * Whether `child` is `parent` or inside it, comparing normalised absolute
 * paths component by component (`/var/log2` is not inside `/var/log`).
 *
 * @example
 * ```ts
 * import { isSameOrInside } from "@peak-trade/execution";
 * console.log(isSameOrInside("/var/log", "/var/log/peak")); // true
 * console.log(isSameOrInside("/var/log", "/var/log2")); // false
 * ```
 */
export function isSameOrInside(parent: string, child: string): boolean {
  const p = components(parent);
  const c = components(child);
  return p.length <= c.length && p.every((part, i) => part === c[i]);
}

function components(path: string): string[] {
  return normalize(resolve(path)).split(sep).filter((part) => part !== "");
}

/** The real path of `path` when it exists, else `path` itself. */
function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * The real path of `path`, also when it does not exist yet: the nearest
 * existing ancestor is resolved and the missing components appended.
 */
function realPathOfMaybeMissing(path: string): { real: string; exists: boolean } {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = Deno.realPathSync(current);
      return {
        real: missing.length === 0 ? real : join(real, ...missing.reverse()),
        exists: missing.length === 0,
      };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      const parent = dirname(current);
      if (parent === current) throw err;
      missing.push(current.slice(parent === sep ? 1 : parent.length + 1));
      current = parent;
    }
  }
}

function defaultHome(): string | null {
  try {
    return Deno.env.get("HOME") ?? null;
  } catch {
    return null; // no --allow-env: the home check is skipped, the other checks still apply
  }
}

/** Why the real path `real` may not be a log root, or `null`. */
function unsafeReason(real: string, home: string | null): string | null {
  if (components(real).length === 0) return `${real} is the root of the file system`;
  for (const tree of SYSTEM_TREES) {
    for (const candidate of new Set([tree, realOrSelf(tree)])) {
      if (isSameOrInside(candidate, real)) {
        return `${real} is inside the system directory ${candidate}`;
      }
      if (isSameOrInside(real, candidate)) {
        return `${real} contains the system directory ${candidate}`;
      }
    }
  }
  for (const shared of SHARED_DIRS) {
    for (const candidate of new Set([shared, realOrSelf(shared)])) {
      if (isSameOrInside(real, candidate)) {
        return real === candidate
          ? `${real} is a shared system directory`
          : `${real} contains the shared directory ${candidate}`;
      }
    }
  }
  if (home !== null && home !== "") {
    const realHome = realOrSelf(resolve(home));
    if (isSameOrInside(real, realHome)) {
      return real === realHome
        ? `${real} is the home directory`
        : `${real} contains the home directory`;
    }
  }
  return null;
}

/**
 * Resolve and check a log root. Throws {@linkcode UnsafeLogRootError} when
 * it resolves to `/`, to a system directory (`/etc`, `/usr`, `/proc`, … and
 * anything inside them), to a shared directory itself (`/home`, `/var`,
 * `/var/log`, `/tmp`, …), to the home directory, or to an ancestor of any of
 * these; or when it exists and is not a directory. A root that does not
 * exist is returned with `exists: false` (after the same checks).
 *
 * @example
 * ```ts
 * import { resolveLogRoot } from "@peak-trade/execution";
 * const root = resolveLogRoot("logs/execution");
 * console.log(root.realPath);
 * ```
 */
export function resolveLogRoot(path: string, options: ResolveLogRootOptions = {}): LogRoot {
  const refuse = (why: string) => new UnsafeLogRootError(path, why, options.purpose);
  if (path === "") throw refuse("the log root is empty");
  if (path.includes("\0")) throw refuse("the path holds a NUL byte");
  const absolute = isAbsolute(path) ? normalize(path) : resolve(path);
  let resolved: { real: string; exists: boolean };
  try {
    resolved = realPathOfMaybeMissing(absolute);
  } catch (err) {
    throw refuse(`cannot resolve it (${err instanceof Error ? err.message : String(err)})`);
  }
  const why = unsafeReason(
    resolved.real,
    options.home === undefined ? defaultHome() : options.home,
  );
  if (why !== null) throw refuse(why);
  if (resolved.exists && !Deno.lstatSync(resolved.real).isDirectory) {
    throw refuse(`${resolved.real} is not a directory`);
  }
  return { path, realPath: resolved.real, exists: resolved.exists };
}

/**
 * Why `root` cannot be a log root the operations commands write state into,
 * or `null` when it can: the checks of {@linkcode resolveLogRoot}, and it
 * must exist unless `allowMissing` (for commands that only read).
 *
 * @example
 * ```ts
 * import { refusedRootReason } from "./root_guard.ts";
 * console.log(refusedRootReason("/etc", undefined, true));
 * // "/etc is inside the system directory /etc, not a log root: pass the directory that holds the session files"
 * ```
 */
export function refusedRootReason(
  root: string,
  home: string | undefined = defaultHome() ?? undefined,
  allowMissing = false,
): string | null {
  let resolved: LogRoot;
  try {
    resolved = resolveLogRoot(root, { home: home ?? null });
  } catch (err) {
    if (!(err instanceof UnsafeLogRootError)) {
      return `cannot use ${root}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return `${err.reason}, not a log root: pass the directory that holds the session files`;
  }
  if (!resolved.exists && !allowMissing) {
    return `${root} does not exist: pass the log root that holds the session files ` +
      "(a writer creates it with its first session)";
  }
  return null;
}
