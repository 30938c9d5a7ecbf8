import assert from "node:assert/strict";
import { clearSummaryCache, getExecutionSummary } from "../../live/summary.ts";
import {
  holdSummaryWorker,
  keptSummaryWorkerEnded,
  lendSummaryWorker,
  summaryWorkerStats,
} from "../../live/summary_workers.ts";
import { withTempDir, writeSplitReadSession } from "./helpers.ts";

async function coldSummary(dir: string) {
  clearSummaryCache();
  return await getExecutionSummary("big", { baseDir: dir });
}

/** Run `source` as a script in a fresh process; resolves with its exit code and output. */
async function runScript(dir: string, source: string): Promise<{ code: number; out: string }> {
  const script = `${dir}/script.ts`;
  await Deno.writeTextFile(script, source);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--no-lock", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A process kept alive by its worker would never end: fail instead of hanging the suite.
  const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const { code, stdout, stderr } = await child.output();
    const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    return { code, out };
  } finally {
    clearTimeout(kill);
  }
}

const SUMMARY_MODULE = new URL("../../live/summary.ts", import.meta.url).href;

Deno.test("summary workers: a warm worker serves cold reads while held, none is kept without a hold", async (t) => {
  await withTempDir(async (dir) => {
    await writeSplitReadSession(dir);

    await t.step("without a hold, every split read starts a worker and ends it", async () => {
      const before = summaryWorkerStats();
      const first = await coldSummary(dir);
      const second = await coldSummary(dir);
      const after = summaryWorkerStats();
      assert.equal(first.event_count, 200_000);
      assert.deepEqual(second, first);
      assert.equal(after.started - before.started, 2);
      assert.equal(after.reused - before.reused, 0);
      assert.equal(after.kept, false);
    });

    await t.step(
      "while held, the next cold read reuses the worker and gets the same summary",
      async () => {
        const oneShot = await coldSummary(dir);
        const before = summaryWorkerStats();
        const hold = holdSummaryWorker();
        try {
          const first = await coldSummary(dir);
          const second = await coldSummary(dir);
          const third = await coldSummary(dir);
          const after = summaryWorkerStats();
          assert.equal(after.started - before.started, 1);
          assert.equal(after.reused - before.reused, 2);
          assert.equal(after.kept, true);
          for (const s of [first, second, third]) assert.deepEqual(s, oneShot);
        } finally {
          hold.release();
        }
        await keptSummaryWorkerEnded();
        assert.equal(summaryWorkerStats().kept, false);
      },
    );

    await t.step("a kept worker ends after its idle time", async () => {
      const hold = holdSummaryWorker({ idleMs: 1 });
      try {
        await coldSummary(dir);
        // Ends by itself, the hold still held: the idle timer ended it.
        await keptSummaryWorkerEnded();
        assert.equal(summaryWorkerStats().kept, false);
        const started = summaryWorkerStats().started;
        await coldSummary(dir);
        assert.equal(summaryWorkerStats().started, started + 1, "the next read starts a new one");
      } finally {
        hold.release();
      }
      await keptSummaryWorkerEnded();
    });

    await t.step(
      "the longest idle time of the holds held applies, a released one's no longer",
      async () => {
        assert.equal(summaryWorkerStats().idleMs, null);
        const hold = holdSummaryWorker();
        try {
          const short = holdSummaryWorker({ idleMs: 1 });
          assert.equal(summaryWorkerStats().idleMs, 30_000);
          short.release();
          const long = holdSummaryWorker({ idleMs: 60_000 });
          assert.equal(summaryWorkerStats().idleMs, 60_000);
          long.release();
          assert.equal(summaryWorkerStats().idleMs, 30_000);
          holdSummaryWorker({ idleMs: 1 }).release();
          assert.equal(
            summaryWorkerStats().idleMs,
            30_000,
            "the default hold's, not the last one's",
          );
          const before = summaryWorkerStats();
          await coldSummary(dir);
          await coldSummary(dir);
          const after = summaryWorkerStats();
          assert.equal(after.started - before.started, 1);
          assert.equal(after.reused - before.reused, 1);
        } finally {
          hold.release();
        }
        assert.equal(summaryWorkerStats().idleMs, null);
        await keptSummaryWorkerEnded();
      },
    );
    await t.step(
      "a worker that cannot be handed its read is given back, with a hold or not",
      async () => {
        const expected = await coldSummary(dir);
        const { postMessage, terminate } = Worker.prototype;
        let ended = 0;
        Worker.prototype.postMessage = () => {
          throw new DOMException("cannot send", "DataCloneError");
        };
        Worker.prototype.terminate = function (this: Worker) {
          ended++;
          terminate.call(this);
        };
        try {
          // This thread reads every piece; the worker that got nothing ends (or it would keep
          // the process alive for good).
          assert.deepEqual(await coldSummary(dir), expected);
          assert.equal(ended, 1);
          const hold = holdSummaryWorker();
          try {
            assert.deepEqual(await coldSummary(dir), expected);
            await keptSummaryWorkerEnded();
            assert.equal(ended, 2, "a kept worker that could not be used is not kept");
          } finally {
            hold.release();
          }
        } finally {
          Worker.prototype.postMessage = postMessage;
          Worker.prototype.terminate = terminate;
        }
        assert.equal(summaryWorkerStats().kept, false);
      },
    );

    await t.step("a bad idle time is refused with what to give", () => {
      for (const idleMs of [0, -5, Number.NaN, Infinity, 2 ** 31]) {
        assert.throws(() => holdSummaryWorker({ idleMs }), /idleMs must be a positive number/);
      }
      assert.equal(summaryWorkerStats().kept, false);
    });

    await t.step(
      "a script exits by itself after a split read, and after releasing its hold",
      async () => {
        for (const held of [false, true]) {
          const { code, out } = await runScript(
            dir,
            `import { getExecutionSummary, holdSummaryWorker } from ${
              JSON.stringify(SUMMARY_MODULE)
            };
${held ? "const hold = holdSummaryWorker();" : ""}
const s = await getExecutionSummary("big", { baseDir: ${JSON.stringify(dir)} });
${held ? "hold.release();" : ""}
console.log(s.event_count);
`,
          );
          assert.equal(code, 0, out);
          assert.equal(out.trim(), "200000");
        }
      },
    );
  });
});

