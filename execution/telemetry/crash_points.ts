/**
 * Named points of rotation and compaction where the crash-safety tests kill
 * the process (SIGKILL, as a power cut or `kill -9` would). Nothing is armed
 * in normal use: a test's child process arms one point through
 * {@linkcode armCrashPoint} (a compaction worker gets the name with its job),
 * and the product's path costs one comparison with `null`.
 *
 * @module
 */

/** The point that kills the process when reached, or `null` (always, outside tests). */
let armed: string | null = null;

/** Marks a point armed for the compaction worker only (`worker:manifest-write`). */
const WORKER_PREFIX = "worker:";

/**
 * Kill this process with SIGKILL when `name` is reached (tests of crash
 * safety only). A name starting with `worker:` is reached only in the
 * compaction worker (where the same step also runs on the writer's thread).
 */
export function armCrashPoint(name: string | null): void {
  armed = name;
}

/** The armed point, to hand to a compaction worker. */
export function armedCrashPoint(): string | null {
  return armed !== null && armed.startsWith(WORKER_PREFIX)
    ? armed.slice(WORKER_PREFIX.length)
    : armed;
}

/** Reached `name`: if it is the armed point, die here without any cleanup. */
export function crashPoint(name: string): void {
  if (armed === null || armed !== name) return;
  Deno.kill(Deno.pid, "SIGKILL");
  // SIGKILL is delivered before the process runs on; never reached.
  throw new Error(`crash point ${name} did not kill the process`);
}
