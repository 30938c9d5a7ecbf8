/**
 * The path operations the readers and writers use (`join`, `dirname`,
 * `basename`, `resolve`), without `node:path`: a module that imports any
 * `node:` specifier makes Deno load its Node.js compatibility layer, which
 * costs a command-line start several milliseconds. POSIX semantics, or
 * Windows semantics when Deno runs on Windows (`/` and `\` both separate,
 * drive letters and `\\server\share` roots, `\` in what is built). The
 * results are those of `node:path`'s `posix` and `win32` functions (the
 * tests compare them over many inputs), except that on Windows a path
 * relative to another drive (`D:logs`) resolves from that drive's root (not
 * from a directory remembered for that drive in the environment), and
 * reserved device names (`CON:`, `NUL:`) are not treated apart.
 *
 * @module
 */

/** The path operations of one operating system's path syntax. */
export interface PathFunctions {
  /** The parts joined with the separator, then normalized (`.` for nothing). */
  join(...parts: string[]): string;
  /** The directory part: everything before the last name (trailing separators ignored). */
  dirname(path: string): string;
  /** The last name (trailing separators ignored; `""` for a root). */
  basename(path: string): string;
  /** The absolute, normalized path the parts lead to from the current directory. */
  resolve(...parts: string[]): string;
}

/**
 * `segments` with `.` and empty ones dropped and each `..` taking away the
 * name before it. At the top, a `..` stays when `aboveTop` (a relative path
 * can climb above where it starts) and is dropped otherwise (a root has no
 * parent).
 */
function squash(segments: readonly string[], aboveTop: boolean): string[] {
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
    else if (segment !== ".." || aboveTop) kept.push(segment);
  }
  return kept;
}

/**
 * The end of the directory part of `path` when its root takes `rootLength`
 * characters: the separator that comes before its last name, or -1 when the
 * last name is all there is after the root. Trailing separators are skipped
 * first; the separators before the last name are not merged (`/a//b` ends
 * its directory part at the second one: `/a/`).
 */
function directoryEnd(path: string, rootLength: number, isSep: (c: string) => boolean): number {
  let i = path.length - 1;
  while (i >= rootLength && isSep(path[i])) i--;
  while (i >= rootLength && !isSep(path[i])) i--;
  return i >= rootLength ? i : -1;
}

/** The last name of `path` after its first `start` characters (a drive), trailing separators ignored. */
function lastName(path: string, start: number, isSep: (c: string) => boolean): string {
  let end = path.length;
  while (end > start && isSep(path[end - 1])) end--;
  let begin = end;
  while (begin > start && !isSep(path[begin - 1])) begin--;
  return path.slice(begin, end);
}

// POSIX

const isPosixSep = (c: string): boolean => c === "/";

function posixNormalize(path: string): string {
  if (path === "") return ".";
  const absolute = path[0] === "/";
  const body = squash(path.split("/"), !absolute).join("/");
  if (body === "") return absolute ? "/" : path.endsWith("/") ? "./" : ".";
  const trailing = path.endsWith("/") ? "/" : "";
  return `${absolute ? "/" : ""}${body}${trailing}`;
}

function posixFunctions(cwd: () => string): PathFunctions {
  return {
    join(...parts) {
      const given = parts.filter((part) => part !== "");
      return given.length === 0 ? "." : posixNormalize(given.join("/"));
    },
    dirname(path) {
      if (path === "") return ".";
      const absolute = path[0] === "/";
      // Index 0 is never the end: a leading separator is the root, kept whole.
      const end = directoryEnd(path, 1, isPosixSep);
      if (end === -1) return absolute ? "/" : ".";
      // "//a": the two leading separators are kept as written.
      return absolute && end === 1 ? "//" : path.slice(0, end);
    },
    basename(path) {
      return lastName(path, 0, isPosixSep);
    },
    resolve(...parts) {
      // From the last part back to the first absolute one; the current directory when none is.
      let joined = "";
      for (let i = parts.length - 1; i >= -1; i--) {
        const part = i >= 0 ? parts[i] : cwd();
        if (part === "") continue;
        joined = joined === "" ? part : `${part}/${joined}`;
        if (part[0] === "/") break;
      }
      return `/${squash(joined.split("/"), false).join("/")}`;
    },
  };
}

// Windows

const isWinSep = (c: string | undefined): boolean => c === "\\" || c === "/";
/** `\\server\share` (any mix of separators, more than one between the two names). */
const UNC_ROOT = /^[\\/]{2}[^\\/]+[\\/]+[^\\/]+/;
const DRIVE = /^[A-Za-z]:/;

/** A Windows path taken apart: its device (`C:`, `\\server\share` or none), whether it is rooted, the rest. */
interface WinRoot {
  device: string;
  absolute: boolean;
  rest: string;
}

function winRoot(path: string): WinRoot {
  const unc = UNC_ROOT.exec(path);
  if (unc !== null) {
    const [server, share] = unc[0].slice(2).split(/[\\/]+/);
    // `\\.\` and `\\?\` open the device namespace: what follows is a path, not a share.
    if (server === "." || server === "?") {
      return { device: `\\\\${server}`, absolute: true, rest: path.slice(4) };
    }
    return { device: `\\\\${server}\\${share}`, absolute: true, rest: path.slice(unc[0].length) };
  }
  if (DRIVE.test(path)) {
    const absolute = isWinSep(path[2]);
    return { device: path.slice(0, 2), absolute, rest: path.slice(absolute ? 3 : 2) };
  }
  if (isWinSep(path[0])) return { device: "", absolute: true, rest: path.slice(1) };
  return { device: "", absolute: false, rest: path };
}

