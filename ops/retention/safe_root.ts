/**
 * Which directories retention may work in. The log root is resolved to its
 * real path (every symbolic link in it followed once, here, and never again),
 * and refused when it is `/`, a system directory, the home directory, or an
 * ancestor of any of them; directories are compared component by component,
 * never as substrings. Everything retention touches afterwards is a path
 * inside that real root.
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
 * A log root retention refuses to work in, or that is not a directory. The
 * message says which rule and what to pass instead.
 *
 * @example
 * ```ts
 * import { resolveRetentionRoot, UnsafeRetentionRootError } from "@peak-trade/execution";
 * try {
 *   await resolveRetentionRoot("/");
 * } catch (err) {
 *   console.log(err instanceof UnsafeRetentionRootError); // true
 * }
 * ```
 */
export class UnsafeRetentionRootError extends Error {
  /** The root as given. */
  readonly root: string;

  /** `why` says which rule refused `root`. */
  constructor(root: string, why: string) {
    super(
      `refusing to run retention on ${JSON.stringify(root)}: ${why}; ` +
        "pass the directory that holds the session logs (for example logs/execution)",
    );
    this.name = "UnsafeRetentionRootError";
    this.root = root;
  }
}

/**
 * A log root that passed the checks.
 *
 * @example
 * ```ts
 * import { resolveRetentionRoot, type RetentionRoot } from "@peak-trade/execution";
 * const root: RetentionRoot = await resolveRetentionRoot("logs/execution");
 * console.log(root.realPath.startsWith("/"), root.exists);
 * ```
 */
export interface RetentionRoot {
  /** The root as given. */
  path: string;
  /** Its absolute real path (no symbolic link in it); what retention works in. */
  realPath: string;
  /** Whether it exists (a missing root holds no logs: nothing to do). */
  exists: boolean;
}

/**
 * Options of {@linkcode resolveRetentionRoot}.
 *
 * @example
 * ```ts
 * import type { ResolveRetentionRootOptions } from "@peak-trade/execution";
 * const options: ResolveRetentionRootOptions = { home: "/home/trader" };
 * ```
 */
export interface ResolveRetentionRootOptions {
  /**
   * The home directory, refused as a root (and so are its ancestors); `null`
   * skips that check.
   * @default {the `HOME` environment variable, when readable}
   */
  home?: string | null;
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
async function realOrSelf(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return path;
  }
}

/**
 * The real path of `path`, also when it does not exist yet: the nearest
 * existing ancestor is resolved and the missing components appended.
 */
async function realPathOfMaybeMissing(path: string): Promise<{ real: string; exists: boolean }> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await Deno.realPath(current);
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

/**
 * Resolve and check a log root for retention. Throws
 * {@linkcode UnsafeRetentionRootError} when it resolves to `/`, to a system
 * directory (`/etc`, `/usr`, `/proc`, … and anything inside them), to a shared
 * directory itself (`/home`, `/var`, `/var/log`, `/tmp`, …), to the home
 * directory, or to an ancestor of any of these; or when it exists and is not a
 * directory. A root that does not exist is returned with `exists: false`
 * (after the same checks).
 *
 * @example
 * ```ts
 * import { resolveRetentionRoot } from "@peak-trade/execution";
 * const root = await resolveRetentionRoot("logs/execution");
 * console.log(root.realPath);
 * ```
 */
export async function resolveRetentionRoot(
  path: string,
  options: ResolveRetentionRootOptions = {},
): Promise<RetentionRoot> {
  if (path === "") throw new UnsafeRetentionRootError(path, "the log root is empty");
  if (path.includes("\0")) throw new UnsafeRetentionRootError(path, "the path holds a NUL byte");
  const absolute = isAbsolute(path) ? normalize(path) : resolve(path);
  let resolved: { real: string; exists: boolean };
  try {
    resolved = await realPathOfMaybeMissing(absolute);
  } catch (err) {
    throw new UnsafeRetentionRootError(
      path,
      `cannot resolve it (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const real = resolved.real;
  if (components(real).length === 0) {
    throw new UnsafeRetentionRootError(path, `${real} is the root of the file system`);
  }
  for (const tree of SYSTEM_TREES) {
    for (const candidate of new Set([tree, await realOrSelf(tree)])) {
      if (isSameOrInside(candidate, real)) {
        throw new UnsafeRetentionRootError(
          path,
          `${real} is inside the system directory ${candidate}`,
        );
      }
      if (isSameOrInside(real, candidate)) {
        throw new UnsafeRetentionRootError(
          path,
          `${real} contains the system directory ${candidate}`,
        );
      }
    }
  }
  for (const shared of SHARED_DIRS) {
    for (const candidate of new Set([shared, await realOrSelf(shared)])) {
      if (isSameOrInside(real, candidate)) {
        throw new UnsafeRetentionRootError(
          path,
          real === candidate
            ? `${real} is a shared system directory`
            : `${real} contains the shared directory ${candidate}`,
        );
      }
    }
  }
  const home = options.home === undefined ? defaultHome() : options.home;
  if (home !== null && home !== "") {
    const realHome = await realOrSelf(resolve(home));
    if (isSameOrInside(real, realHome)) {
      throw new UnsafeRetentionRootError(
        path,
        real === realHome ? `${real} is the home directory` : `${real} contains the home directory`,
      );
    }
  }
  if (resolved.exists) {
    const info = await Deno.lstat(real);
    if (!info.isDirectory) throw new UnsafeRetentionRootError(path, `${real} is not a directory`);
  }
  return { path, realPath: real, exists: resolved.exists };
}
