/**
 * Worker of a cold summary: reads the second half of a session file and posts
 * its totals back (see `summary_cache.ts`).
 *
 * @module
 */
import { readInto, SummaryState } from "../execution/wire/summary_state.ts";
import { openSessionFile } from "./session_file.ts";

/** What the summary asks of the worker. */
interface PartRequest {
  path: string;
  start: number;
  end: number;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<PartRequest>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event: MessageEvent<PartRequest>): Promise<void> => {
  const { path, start, end } = event.data;
  try {
    // Opened again by path: the same checks as the main thread's open (a regular file, no link).
    const opened = await openSessionFile(path);
    if (opened === null) throw new Error(`${path} is no longer a regular session file`);
    using file = opened;
    const state = new SummaryState(true);
    state.consumed = start;
    const torn = await readInto(file, state, end);
    scope.postMessage({ ok: true, state: state.data(), torn });
  } catch (err) {
    scope.postMessage({ ok: false, error: String(err) });
  }
};
