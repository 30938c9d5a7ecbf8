import assert from "node:assert/strict";
import { followExecution } from "../../live/follow.ts";
import { InvalidSessionIdError } from "../../execution/session_id.ts";
import type { FollowItem } from "../../live/types.ts";
import { gunzipSync } from "node:zlib";
import {
  readSegmentManifest,
  segmentDir,
  segmentFileName,
  writeSegmentManifest,
} from "../../execution/telemetry/segments.ts";
import {
  append,
  REFUSED_SESSION_IDS,
  rotateNow,
  sessionLines,
  wireLine,
  withTempDir,
} from "./helpers.ts";

/** Await `promise`, failing the test if it takes longer than `ms` (a bound, not a sleep). */
async function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function nextItem(it: AsyncIterator<FollowItem>): Promise<FollowItem> {
  const r = await within(it.next());
  assert.equal(r.done, false, "the follower ended early");
  return r.value as FollowItem;
}

function seqOf(item: FollowItem): number | null {
  assert.equal(item.type, "event");
  return item.type === "event" ? item.event.seq : null;
}

/** Descriptors of this process open on `path` (Linux; other tests' files do not count). */
function descriptorsOn(path: string): number {
  const real = Deno.realPathSync(path);
  return [...Deno.readDirSync("/proc/self/fd")].filter((entry) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === real;
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

Deno.test("followExecution starts at the end by default and yields only new events", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 3));
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await append(path, sessionLines("f", 2, 3));
      const a = await nextItem(it);
      const b = await nextItem(it);
      assert.deepEqual([seqOf(a), seqOf(b)], [4, 5]);
      const size = (await Deno.stat(path)).size;
      assert.equal(b.end, size, "end is the offset after the event");
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution resumes from a byte offset (an SSE Last-Event-ID)", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 5));
    const reader = followExecution("f", { baseDir: dir, from: 0 });
    const first = await within(reader.next());
    await reader.return!();
    assert.ok(!first.done && first.value.type === "event");
    const it = followExecution("f", { baseDir: dir, from: first.value.end, pollIntervalMs: 10 });
    try {
      assert.equal(seqOf(await nextItem(it)), 2);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution holds a torn tail back until its newline arrives", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await Deno.writeTextFile(path, "");
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      const line = wireLine("f", { kind: "fill", seq: 9 });
      await append(path, line.slice(0, 25));
      const pending = it.next();
      await append(path, line.slice(25, 60));
      await append(path, line.slice(60) + wireLine("f", { kind: "order", seq: 10 }));
      const r = await within(pending);
      assert.ok(!r.done && r.value.type === "event");
      assert.equal(r.value.event.seq, 9);
      assert.equal(r.value.event.offset, 0);
      assert.equal(seqOf(await nextItem(it)), 10);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution yields a truncated reset and restarts from 0", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 10));
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await Deno.truncate(path, 0);
      await append(path, sessionLines("f", 1, 50));
      const reset = await nextItem(it);
      assert.deepEqual(reset, { type: "reset", reason: "truncated", end: 0 });
      assert.equal(seqOf(await nextItem(it)), 51);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution notices a file truncated and regrown past its position before it looked", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 3));
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await append(path, sessionLines("f", 1, 3));
      assert.equal(seqOf(await nextItem(it)), 4, "the follower has read up to event 4");
      // Rewritten in place, longer than before: the size alone cannot tell.
      await Deno.writeTextFile(path, sessionLines("f", 40, 100));
      const reset = await nextItem(it);
      assert.equal(reset.type, "reset");
      const seqs: (number | null)[] = [];
      for (let i = 0; i < 40; i++) seqs.push(seqOf(await nextItem(it)));
      assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => 101 + i));
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution delivers each write through its watcher, not the one-minute poll", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 3));
    // A fresh follower per round, the write landing 0-7 event-loop turns after its first next().
    // With a one-minute poll, only the watcher can deliver within the 5 s bound of nextItem.
    for (let k = 0; k < 8; k++) {
      const it = followExecution("f", { baseDir: dir, pollIntervalMs: 60_000 });
      try {
        const pending = nextItem(it);
        for (let i = 0; i < k; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        Deno.writeTextFileSync(path, sessionLines("f", 1, 3 + k), { append: true });
        assert.equal(seqOf(await pending), 4 + k, `k=${k}`);
      } finally {
        await it.return!();
      }
    }
  });
});

Deno.test("followExecution yields a replaced reset when the file is swapped for another", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 2));
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await Deno.writeTextFile(`${dir}/next.tmp`, sessionLines("f", 40, 200));
      await Deno.rename(`${dir}/next.tmp`, path);
      const reset = await nextItem(it);
      assert.equal(reset.type, "reset");
      assert.equal(reset.type === "reset" && reset.reason, "replaced");
      assert.equal(seqOf(await nextItem(it)), 201);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution that has read a file notices it replaced, though it keeps the old one open", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 2));
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await append(path, sessionLines("f", 1, 2));
      assert.equal(seqOf(await nextItem(it)), 3); // read: the follower holds this file now
      await append(path, sessionLines("f", 1, 3));
      assert.equal(seqOf(await nextItem(it)), 4); // and reads it through the held descriptor
      await Deno.writeTextFile(`${dir}/next.tmp`, sessionLines("f", 40, 200));
      await Deno.rename(`${dir}/next.tmp`, path);
      const reset = await nextItem(it);
      assert.equal(reset.type === "reset" && reset.reason, "replaced");
      assert.equal(seqOf(await nextItem(it)), 201);
    } finally {
      await it.return!();
    }
  });
});

