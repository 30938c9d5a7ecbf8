import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { getExecutionTimeline, type TimelineOptions } from "../../live/timeline.ts";
import { clearSummaryCache, getExecutionSummary } from "../../live/summary.ts";
import { followExecution } from "../../live/follow.ts";
import { followStart } from "../../live/follow_start.ts";
import { listSessions } from "../../live/sessions.ts";
import { openSessionFileSync } from "../../live/session_file.ts";
import { completeLinesEndSync } from "../../live/backward_lines.ts";
import {
  readSegmentManifest,
  segmentDir,
  segmentFileName,
  writeSegmentManifest,
} from "../../execution/telemetry/segments.ts";
import { JsonlExecutionLogger } from "../../execution/telemetry/logger.ts";
import type { ExecutionSummary, FollowItem, TimelinePage } from "../../live/types.ts";
import {
  append,
  sessionLines,
  withRotatedAndReference as withReferencePair,
  withTempDir,
  writeRotatedSession,
} from "./helpers.ts";

const TEXT = sessionLines("r", 1200);
const BYTES = new TextEncoder().encode(TEXT);
/** About 12 segments of 16 KiB. */
const ROTATE = 16 * 1024;

/** A log root with `r` rotated into compressed segments, and `ref` holding the same bytes in one file. */
function withRotatedAndReference(
  run: (rotated: string, reference: string) => Promise<void>,
): Promise<void> {
  return withReferencePair("r", TEXT, ROTATE, run);
}

/**
 * Summaries are equal, fill sums within rounding: sums built in parts (one per
 * segment) may differ from one pass in the last digits (see docs/live.md).
 */
function assertSameSummary(got: ExecutionSummary, want: ExecutionSummary, message?: string): void {
  const close = (a: number, b: number) => Math.abs(a - b) <= Math.abs(b) * 1e-9;
  assert.ok(close(got.fills.notional, want.fills.notional), `${message} notional`);
  assert.ok(close(got.fills.fees, want.fills.fees), `${message} fees`);
  assert.deepEqual(
    { ...got, fills: { ...got.fills, notional: 0, fees: 0 } },
    { ...want, fills: { ...want.fills, notional: 0, fees: 0 } },
    message,
  );
}

/** Every page of a timeline, oldest cursor last. */
async function allPages(baseDir: string, options: TimelineOptions): Promise<TimelinePage[]> {
  const pages: TimelinePage[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await getExecutionTimeline("r", { ...options, baseDir, before });
    pages.push(page);
    if (page.next_before === null) return pages;
    before = page.next_before;
  }
}

Deno.test("a rotated session's logical byte stream is the bytes it would have had in one file", async () => {
  await withRotatedAndReference(async (rotated) => {
    const manifest = await readSegmentManifest(rotated, "r");
    assert.ok(manifest !== null && manifest.segments.length >= 8, "several segments");
    const { gunzipSync } = await import("node:zlib");
    const parts: Uint8Array[] = manifest.segments.map((s) =>
      gunzipSync(Deno.readFileSync(`${segmentDir(rotated, "r")}/${s.file}`))
    );
    parts.push(Deno.readFileSync(`${rotated}/r.jsonl`));
    const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    assert.deepEqual(joined, BYTES);
  });
});

Deno.test("timeline pages back across compressed segments exactly as through the one file", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    for (const options of [{ limit: 37 }, { limit: 50, kinds: ["fill"] }, { symbol: "ETH-USD" }]) {
      const got = await allPages(rotated, options);
      const want = await allPages(reference, options);
      assert.deepEqual(got, want, JSON.stringify(options));
    }
  });
});

Deno.test("a timeline page decompresses only the segments it needs", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    const manifest = (await readSegmentManifest(rotated, "r"))!;
    // The oldest segment becomes unreadable: the newest page never touches it.
    Deno.writeFileSync(
      `${segmentDir(rotated, "r")}/${manifest.segments[0].file}`,
      new Uint8Array(8),
    );
    const got = await getExecutionTimeline("r", { baseDir: rotated, limit: 20 });
    assert.deepEqual(got, await getExecutionTimeline("r", { baseDir: reference, limit: 20 }));
    // The summary comes from the manifest: the damaged bytes are not read either.
    clearSummaryCache();
    const summary = await getExecutionSummary("r", { baseDir: rotated });
    assertSameSummary(summary, await getExecutionSummary("r", { baseDir: reference }));
  });
});

