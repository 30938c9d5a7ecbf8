/**
 * The shutdown watchdog: the last bound on a shutdown. The dashboard's own
 * shutdown ends within its `shutdownTimeoutMs` however its requests behave,
 * but it runs on the main thread, and a synchronous call that never returns
 * (a platform file watcher closing over a FIFO, say) would keep SIGTERM from
 * ever being handled. A worker thread listens for the same signals and, if
 * the process is still alive some time after one, removes the private socket
 * directories of its servers and kills it (exit status 137).
 *
 * @module
 */
import { privateServerDirs } from "./private_http_server.ts";

/**
 * An armed watchdog; disarm it when the server has stopped.
 *
 * @example
 * ```ts
 * import type { ShutdownWatchdog } from "./shutdown_watchdog.ts";
 * const watchdog: ShutdownWatchdog = { disarm: () => {} };
 * ```
 */
export interface ShutdownWatchdog {
  /** Stop watching (ends the worker). */
  disarm(): void;
}

/**
 * Arm a watchdog that kills the process `afterMs` milliseconds after SIGINT
 * or SIGTERM unless it has exited by then; `null` when no worker can be
 * started.
 *
 * @example
 * ```ts
 * import { armShutdownWatchdog } from "./shutdown_watchdog.ts";
 * const watchdog = await armShutdownWatchdog(4000);
 * watchdog?.disarm();
 * ```
 */
export async function armShutdownWatchdog(afterMs: number): Promise<ShutdownWatchdog | null> {
  let worker: Worker;
  try {
    worker = new Worker(new URL("./shutdown_watchdog_worker.ts", import.meta.url), {
      type: "module",
    });
  } catch {
    return null;
  }
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const armed = new Promise<boolean>((resolve) => {
    worker.onmessage = () => resolve(true);
    worker.onerror = (event) => {
      event.preventDefault();
      resolve(false);
    };
  });
  // The private socket directories of this process's servers: a killed process leaves them.
  worker.postMessage({ afterMs, signals, cleanup: privateServerDirs() });
  if (!(await armed)) {
    worker.terminate();
    return null;
  }
  return { disarm: () => worker.terminate() };
}