function winNormalize(path: string): string {
  if (path === "") return ".";
  const { device, absolute, rest } = winRoot(path);
  let tail = squash(rest.split(/[\\/]/), !absolute).join("\\");
  if (tail === "" && !absolute) tail = ".";
  if (tail !== "" && isWinSep(rest[rest.length - 1])) tail += "\\";
  // A relative result Windows could read as a drive (`C:x`) or a stream (`a\b:`) is kept relative.
  if (!absolute && device === "" && path.includes(":")) {
    if (DRIVE.test(tail) || /:($|[\\/])/.test(path)) return `.\\${tail}`;
  }
  return `${device}${absolute ? "\\" : ""}${tail}`;
}

function windowsFunctions(cwd: () => string): PathFunctions {
  return {
    join(...parts) {
      const given = parts.filter((part) => part !== "");
      if (given.length === 0) return ".";
      let joined = given.join("\\");
      // Two separators start a UNC root only when the first part clearly means one (`\\server`);
      // otherwise the separators that lead the joined path are one, as in `\a`.
      if (!/^[\\/]{2}[^\\/]/.test(given[0])) joined = joined.replace(/^[\\/]{2,}/, "\\");
      return winNormalize(joined);
    },
    dirname(path) {
      if (path.length <= 1) return isWinSep(path) ? path : ".";
      let rootLength = 0;
      const unc = UNC_ROOT.exec(path);
      if (unc !== null) {
        if (unc[0].length === path.length) return path; // a UNC root alone is its own directory
        rootLength = unc[0].length + 1;
      } else if (DRIVE.test(path)) {
        rootLength = isWinSep(path[2]) ? 3 : 2;
      } else if (isWinSep(path[0])) {
        rootLength = 1;
      }
      const end = directoryEnd(path, rootLength, isWinSep);
      if (end !== -1) return path.slice(0, end);
      return rootLength === 0 ? "." : path.slice(0, rootLength);
    },
    basename(path) {
      return lastName(path, DRIVE.test(path) ? 2 : 0, isWinSep);
    },
    resolve(...parts) {
      let device = "";
      let tail = "";
      let absolute = false;
      for (let i = parts.length - 1; i >= -1; i--) {
        let part: string;
        if (i >= 0) {
          part = parts[i];
          if (part === "") continue;
        } else {
          part = cwd();
          // A path relative to another drive: from that drive's root.
          const own = winRoot(part).device;
          if (device !== "" && own.toLowerCase() !== device.toLowerCase()) part = `${device}\\`;
        }
        const root = winRoot(part);
        // A part on another device than the one already found does not lead there.
        if (root.device !== "" && device !== "") {
          if (root.device.toLowerCase() !== device.toLowerCase()) continue;
        }
        if (device === "") device = root.device;
        if (!absolute) {
          tail = `${root.rest}\\${tail}`;
          absolute = root.absolute;
        }
        if (absolute && device !== "") break;
      }
      const body = squash(tail.split(/[\\/]/), !absolute).join("\\");
      return absolute ? `${device}\\${body}` : `${device}${body}` || ".";
    },
  };
}

/**
 * The path operations of `os`'s syntax, resolving from `cwd` (a function, so
 * that the current directory is read only when a relative path needs it).
 *
 * @example
 * ```ts
 * import { pathFunctions } from "./paths.ts";
 * const windows = pathFunctions("windows", () => "C:\\work");
 * console.log(windows.join("C:/logs", "execution")); // C:\logs\execution
 * console.log(windows.resolve("logs")); // C:\work\logs
 * console.log(pathFunctions("posix").dirname("/var/log/peak/s.jsonl")); // /var/log/peak
 * ```
 */
export function pathFunctions(
  os: "posix" | "windows",
  cwd: () => string = () => Deno.cwd(),
): PathFunctions {
  return os === "windows" ? windowsFunctions(cwd) : posixFunctions(cwd);
}

const platform = pathFunctions(Deno.build.os === "windows" ? "windows" : "posix");

/**
 * The parts joined with the platform's separator and normalized: `.` and
 * empty parts dropped, `..` applied; `.` when nothing is left.
 *
 * @example
 * ```ts
 * import { join } from "./paths.ts";
 * console.log(join("logs/execution", "segments", "../paper-1.jsonl")); // logs/execution/paper-1.jsonl (POSIX)
 * ```
 */
export const join: (...parts: string[]) => string = platform.join;

/**
 * The directory part of `path`: what comes before its last name (trailing
 * separators ignored); `.` for a bare name, the root for a name in the root.
 *
 * @example
 * ```ts
 * import { dirname } from "./paths.ts";
 * console.log(dirname("logs/execution/paper-1.jsonl"), dirname("paper-1.jsonl")); // logs/execution .
 * ```
 */
export const dirname: (path: string) => string = platform.dirname;

/**
 * The last name of `path` (trailing separators ignored; `""` for a root).
 *
 * @example
 * ```ts
 * import { basename } from "./paths.ts";
 * console.log(basename("logs/execution/paper-1.jsonl")); // paper-1.jsonl
 * ```
 */
export const basename: (path: string) => string = platform.basename;

/**
 * The absolute, normalized path that `parts` lead to: each later absolute
 * part starts again; the current directory comes first when none is absolute
 * (reading it needs `--allow-read`).
 *
 * @example
 * ```ts
 * import { resolve } from "./paths.ts";
 * console.log(resolve("/var/log", "peak", "./execution/")); // /var/log/peak/execution (POSIX)
 * console.log(resolve("logs") === `${Deno.cwd()}/logs`); // true (POSIX)
 * ```
 */
export const resolve: (...parts: string[]) => string = platform.resolve;