Deno.test("the summary of a rotated session equals the one-file summary; size_bytes is the logical size", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    const want = await getExecutionSummary("r", { baseDir: reference });
    assert.equal(want.size_bytes, BYTES.length);
    assert.ok(want.latency_ms !== null);
    clearSummaryCache();
    assertSameSummary(await getExecutionSummary("r", { baseDir: rotated }), want, "cold");
    assertSameSummary(await getExecutionSummary("r", { baseDir: rotated }), want, "warm");
    // Appended events are counted incrementally on top of the segments.
    const more = sessionLines("r", 40, 1200);
    await append(`${rotated}/r.jsonl`, more);
    await append(`${reference}/r.jsonl`, more);
    assertSameSummary(
      await getExecutionSummary("r", { baseDir: rotated }),
      await getExecutionSummary("r", { baseDir: reference }),
    );
  });
});

Deno.test("segments not yet compressed, or without a manifest, read and summarise the same", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    const { gunzipSync } = await import("node:zlib");
    const manifest = (await readSegmentManifest(rotated, "r"))!;
    const dir = segmentDir(rotated, "r");
    // Segment 2 back to its plain copy, as between rotation and compaction.
    const second = manifest.segments[1];
    Deno.writeFileSync(
      `${dir}/${segmentFileName(2, false)}`,
      gunzipSync(Deno.readFileSync(`${dir}/${second.file}`)),
    );
    Deno.removeSync(`${dir}/${second.file}`);
    manifest.segments[1] = {
      ...second,
      file: segmentFileName(2, false),
      members: [],
      summary: null,
      compressed_bytes: null,
    };
    await writeSegmentManifest(rotated, manifest);
    const want = await getExecutionSummary("r", { baseDir: reference });
    const pages = await allPages(reference, { limit: 101 });
    clearSummaryCache();
    assertSameSummary(await getExecutionSummary("r", { baseDir: rotated }), want);
    assert.deepEqual(await allPages(rotated, { limit: 101 }), pages);
    // No manifest at all: the directory alone describes the session.
    Deno.removeSync(`${dir}/manifest.json`);
    clearSummaryCache();
    assertSameSummary(await getExecutionSummary("r", { baseDir: rotated }), want);
    assert.deepEqual(await allPages(rotated, { limit: 101 }), pages);
  });
});

Deno.test("follow from 0 crosses every rotation: each event once, in order, at its one-file offset", async () => {
  await withTempDir(async (dir) => {
    const reference = new TextEncoder().encode(sessionLines("f", 600));
    const ends: number[] = [];
    for (let i = reference.indexOf(10); i !== -1; i = reference.indexOf(10, i + 1)) {
      ends.push(i + 1);
    }
    const stop = new AbortController();
    const follower = followExecution("f", {
      baseDir: dir,
      from: 0,
      signal: stop.signal,
      pollIntervalMs: 10,
    });
    const writing = writeRotatedSession(dir, sessionLines("f", 600), 8 * 1024);
    const seen: FollowItem[] = [];
    for await (const item of follower) {
      seen.push(item);
      if (seen.length === 600) stop.abort();
    }
    await writing;
    assert.deepEqual(seen.map((i) => i.type), seen.map(() => "event"));
    assert.deepEqual(
      seen.map((i) => i.type === "event" ? i.event.seq : 0),
      ends.map((_, i) => i + 1),
    );
    assert.deepEqual(seen.map((i) => i.end), ends);
    assert.ok((await readSegmentManifest(dir, "f"))!.segments.length >= 10);
  });
});

Deno.test("follow resumes from an offset inside a segment compressed since, and from the end", async () => {
  await withRotatedAndReference(async (rotated) => {
    const middle = BYTES.indexOf(10, 20_000) + 1; // a line start in an early segment
    const stop = new AbortController();
    const follower = followExecution("r", {
      baseDir: rotated,
      from: middle,
      signal: stop.signal,
      pollIntervalMs: 10,
    });
    const rest =
      TEXT.slice(new TextDecoder().decode(BYTES.subarray(0, middle)).length).split("\n").length - 1;
    let count = 0;
    let last = 0;
    for await (const item of follower) {
      assert.equal(item.type, "event");
      if (item.type === "event") {
        assert.ok(item.event.offset === (last || middle), "no gap");
        last = item.end;
      }
      if (++count === rest) stop.abort();
    }
    assert.equal(last, BYTES.length);
    assert.equal(await followStart(`${rotated}/r.jsonl`), BYTES.length);
  });
});

