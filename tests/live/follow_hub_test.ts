import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { type FollowBatch, FollowHub, type FollowSubscription } from "../../live/follow_hub.ts";
import { append, rotateNow, sessionLines, withTempDir } from "./helpers.ts";
import { waitFor } from "../routes/fixtures.ts";

/** Take batches until `count` events arrived (skipping summaries), failing after `timeoutMs`. */
async function takeEvents(
  sub: FollowSubscription,
  count: number,
  timeoutMs = 5_000,
): Promise<FollowBatch[]> {
  const batches: FollowBatch[] = [];
  let seen = 0;
  const deadline = Date.now() + timeoutMs;
  while (seen < count) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`only ${seen} of ${count} events`)),
        Math.max(1, deadline - Date.now()),
      );
    });
    try {
      const next = await Promise.race([sub.next(), late]);
      if (next.done) throw new Error(`subscription ended (${sub.state}) after ${seen} events`);
      if (next.value.summary !== null) continue;
      batches.push(next.value);
      seen += next.value.events.length;
    } finally {
      clearTimeout(timer);
    }
  }
  return batches;
}

const seqsOf = (batches: FollowBatch[]): (number | null)[] =>
  batches.flatMap((b) => b.events.map((e) => e.event.seq));

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

Deno.test("subscribers of one session share one follower and the same batches", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 4));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0 });
    const a = hub.subscribe("s");
    const b = hub.subscribe("s");
    try {
      assert.equal(hub.feedCount, 1);
      assert.equal(hub.subscriberCount, 2);
      // Both join before the append, so both start where the follower starts.
      await Promise.all([a.joined, b.joined]);
      await append(`${dir}/s.jsonl`, sessionLines("s", 3, 4));
      const [fromA, fromB] = await Promise.all([takeEvents(a, 3), takeEvents(b, 3)]);
      assert.deepEqual(seqsOf(fromA), [5, 6, 7]);
      assert.strictEqual(fromA[0], fromB[0], "one batch object for both: encoded once");
    } finally {
      await a.return();
      await b.return();
      hub.close();
    }
  });
});

Deno.test("a burst is coalesced into batches of at most batchRows, in order, ends increasing", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, "");
    const hub = new FollowHub({ baseDir: dir, batchRows: 500, summaryMs: 0 });
    const sub = hub.subscribe("s", { from: 0 });
    try {
      await append(`${dir}/s.jsonl`, sessionLines("s", 1_200));
      const batches = await takeEvents(sub, 1_200);
      assert.deepEqual(seqsOf(batches), range(1, 1_200));
      assert.ok(batches.every((b) => b.events.length <= 500), "no batch over 500 rows");
      assert.ok(batches.length >= 3, `${batches.length} batches`);
      for (const batch of batches) assert.equal(batch.end, batch.events.at(-1)!.end);
      const size = (await Deno.stat(`${dir}/s.jsonl`)).size;
      assert.equal(batches.at(-1)!.end, size);
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("a subscriber from an older offset catches up, then continues live, no gap or repeat", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 10));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0 });
    const first = hub.subscribe("s");
    try {
      await first.joined;
      await append(`${dir}/s.jsonl`, sessionLines("s", 5, 10));
      await takeEvents(first, 5); // the shared follower is now at seq 15
      const late = hub.subscribe("s", { from: 0 });
      await append(`${dir}/s.jsonl`, sessionLines("s", 5, 15));
      const batches = await takeEvents(late, 20);
      assert.deepEqual(seqsOf(batches), range(1, 20));
      assert.equal(hub.feedCount, 1, "the catch-up did not start a second shared follower");
      await late.return();
    } finally {
      await first.return();
      hub.close();
    }
  });
});

