/**
 * What a live tail's latency is made of on this machine, each beside its
 * cheaper alternative in the same run (the figures behind "Live follow" in
 * docs/performance.md):
 *
 * - a 0 ms `setTimeout` against `setImmediate` (how the follow hub sends the
 *   first batch after a quiet spell);
 * - an awaited `Deno.stat` after a quiet spell (the thread pool wakes up)
 *   against `Deno.statSync` (how the follower reads a small tail);
 * - `Deno.watchFs`: from an append to its `modify` event (the limit under all
 *   of it);
 * - the first system call after a quiet spell against the same call right
 *   after it, and the follower's look at a session (`openSessionView`: about
 *   nine system calls) the same way: on a virtual machine the first calls
 *   after a quiet spell can cost far more than the next ones;
 * - an append to the batch the follow hub hands its one subscriber (the
 *   server side of a live tail before any socket is written); each append
 *   after more than the hub's 100 ms between batches.
 *
 * Usage: deno run -A bench/event_loop_latency.ts [--rounds 50] [--quiet-ms 50]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import { openSessionView } from "../live/session_view.ts";
import { FollowHub } from "../live/follow_hub.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "50" },
    "quiet-ms": { type: "string", default: "50" },
  },
});
const rounds = Number(args.values.rounds);
const quietMs = Number(args.values["quiet-ms"]);
if (!(Number.isInteger(rounds) && rounds > 0) || !(quietMs >= 0)) {
  console.error("--rounds must be a positive integer and --quiet-ms a number ≥ 0");
  Deno.exit(2);
}

/** A valid wire line (the follower passes on events only). */
const EVENT_LINE = '{"ts":"2026-11-25T09:30:45.123456+00:00","session_id":"s","symbol":"BTC-USD",' +
  '"mode":"paper","kind":"intent","payload":{"side":"buy","quantity":0.25,' +
  '"current_price":100000,"strategy_key":null},"seq":1}\n';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median and 90th percentile (ms) of `rounds` timings. */
function spread(times: number[]): { median: number; p90: number } {
  times.sort((a, b) => a - b);
  return { median: times[rounds >> 1], p90: times[Math.floor(rounds * 0.9)] };
}

/** {@linkcode spread} of `rounds` timings of `body`, each after `quiet` ms of quiet. */
async function timed(
  body: () => Promise<void>,
  quiet = quietMs,
): Promise<{ median: number; p90: number }> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await sleep(quiet);
    const start = performance.now();
    await body();
    times.push(performance.now() - start);
  }
  return spread(times);
}

function row(name: string, t: { median: number; p90: number }, peer?: { median: number }): void {
  const ratio = peer === undefined ? "" : `  ratio ${(t.median / peer.median).toFixed(1)}x`;
  console.log(
    `${name.padEnd(44)} median ${t.median.toFixed(3)} ms  p90 ${t.p90.toFixed(3)} ms${ratio}`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "peak-loop-latency-" });
try {
  const path = `${dir}/s.jsonl`;
  await Deno.writeTextFile(path, "{}\n");
  console.log(`${rounds} rounds, each after ${quietMs} ms of quiet; ${(await uptime()).trim()}`);

  const immediate = await timed(() => new Promise((resolve) => setImmediate(resolve)));
  const timeout0 = await timed(() => new Promise((resolve) => setTimeout(resolve, 0)));
  row("setImmediate (peer)", immediate);
  row("setTimeout(0)", timeout0, immediate);

  const statSync = await timed(() => {
    Deno.statSync(path);
    return Promise.resolve();
  });
  const statAsync = await timed(async () => {
    await Deno.stat(path);
  });
  row("Deno.statSync (peer)", statSync);
  row("await Deno.stat", statAsync, statSync);

  // The watcher: from an append to the first modify event.
  const watcher = Deno.watchFs(path, { recursive: false });
  const events = watcher[Symbol.asyncIterator]();
  const watch = await timed(async () => {
    await Deno.writeTextFile(path, "{}\n", { append: true });
    for (;;) {
      const { value } = await events.next();
      if (value.kind === "modify") break;
    }
  });
  watcher.close();
  row("append → Deno.watchFs modify event", watch);

  // The same work twice after each quiet spell: the first run pays whatever being idle costs.
  const firstAndNext = async (
    body: () => void,
  ): Promise<[{ median: number; p90: number }, { median: number; p90: number }]> => {
    const first: number[] = [];
    const next: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await sleep(quietMs);
      const t0 = performance.now();
      body();
      const t1 = performance.now();
      body();
      next.push(performance.now() - t1);
      first.push(t1 - t0);
    }
    return [spread(first), spread(next)];
  };
  const [lstatFirst, lstatNext] = await firstAndNext(() => Deno.lstatSync(path));
  row("Deno.lstatSync right after another (peer)", lstatNext);
  row("Deno.lstatSync, first after the quiet", lstatFirst, lstatNext);
  const [viewFirst, viewNext] = await firstAndNext(() => {
    // Synchronous for a session with an active file (only a gzip archive awaits).
    void openSessionView(dir, "s").then((view) => view.close());
  });
  row("openSessionView right after another (peer)", viewNext);
  row("openSessionView, first after the quiet", viewFirst, viewNext);

  // The follow hub: an append to the batch its subscriber receives.
  const hub = new FollowHub({ baseDir: dir, summaryMs: 0 });
  const subscription = hub.subscribe("s");
  try {
    await subscription.joined;
    const hubBatch = await timed(async () => {
      Deno.writeTextFileSync(path, EVENT_LINE, { append: true });
      const next = await subscription.next();
      if (next.done) throw new Error("the hub ended the subscription");
    }, Math.max(quietMs, 110)); // past the hub's batchMs: the batch goes out at once
    row("append → follow hub batch (one subscriber)", hubBatch);
  } finally {
    await subscription.return();
    hub.close();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

async function uptime(): Promise<string> {
  try {
    const out = await new Deno.Command("uptime", { stdout: "piped" }).output();
    return new TextDecoder().decode(out.stdout);
  } catch {
    return "uptime unavailable";
  }
}
