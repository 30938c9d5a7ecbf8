/**
 * Worker of the shutdown watchdog (see `shutdown_watchdog.ts`): on SIGINT or
 * SIGTERM it waits the bound it was given, then kills the process. A normal
 * shutdown exits first and the worker never acts; it only matters when the
 * main thread is stuck in a synchronous call and cannot run its own
 * shutdown. Runs on its own thread, so a blocked main thread does not block it.
 *
 * @module
 */

/** What the watchdog asks of the worker. */
interface Arm {
  afterMs: number;
  signals: Deno.Signal[];
  /** Directories to remove before the kill (the process cannot remove them itself). */
  cleanup: string[];
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Arm>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event: MessageEvent<Arm>): void => {
  const { afterMs, signals, cleanup } = event.data;
  let fired = false;
  const onSignal = (): void => {
    if (fired) return;
    fired = true;
    setTimeout(() => {
      // Only reached when the main thread did not exit in time: the last resort, loudly.
      console.error(
        `dashboard: shutdown did not finish within ${afterMs} ms (the main thread is stuck); ` +
          "killing the process",
      );
      for (const dir of cleanup) {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch {
          // Gone already, or not ours to remove: the kill matters more.
        }
      }
      try {
        Deno.kill(Deno.pid, "SIGKILL");
      } catch (err) {
        console.error(`dashboard: the watchdog could not kill the process: ${err}`);
      }
    }, afterMs);
  };
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  scope.postMessage("armed");
};
