/**
 * A temporary directory for a `deno bench` file, removed when the process
 * unloads.
 *
 * A logger that rotated during the run may still be compressing a closed
 * segment on its worker thread when the benchmarks end (nothing awaits it:
 * `Deno.bench` has no teardown), so the worker can create a file while the
 * directory is being removed. The removal is retried until it succeeds or
 * `deadlineMs` has passed; then the path is printed instead of failing the
 * run, since the measurements are already complete.
 *
 * @module
 */

/** Create a temporary directory that is removed at unload (see the module note). */
export function benchTempDir(prefix: string, deadlineMs = 10_000): string {
  const dir = Deno.makeTempDirSync({ prefix });
  globalThis.addEventListener("unload", () => {
    const deadline = performance.now() + deadlineMs;
    for (;;) {
      try {
        Deno.removeSync(dir, { recursive: true });
        return;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        if (performance.now() > deadline) {
          console.error(`could not remove ${dir}: ${error}`);
          return;
        }
      }
    }
  });
  return dir;
}
