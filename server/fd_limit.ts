/**
 * The process's file-descriptor budget, from which the default connection
 * limit is derived: each client connection the guard forwards costs three
 * descriptors (the client socket, and both ends of the socket to the HTTP
 * server behind it), and requests open session files and watchers besides.
 * A limit that fits the budget lets the server refuse connections politely
 * instead of failing to open a file. Linux reports the limit in `/proc`;
 * elsewhere (or without read permission) a common soft limit is assumed.
 *
 * @module
 */

/** The soft limit assumed when the system does not say (the usual Linux and macOS default). */
const ASSUMED_LIMIT = 1024;
/** Descriptors kept for session files, watchers, the island build and the runtime's own. */
const HEADROOM = 64;
/** Descriptors one forwarded connection may use: three sockets and, say, one open file. */
const PER_CONNECTION = 4;

/**
 * The soft limit on open files of this process, or `null` when unknown.
 *
 * @example
 * ```ts
 * import { openFileLimit } from "./fd_limit.ts";
 * console.log(openFileLimit()); // e.g. 1024
 * ```
 */
export function openFileLimit(): number | null {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft === undefined) return null;
    return soft === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    return null;
  }
}

/**
 * The number of files this process has open now, or `null` when unknown.
 *
 * @example
 * ```ts
 * import { openFileCount } from "./fd_limit.ts";
 * console.log(openFileCount()); // e.g. 12
 * ```
 */
export function openFileCount(): number | null {
  try {
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    return count;
  } catch {
    return null;
  }
}

/**
 * The default maximum of concurrent client connections: what the
 * file-descriptor budget left after the files open now and some headroom
 * allows, between 16 and 1024.
 *
 * @example
 * ```ts
 * import { defaultMaxConnections } from "./fd_limit.ts";
 * console.log(defaultMaxConnections()); // 1024 with a soft limit of 4,200 or more
 * ```
 */
export function defaultMaxConnections(): number {
  const limit = openFileLimit() ?? ASSUMED_LIMIT;
  const used = openFileCount() ?? 32;
  const fit = Math.floor((limit - used - HEADROOM) / PER_CONNECTION);
  return Math.max(16, Math.min(1024, fit));
}
