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
/**
 * Descriptors kept for session files, watchers, refused connections being
 * answered ({@linkcode REFUSING_CONNECTIONS}), and the runtime's own.
 */
const HEADROOM = 64;
/** Descriptors one forwarded connection may use: three sockets and, say, one open file. */
const PER_CONNECTION = 4;
/**
 * Refused connections the dashboard keeps open at once (their `503` going
 * out), out of {@linkcode HEADROOM}: enough to answer a burst politely,
 * few enough that a flood cannot take the descriptors the readers need.
 */
export const REFUSING_CONNECTIONS = 16;

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

/** What {@linkcode fitConnections} decided. */
export interface ConnectionFit {
  /** The connection limit to use. */
  maxConnections: number;
  /** Why it is lower than asked for, or why it is so low; `null` when all is well. */
  warning: string | null;
}

/**
 * The connection limit that fits the file-descriptor budget: what the soft
 * limit leaves after the files open now and some headroom, at four
 * descriptors a connection. `requested` is kept when it fits (or the limit is
 * unknown), else lowered to the budget with a warning: at the limit the
 * process could not open a session file, and Deno 2.9 itself can panic
 * when a descriptor is refused to it. Without `requested`: the budget,
 * 1 to 1024.
 *
 * @example
 * ```ts
 * import { fitConnections } from "./fd_limit.ts";
 * const { maxConnections, warning } = fitConnections(100_000);
 * console.log(maxConnections, warning); // the budget, and why
 * ```
 */
export function fitConnections(requested?: number): ConnectionFit {
  const known = openFileLimit();
  const limit = known ?? ASSUMED_LIMIT;
  const used = openFileCount() ?? 32;
  const fit = Math.floor((limit - used - HEADROOM) / PER_CONNECTION);
  const budget = `the open-file limit of ${limit} (${used} open now, ${HEADROOM} kept spare, ` +
    `about ${PER_CONNECTION} a connection)`;
  const raise = "raise it (ulimit -n, or LimitNOFILE= under systemd) to allow more";
  if (requested !== undefined && (known === null || requested <= fit)) {
    return { maxConnections: requested, warning: null };
  }
  const maxConnections = Math.max(1, Math.min(requested ?? 1024, fit));
  let warning: string | null = null;
  if (fit < 1) warning = `${budget} leaves no room for a connection; ${raise}`;
  else if (requested !== undefined) {
    warning = `a limit of ${requested} connections does not fit ${budget}: using ` +
      `${maxConnections}; ${raise}`;
  } else if (maxConnections < 16) {
    warning = `${budget} allows only ${maxConnections} connections; ${raise}`;
  }
  return { maxConnections, warning };
}
