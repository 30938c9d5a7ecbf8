/**
 * Child of the FIFO tests: every reader opens a session whose name turns
 * into a FIFO right after the check that it is a regular file (the check is
 * made to say "regular file", as it would just before a swap). Prints the
 * readers' answers as JSON; a reader that blocks on the FIFO never prints.
 *
 * Usage: `deno run -A swapped_fifo.ts <dir>`
 *
 * @module
 */
import { getExecutionTimeline } from "../../../live/timeline.ts";
import { getExecutionSummary } from "../../../live/summary.ts";
import { followExecution } from "../../../live/follow.ts";
import { followStart } from "../../../live/follow_start.ts";

const [dir] = Deno.args;
const fifo = `${dir}/s.jsonl`;
const regular = Deno.lstatSync(`${dir}/regular.jsonl`);
const lstat = Deno.lstatSync;
// The swap lands between the check and the open: the check still saw a regular file.
(Deno as unknown as { lstatSync: typeof Deno.lstatSync }).lstatSync = (path) =>
  String(path) === fifo ? regular : lstat(path);
const timeline = await getExecutionTimeline("s", { baseDir: dir });
const summary = await getExecutionSummary("s", { baseDir: dir });
const start = await followStart(fifo);
const stop = new AbortController();
const follower = followExecution("s", {
  baseDir: dir,
  from: 0,
  signal: stop.signal,
  pollIntervalMs: 20,
});
setTimeout(() => stop.abort(), 200);
let followed = 0;
for await (const _ of follower) followed++;
console.log(JSON.stringify({ timeline: timeline.found, summary: summary.found, start, followed }));
