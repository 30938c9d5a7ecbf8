/**
 * An `AbortSignal` for a long-running command: aborted by SIGINT, SIGTERM or
 * the caller's own signal, with the listeners removed when the command ends.
 *
 * @module
 */

/** A stop signal, and `dispose()` to remove its listeners. */
export interface StopSignal extends Disposable {
  /** Aborts on SIGINT, SIGTERM or the caller's signal. */
  signal: AbortSignal;
}

/** A stop signal aborted by SIGINT, SIGTERM or `outer`. */
export function stopSignal(outer?: AbortSignal): StopSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  outer?.addEventListener("abort", stop, { once: true });
  if (outer?.aborted) stop();
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      for (const sig of signals) Deno.removeSignalListener(sig, stop);
      outer?.removeEventListener("abort", stop);
    },
  };
}