Deno.test("a subscriber that falls behind its buffer is ended and resumes from its cursor", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, "");
    const hub = new FollowHub({
      baseDir: dir,
      maxBufferedBytes: 4_096,
      batchRows: 10,
      summaryMs: 0,
    });
    const slow = hub.subscribe("s", { from: 0 });
    try {
      await append(`${dir}/s.jsonl`, sessionLines("s", 5));
      const cursor = (await takeEvents(slow, 5)).at(-1)!.end;
      assert.equal(slow.cursor, cursor);
      // Far more than 4 KiB arrives while `slow` takes nothing.
      await append(`${dir}/s.jsonl`, sessionLines("s", 200, 5));
      await waitFor(() => slow.state === "overflowed", 5_000, "the slow subscriber to overflow");
      assert.equal((await slow.next()).done, true);
      assert.equal(slow.cursor, cursor, "the resume point is the last batch taken");
      const resumed = hub.subscribe("s", { from: cursor });
      assert.deepEqual(seqsOf(await takeEvents(resumed, 200)), range(6, 205));
      await resumed.return();
    } finally {
      await slow.return();
      hub.close();
    }
  });
});

Deno.test("the follower stops when its last subscriber leaves", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 2));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0 });
    const a = hub.subscribe("s");
    const b = hub.subscribe("s");
    await a.return();
    assert.equal(hub.feedCount, 1);
    await b.return();
    assert.equal(hub.feedCount, 0);
    assert.equal((await b.next()).done, true);
    hub.close();
  });
});

Deno.test("a replaced file is reported to subscribers as a reset, then followed from 0", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 6));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0, pollIntervalMs: 20 });
    const sub = hub.subscribe("s");
    try {
      await sub.joined;
      await Deno.writeTextFile(`${dir}/staged`, sessionLines("s", 2));
      await Deno.rename(`${dir}/staged`, `${dir}/s.jsonl`);
      const batches = await takeEvents(sub, 2);
      const reset = batches.find((b) => b.reset !== null);
      assert.equal(reset?.reset, "replaced");
      assert.equal(reset?.end, 0);
      assert.deepEqual(seqsOf(batches), [1, 2]);
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("a subscriber ahead of a shorter file gets a reset and ends", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 2));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0 });
    const sub = hub.subscribe("s", { from: 1_000_000 });
    try {
      const first = await sub.next();
      assert.equal(first.done, false);
      assert.equal(first.value?.reset, "replaced");
      assert.equal((await sub.next()).done, true);
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("a growing session sends a fresh summary after a batch", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 2));
    const hub = new FollowHub({ baseDir: dir, summaryMs: 1 });
    const sub = hub.subscribe("s");
    try {
      await sub.joined;
      await append(`${dir}/s.jsonl`, sessionLines("s", 3, 2));
      let summary = null;
      while (summary === null) {
        const next = await sub.next();
        assert.equal(next.done, false);
        summary = next.value!.summary;
      }
      assert.equal(summary.event_count, 5);
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("subscribing with a from that is no byte offset is a RangeError", () => {
  const hub = new FollowHub({ baseDir: "/nonexistent" });
  assert.throws(() => hub.subscribe("s", { from: -1 }), RangeError);
  assert.throws(() => hub.subscribe("s", { from: 1.5 }), RangeError);
  hub.close();
});

Deno.test("subscribers follow across a rotation: every event once, a late one from inside a segment", async () => {
  await withTempDir(async (dir) => {
    const text = sessionLines("s", 10);
    await append(`${dir}/s.jsonl`, text);
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0, pollIntervalMs: 20 });
    const sub = hub.subscribe("s", { from: 0 });
    try {
      assert.deepEqual(seqsOf(await takeEvents(sub, 10)), range(1, 10));
      await rotateNow(dir, "s");
      const more = sessionLines("s", 5, 10);
      await append(`${dir}/s.jsonl`, more);
      const batches = await takeEvents(sub, 5);
      assert.deepEqual(seqsOf(batches), range(11, 15));
      assert.ok(batches.every((b) => b.reset === null), "a rotation is no reset");
      const total = new TextEncoder().encode(text + more).length;
      assert.equal(batches.at(-1)!.end, total, "logical offsets: the one-file offsets");
      // From the end of event 3, which lies in the closed segment now.
      const third = new TextEncoder().encode(text.split("\n").slice(0, 3).join("\n") + "\n");
      const late = hub.subscribe("s", { from: third.length });
      assert.deepEqual(seqsOf(await takeEvents(late, 12)), range(4, 15));
      await late.return();
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("a replaced active file of a rotated session resets to the active file's start, not 0", async () => {
  await withTempDir(async (dir) => {
    const closed = sessionLines("s", 6);
    await append(`${dir}/s.jsonl`, closed);
    await rotateNow(dir, "s");
    await append(`${dir}/s.jsonl`, sessionLines("s", 2, 6));
    const base = new TextEncoder().encode(closed).length;
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0, pollIntervalMs: 20 });
    const sub = hub.subscribe("s");
    try {
      await sub.joined;
      await Deno.writeTextFile(`${dir}/staged`, sessionLines("s", 1, 100));
      await Deno.rename(`${dir}/staged`, `${dir}/s.jsonl`);
      const batches = await takeEvents(sub, 1);
      const reset = batches.find((b) => b.reset !== null);
      assert.equal(reset?.reset, "replaced");
      assert.equal(reset?.end, base, "the closed segment was not replaced");
      assert.deepEqual(seqsOf(batches), [101]);
      assert.ok(batches.at(-1)!.end > base);
    } finally {
      await sub.return();
      hub.close();
    }
  });
});

Deno.test("a large batch reaches many subscribers over several turns, every one in order", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, "");
    // batchMs 0: the batches of one read are broadcast back to back, the second while the
    // first is still being handed out.
    const hub = new FollowHub({ baseDir: dir, batchMs: 0, summaryMs: 0 });
    const subs = Array.from({ length: 60 }, () => hub.subscribe("s", { from: 0 }));
    // A turn counter: one immediate per turn of the event loop.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    try {
      await Promise.all(subs.map((s) => s.joined));
      setImmediate(tick);
      await append(`${dir}/s.jsonl`, sessionLines("s", 2_000)); // ≈ 4 batches of ≈ 100 KB
      const leaving = subs.pop()!;
      const results = await Promise.all([
        ...subs.map(async (sub) => {
          const first = await sub.next();
          const arrivedAt = turn;
          assert.equal(first.done, false);
          const rest = await takeEvents(sub, 2_000 - first.value!.events.length);
          return { arrivedAt, batches: [first.value as FollowBatch, ...rest] };
        }),
        (async () => {
          await leaving.next(); // one leaves in the middle of the broadcasts
          await leaving.return();
          return null;
        })(),
      ]);
      const arrivals = new Set<number>();
      for (const result of results) {
        if (result === null) continue;
        assert.deepEqual(seqsOf(result.batches), range(1, 2_000));
        arrivals.add(result.arrivedAt);
      }
      assert.ok(
        arrivals.size >= 2,
        `the first batch reached all ${subs.length} subscribers in one turn`,
      );
    } finally {
      ticking = false;
      await Promise.all(subs.map((s) => s.return()));
      hub.close();
    }
  });
});