Deno.test({
  name: "followExecution closes the file it holds when it stops",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withTempDir(async (dir) => {
      const path = `${dir}/f.jsonl`;
      await append(path, sessionLines("f", 1));
      for (let i = 0; i < 20; i++) {
        const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
        await append(path, sessionLines("f", 1, i + 1));
        assert.equal(seqOf(await nextItem(it)), i + 2);
        await it.return!();
      }
      assert.equal(descriptorsOn(path), 0, "the session file is still open");
    });
  },
});

Deno.test({
  name: "followExecution stopped while a look is under way closes the file that look opened",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withTempDir(async (dir) => {
      await append(`${dir}/f.jsonl`, sessionLines("f", 3));
      const stop = new AbortController();
      const it = followExecution("f", { baseDir: dir, from: 0, signal: stop.signal });
      const pending = it.next(); // the look starts in the next microtask
      await Promise.resolve().then(() => stop.abort()); // and is stopped while it opens the session
      await pending;
      await it.return!();
      assert.equal(descriptorsOn(`${dir}/f.jsonl`), 0, "the session file is still open");
    });
  },
});

Deno.test("followExecution waits for a file that does not exist yet and reads it from 0", async () => {
  await withTempDir(async (dir) => {
    const logDir = `${dir}/not-yet`;
    const it = followExecution("late", { baseDir: logDir, pollIntervalMs: 10 });
    try {
      const pending = it.next();
      await Deno.mkdir(logDir);
      await append(`${logDir}/late.jsonl`, sessionLines("late", 2));
      const r = await within(pending);
      assert.ok(!r.done && r.value.type === "event");
      assert.equal(r.value.event.seq, 1);
      assert.equal(seqOf(await nextItem(it)), 2);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution skips invalid lines and keeps following", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await Deno.writeTextFile(path, "");
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await append(path, "not json\n[1,2]\n" + wireLine("f", { kind: "intent", seq: 3 }));
      assert.equal(seqOf(await nextItem(it)), 3);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution ends when its signal aborts, even while waiting", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f.jsonl`, "");
    const stop = new AbortController();
    const it = followExecution("f", { baseDir: dir, signal: stop.signal, pollIntervalMs: 60_000 });
    const pending = it.next();
    stop.abort();
    const r = await within(pending, 2000);
    assert.equal(r.done, true);
  });
});

Deno.test("followExecution's return() releases a waiting follower at once", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f.jsonl`, "");
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 60_000 });
    const pending = it.next();
    await within(it.return!(), 2000);
    assert.equal((await within(pending, 2000)).done, true);
    assert.equal((await it.next()).done, true);
  });
});

Deno.test("followExecution with an already aborted signal yields nothing", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/f.jsonl`, sessionLines("f", 3));
    const it = followExecution("f", { baseDir: dir, from: 0, signal: AbortSignal.abort() });
    assert.equal((await within(it.next())).done, true);
  });
});

Deno.test("followExecution refuses invalid ids, offsets and poll intervals at once", () => {
  for (const id of REFUSED_SESSION_IDS) {
    assert.throws(() => followExecution(id), InvalidSessionIdError, JSON.stringify(id));
  }
  assert.throws(() => followExecution("ok", { from: -1 }), RangeError);
  assert.throws(() => followExecution("ok", { from: 1.5 }), RangeError);
  assert.throws(() => followExecution("ok", { pollIntervalMs: 0 }), RangeError);
});

Deno.test("followExecution skips a line longer than its read step and goes on", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    await Deno.writeTextFile(path, "");
    const it = followExecution("f", { baseDir: dir, pollIntervalMs: 10 });
    try {
      await append(path, `{"kind":"fill","payload":{"blob":"${"v".repeat(5_000_000)}"}}\n`);
      await append(path, wireLine("f", { kind: "order", seq: 77 }));
      assert.equal(seqOf(await nextItem(it)), 77);
    } finally {
      await it.return!();
    }
  });
});

Deno.test("followExecution goes past a closed segment that ends in a torn line, without spinning", async () => {
  await withTempDir(async (dir) => {
    // A segment whose last line has no newline (a damaged or hand-made segment): its fragment is
    // torn, as for every other reader, and the follower must go on with the next part.
    const path = `${dir}/f.jsonl`;
    await append(path, sessionLines("f", 4));
    await rotateNow(dir, "f");
    await append(path, sessionLines("f", 2, 4));
    const manifest = (await readSegmentManifest(dir, "f"))!;
    const [segment] = manifest.segments;
    const segments = segmentDir(dir, "f");
    const stored = Deno.readFileSync(`${segments}/${segment.file}`);
    const bytes = segment.file.endsWith(".gz") ? gunzipSync(stored) : stored;
    assert.equal(bytes.length, segment.bytes);
    bytes[bytes.length - 1] = 0x20; // the newline of its last line becomes a space
    Deno.removeSync(`${segments}/${segment.file}`);
    Deno.writeFileSync(`${segments}/${segmentFileName(segment.index, false)}`, bytes);
    manifest.segments[0] = {
      ...segment,
      file: segmentFileName(segment.index, false),
      members: [],
      summary: null,
      compressed_bytes: null,
    };
    await writeSegmentManifest(dir, manifest);
    // In a worker: a follower that spins on the fragment starves its own event loop, not ours.
    const worker = new Worker(new URL("./follow_worker.ts", import.meta.url), { type: "module" });
    try {
      const answer = new Promise<{ seqs?: number[]; error?: string }>((resolve) => {
        worker.onmessage = (message) => resolve(message.data);
      });
      worker.postMessage({ baseDir: dir, sessionId: "f", from: 0, count: 5 });
      const { seqs, error } = await within(answer);
      assert.equal(error, undefined);
      assert.deepEqual(seqs, [1, 2, 3, 5, 6]);
    } finally {
      worker.terminate();
    }
  });
});
