/**
 * Worker of a cold read: reads the second half of a plain range of a session
 * file (the active file or a plain segment) and posts its summary totals back
 * (see `session_aggregate.ts`).
 *
 * @module
 */
import { readInto, SummaryState } from "../execution/wire/summary_state.ts";
import { RegularFile } from "../execution/wire/regular_file.ts";

/** What the summary asks of the worker: a part of the file it holds (same inode). */
interface PartRequest {
  path: string;
  start: number;
  end: number;
  ino: number;
  dev: number;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<PartRequest>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event: MessageEvent<PartRequest>): Promise<void> => {
  const { path, start, end, ino, dev } = event.data;
  try {
    // Opened again by path, with the same checks as the main thread's open (a regular file, no
    // link, never blocking); it must be the file the main thread holds (not rotated away since).
    const opened = RegularFile.open(path);
    if (opened === null) throw new Error(`${path} is no longer a regular session file`);
    using file = opened;
    const info = file.stat();
    if (info.ino !== ino || info.dev !== dev) throw new Error(`${path} was replaced or rotated`);
    const state = new SummaryState(true);
    state.consumed = start;
    const torn = await readInto(file, state, end);
    scope.postMessage({ ok: true, state: state.toJSON(), torn });
  } catch (err) {
    scope.postMessage({ ok: false, error: String(err) });
  }
};
