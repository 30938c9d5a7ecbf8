/**
 * Worker of the follow tests: follows a session from an offset and posts the
 * `seq` of its first `count` events once it is waiting for the next one and a
 * timer still fires. In a worker, a follower that starves its event loop
 * fails the test (the parent's time bound still fires) instead of hanging it.
 *
 * Message in: `{ baseDir, sessionId, from, count }`; out: `{ seqs }` or `{ error }`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { followExecution } from "../../live/follow.ts";

self.onmessage = async (message: MessageEvent) => {
  const { baseDir, sessionId, from, count } = message.data;
  const it = followExecution(sessionId, { baseDir, from, pollIntervalMs: 60_000 });
  try {
    const seqs: Array<number | null> = [];
    while (seqs.length < count) {
      const r = await it.next();
      if (r.done) break;
      seqs.push(r.value.type === "event" ? r.value.event.seq : null);
    }
    // Nothing more to read: the follower must wait (a poll, a watch), leaving the loop free.
    void it.next().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    self.postMessage({ seqs });
  } catch (err) {
    self.postMessage({ error: String(err) });
  } finally {
    await it.return!();
  }
};