Deno.test("the command line's follow start is the logical end of a rotated session", async () => {
  await withRotatedAndReference(async (rotated) => {
    await append(`${rotated}/r.jsonl`, '{"kind":"fi');
    using end = openSessionFileSync(`${rotated}/r.jsonl`)!;
    assert.equal(end.statSync().size, BYTES.length + 11);
    assert.equal(completeLinesEndSync(end, end.statSync().size), BYTES.length);
  });
});

Deno.test("listSessions counts every segment: size on disk, events and first/last ts", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    const [got] = await listSessions(rotated);
    const [want] = await listSessions(reference);
    const manifest = (await readSegmentManifest(rotated, "r"))!;
    const onDisk = manifest.segments.reduce((sum, s) => sum + s.compressed_bytes!, 0) +
      Deno.statSync(`${rotated}/r.jsonl`).size;
    assert.equal(got.size_bytes, onDisk);
    assert.ok(got.size_bytes < want.size_bytes, "compressed segments take less room");
    assert.deepEqual(
      [got.session_id, got.event_count, got.first_ts, got.last_ts],
      [want.session_id, want.event_count, want.first_ts, want.last_ts],
    );
  });
});

Deno.test("a session whose active file is gone is still listed and read from its segments", async () => {
  await withRotatedAndReference(async (rotated, reference) => {
    const logger = new JsonlExecutionLogger({ baseDir: rotated });
    await logger.rotate("r");
    await logger.close();
    Deno.removeSync(`${rotated}/r.jsonl`);
    assert.equal((await listSessions(rotated))[0].event_count, 1200);
    assert.deepEqual(
      await getExecutionTimeline("r", { baseDir: rotated, limit: 5 }),
      await getExecutionTimeline("r", { baseDir: reference, limit: 5 }),
    );
  });
});

Deno.test("a whole-session <id>.jsonl.gz is a session everywhere: list, timeline, summary, follow", async () => {
  await withTempDir(async (dir) => {
    const archive = `${dir}/archive`;
    const reference = `${dir}/reference`;
    await Deno.mkdir(archive);
    await Deno.mkdir(reference);
    await append(`${reference}/r.jsonl`, TEXT);
    Deno.writeFileSync(`${archive}/r.jsonl.gz`, gzipSync(BYTES));
    const [listed] = await listSessions(archive);
    assert.equal(listed.session_id, "r");
    assert.equal(listed.size_bytes, Deno.statSync(`${archive}/r.jsonl.gz`).size);
    assert.equal(listed.event_count, 1200);
    for (const options of [{ limit: 37 }, { limit: 10, kinds: ["gate"] }]) {
      assert.deepEqual(await allPages(archive, options), await allPages(reference, options));
    }
    assertSameSummary(
      await getExecutionSummary("r", { baseDir: archive }),
      await getExecutionSummary("r", { baseDir: reference }),
    );
    assert.equal(await followStart(`${archive}/r.jsonl`), BYTES.length);
    using end = openSessionFileSync(`${archive}/r.jsonl`)!;
    assert.equal(end.statSync().size, BYTES.length);
    const stop = new AbortController();
    let count = 0;
    for await (
      const item of followExecution("r", {
        baseDir: archive,
        from: 0,
        signal: stop.signal,
        pollIntervalMs: 10,
      })
    ) {
      assert.equal(item.type, "event");
      if (++count === 1200) stop.abort();
    }
  });
});

Deno.test("a .jsonl.gz that is not gzip is not a session", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/old.jsonl.gz`, "x");
    assert.deepEqual(await listSessions(dir), []);
    assert.equal((await getExecutionSummary("old", { baseDir: dir })).found, false);
    assert.equal((await getExecutionTimeline("old", { baseDir: dir })).found, false);
  });
});
