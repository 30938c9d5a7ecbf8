/**
 * Process-wide exit hooks shared by every logger: one `unload` listener and,
 * while a logger that handles signals is registered, one SIGINT and one
 * SIGTERM listener. Each open logger registers its synchronous flush here.
 *
 * @module
 */

const exitFlushers = new Set<() => void>();
/** The `unload` listener stays once added, so it keeps its place before later listeners. */
let unloadListenerAdded = false;
/** Registrations that asked for signals; the listeners exist while it is above 0. */
let signalUsers = 0;
const signalListeners: [Deno.Signal, () => void][] = [];
/** The exit codes of the default actions (128 + signal number). */
const HANDLED_SIGNALS = [["SIGINT", 130], ["SIGTERM", 143]] as const;

/**
 * Run `flush` synchronously when the process exits normally (end of the
 * script, `Deno.exit()`) and, with `handleSignals`, on SIGINT and SIGTERM,
 * after which the process exits with 130 / 143. Returns the function that
 * removes the registration (and the signal listeners with the last user);
 * call it once.
 */
export function registerExitFlush(flush: () => void, handleSignals: boolean): () => void {
  exitFlushers.add(flush);
  if (!unloadListenerAdded) {
    globalThis.addEventListener("unload", runExitFlushers);
    unloadListenerAdded = true;
  }
  if (handleSignals && signalUsers++ === 0) addSignalListeners();
  return () => {
    exitFlushers.delete(flush);
    if (handleSignals && --signalUsers === 0) removeSignalListeners();
  };
}

function runExitFlushers(): void {
  for (const flush of exitFlushers) {
    try {
      flush();
    } catch {
      // An exit path must never throw; the logger counted the error already.
    }
  }
}

function addSignalListeners(): void {
  for (const [signal, code] of HANDLED_SIGNALS) {
    const listener = (): void => {
      runExitFlushers();
      Deno.exit(code);
    };
    try {
      Deno.addSignalListener(signal, listener);
      signalListeners.push([signal, listener]);
    } catch {
      // Not every platform knows every signal (Windows has no SIGTERM listener).
    }
  }
}

function removeSignalListeners(): void {
  for (const [signal, listener] of signalListeners.splice(0)) {
    try {
      Deno.removeSignalListener(signal, listener);
    } catch {
      // Already gone.
    }
  }
}