/** A stand-in for a worker that only counts how often it was ended. */
function fakeWorker(name: string, ended: string[]): Worker {
  return { terminate: () => ended.push(name) } as unknown as Worker;
}

Deno.test("summary workers: a kept worker released mid-read ends only once its read is done", async () => {
  const ended: string[] = [];
  const hold = holdSummaryWorker();
  const lent = await lendSummaryWorker(() => fakeWorker("a", ended));
  const done = Promise.withResolvers<boolean>();
  lent.giveBack(done.promise);
  hold.release();
  assert.deepEqual(ended, [], "still reporting its last pieces");
  done.resolve(true);
  await keptSummaryWorkerEnded();
  assert.deepEqual(ended, ["a"]);
});

Deno.test("summary workers: a read that finds the kept worker busy gets one of its own", async () => {
  const ended: string[] = [];
  using _hold = holdSummaryWorker();
  const first = await lendSummaryWorker(() => fakeWorker("kept", ended));
  const second = await lendSummaryWorker(() => fakeWorker("own", ended));
  assert.notEqual(second.worker, first.worker);
  second.giveBack(Promise.resolve(true));
  assert.deepEqual(ended, ["own"], "a worker of its own ends with its read");
  const done = Promise.withResolvers<boolean>();
  first.giveBack(done.promise);
  done.resolve(true);
  await done.promise;
  const third = await lendSummaryWorker(() => fakeWorker("unexpected", ended));
  assert.equal(third.worker, first.worker, "free again: the next read takes it");
  third.giveBack(Promise.resolve(true));
  _hold.release();
  await keptSummaryWorkerEnded();
  assert.deepEqual(ended, ["own", "kept"]);
});

Deno.test("summary workers: a kept worker that failed is ended, the next read starts another", async () => {
  const ended: string[] = [];
  using _hold = holdSummaryWorker();
  const first = await lendSummaryWorker(() => fakeWorker("failed", ended));
  first.giveBack(Promise.resolve(false));
  await keptSummaryWorkerEnded();
  assert.deepEqual(ended, ["failed"]);
  const next = await lendSummaryWorker(() => fakeWorker("next", ended));
  assert.notEqual(next.worker, first.worker);
  next.giveBack(Promise.resolve(true));
  _hold.release();
  await keptSummaryWorkerEnded();
  assert.deepEqual(ended, ["failed", "next"]);
});