Deno.test("a burst is read on only as fast as it is handed out: the hub's backlog stays bounded", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, "");
    const limit = 1024 * 1024;
    const hub = new FollowHub({ baseDir: dir, summaryMs: 0, maxBufferedBytes: limit });
    const subs = Array.from({ length: 40 }, () => hub.subscribe("s", { from: 0 }));
    let most = 0;
    let sampling = true;
    const sample = (): void => {
      most = Math.max(most, hub.deliveryBacklogBytes);
      if (sampling) setImmediate(sample);
    };
    try {
      await Promise.all(subs.map((s) => s.joined));
      setImmediate(sample);
      const burst = sessionLines("s", 20_000); // ≈ 4 MiB: read in one look, 40 batches
      // Every subscriber reads before the burst lands: the hub may read and hand it out before
      // the append's own promise settles, and one that nobody reads yet overflows, as it should.
      const taking = subs.map((sub) => takeEvents(sub, 20_000, 20_000));
      await append(`${dir}/s.jsonl`, burst);
      const all = await Promise.all(taking);
      for (const batches of all) assert.deepEqual(seqsOf(batches), range(1, 20_000));
      assert.ok(burst.length > 3 * limit, "the burst is several times the limit");
      assert.ok(most <= limit + 256 * 1024, `${most} bytes waited to be handed out`);
    } finally {
      sampling = false;
      await Promise.all(subs.map((s) => s.return()));
      hub.close();
    }
  });
});
