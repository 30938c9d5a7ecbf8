/**
 * Child of the FIFO tests: follows a session, creates a FIFO in the log root
 * while following, stops the follower, then proves the thread still runs
 * (a timer fires) by printing `alive`.
 *
 * Usage: `deno run -A follow_then_fifo.ts <dir>`
 *
 * @module
 */
import { followExecution } from "../../../live/follow.ts";

const [dir] = Deno.args;
const stop = new AbortController();
const follower = followExecution("s", { baseDir: dir, signal: stop.signal, pollIntervalMs: 50 });
const first = follower.next(); // the follower looks, watches, and waits
await new Promise((resolve) => setTimeout(resolve, 200));
await new Deno.Command("mkfifo", { args: [`${dir}/z.fifo`] }).output();
await Deno.writeTextFile(`${dir}/s.jsonl`, '{"kind":"fill","payload":{}}\n', { append: true });
await first;
stop.abort();
await follower.return?.();
await new Promise((resolve) => setTimeout(resolve, 100));
console.log("alive");
