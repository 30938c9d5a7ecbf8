import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import {
  readSegmentManifest,
  segmentDir,
  type SegmentManifest,
} from "../../../execution/telemetry/segments.ts";
import { readInto, SummaryState } from "../../../execution/wire/summary_state.ts";
import { fillEvent } from "./fixtures.ts";
import {
  linesFoundOnDisk,
  segmentFiles,
  sessionLinesOnDisk,
  spawnRotationWriter,
} from "./segment_fixtures.ts";

const decoder = new TextDecoder();

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Emit `count` fills of `session` from `from`, yielding now and then as a real session would. */
async function emitFills(
  logger: JsonlExecutionLogger,
  session: string,
  from: number,
  count: number,
): Promise<void> {
  for (let i = from; i < from + count; i++) {
    logger.emit(fillEvent(session, i));
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function seqsOf(lines: string[]): number[] {
  return lines.map((line) => JSON.parse(line).seq);
}

/** The manifest, checked: contiguous offsets, every segment compressed and verifying. */
async function checkedManifest(dir: string, session: string): Promise<SegmentManifest> {
  const manifest = await readSegmentManifest(dir, session);
  assert.ok(manifest !== null, "a manifest was written");
  let offset = 0;
  for (const entry of manifest.segments) {
    assert.equal(entry.start_offset, offset, `segment ${entry.index} starts where the last ended`);
    offset += entry.bytes;
    assert.ok(entry.file.endsWith(".gz"), `segment ${entry.index} is compressed`);
    const plain = gunzipSync(Deno.readFileSync(`${segmentDir(dir, session)}/${entry.file}`));
    assert.equal(plain.length, entry.bytes);
    assert.equal(
      entry.compressed_bytes,
      Deno.statSync(`${segmentDir(dir, session)}/${entry.file}`).size,
    );
    assert.equal(createHash("sha256").update(plain).digest("hex"), entry.sha256);
    assert.equal(plain.at(-1), 0x0a, "a segment ends at a line end");
    const lines = decoder.decode(plain).split("\n").slice(0, -1);
    assert.equal(entry.lines, lines.length);
    assert.equal(entry.first_seq, JSON.parse(lines[0]).seq);
    assert.equal(entry.last_seq, JSON.parse(lines.at(-1)!).seq);
    assert.ok(entry.members.length >= 1 && entry.members[0].offset === 0);
    assert.ok(entry.summary !== null, "its summary is in the manifest");
  }
  return manifest;
}

Deno.test("size rotation closes segments before they pass rotateBytes, never splits a line, and seq continues", async () => {
  await withDir(async (dir) => {
    const logger = new JsonlExecutionLogger({ baseDir: dir, rotateBytes: 32 * 1024 });
    await emitFills(logger, "s1", 0, 3_000);
    await logger.close();
    const manifest = await checkedManifest(dir, "s1");
    assert.ok(manifest.segments.length >= 5, `${manifest.segments.length} segments`);
    for (const entry of manifest.segments) {
      assert.equal(entry.trigger, "size");
      assert.ok(entry.bytes <= 32 * 1024, `segment ${entry.index}: ${entry.bytes} bytes`);
    }
    const lines = await sessionLinesOnDisk(dir, "s1");
    assert.deepEqual(seqsOf(lines), lines.map((_, i) => i + 1));
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).payload.client_id),
      lines.map((_, i) => `c-${i}`),
    );
    assert.deepEqual(
      segmentFiles(dir, "s1").filter((n) => !n.endsWith(".gz")),
      ["manifest.json", "manifest.lock"],
      "no plain copy or temporary file is left",
    );
  });
});

Deno.test("a segment's manifest summary equals the summary of its bytes", async () => {
  await withDir(async (dir) => {
    const logger = new JsonlExecutionLogger({ baseDir: dir, rotateBytes: 16 * 1024 });
    await emitFills(logger, "s1", 0, 500);
    await logger.close();
    const manifest = await checkedManifest(dir, "s1");
    const entry = manifest.segments[1];
    const plain = gunzipSync(Deno.readFileSync(`${segmentDir(dir, "s1")}/${entry.file}`));
    const state = new SummaryState(true);
    await readInto(
      {
        read: (position, into) => {
          const n = Math.max(0, Math.min(into.length, plain.length - position));
          into.set(plain.subarray(position, position + n));
          return Promise.resolve(n);
        },
      },
      state,
      plain.length,
    );
    const stored = SummaryState.fromJSON(entry.summary);
    assert.equal(stored.validEvents, state.validEvents);
    assert.equal(stored.fillCount, entry.lines);
    assert.deepEqual(stored.toJSON(), { ...state.toJSON(), consumed: stored.consumed });
  });
});

Deno.test("daily rotation closes a file last written on an earlier UTC day at the first write", async () => {
  await withDir(async (dir) => {
    const first = new JsonlExecutionLogger({ baseDir: dir });
    await emitFills(first, "s1", 0, 10);
    await first.close();
    const yesterday = new Date(Date.now() - 86_400_000);
    await Deno.utime(`${dir}/s1.jsonl`, yesterday, yesterday);
    const second = new JsonlExecutionLogger({ baseDir: dir });
    await emitFills(second, "s1", 10, 5);
    await second.close();
    const manifest = await checkedManifest(dir, "s1");
    assert.deepEqual(manifest.segments.map((s) => [s.trigger, s.lines]), [["daily", 10]]);
    assert.deepEqual(
      seqsOf(await sessionLinesOnDisk(dir, "s1")),
      [...Array(15).keys()].map((i) => i + 1),
    );
  });
});

Deno.test("daily rotation can be turned off", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/s1.jsonl`, "");
    const first = new JsonlExecutionLogger({ baseDir: dir, daily: false });
    await emitFills(first, "s1", 0, 3);
    await first.close();
    const yesterday = new Date(Date.now() - 86_400_000);
    await Deno.utime(`${dir}/s1.jsonl`, yesterday, yesterday);
    const second = new JsonlExecutionLogger({ baseDir: dir, daily: false });
    await emitFills(second, "s1", 3, 3);
    await second.close();
    assert.equal(await readSegmentManifest(dir, "s1"), null);
  });
});

Deno.test("logger.rotate() closes the active file now; a session without bytes has nothing to rotate", async () => {
  await withDir(async (dir) => {
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    await logger.rotate("none");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "rotating an unknown session creates nothing");
    await emitFills(logger, "s1", 0, 4); // still queued: rotate() writes them first
    await logger.rotate("s1");
    assert.equal(Deno.statSync(`${dir}/s1.jsonl`).size, 0, "a new, empty active file");
    await logger.rotate("s1");
    await emitFills(logger, "s1", 4, 2);
    await logger.close();
    const manifest = await checkedManifest(dir, "s1");
    assert.deepEqual(manifest.segments.map((s) => [s.trigger, s.first_seq, s.last_seq]), [
      ["request", 1, 4],
    ]);
    assert.deepEqual(seqsOf(await sessionLinesOnDisk(dir, "s1")), [1, 2, 3, 4, 5, 6]);
    await assert.rejects(() => logger.rotate("../x"), /invalid session id/i);
  });
});

Deno.test("a new logger continues seq after the last segment when the active file is empty", async () => {
  await withDir(async (dir) => {
    const first = new JsonlExecutionLogger({ baseDir: dir });
    await emitFills(first, "s1", 0, 7);
    await first.rotate("s1");
    await first.close();
    const second = new JsonlExecutionLogger({ baseDir: dir });
    await emitFills(second, "s1", 7, 3);
    await second.close();
    assert.deepEqual(
      seqsOf(await sessionLinesOnDisk(dir, "s1")),
      [...Array(10).keys()].map((i) => i + 1),
    );
  });
});

Deno.test("two writer processes rotating the same session keep every line once with seq rising across segments", async () => {
  await withDir(async (dir) => {
    const run = (writer: string) =>
      spawnRotationWriter([dir, "shared", "6000", String(48 * 1024), "close", "", writer]).output();
    const [a, b] = await Promise.all([run("A"), run("B")]);
    assert.equal(a.code, 0, decoder.decode(a.stderr));
    assert.equal(b.code, 0, decoder.decode(b.stderr));
    const lines = await sessionLinesOnDisk(dir, "shared");
    if (lines.length !== 12_000) {
      // Say what went missing and where, so a rare failure can be traced (the manifest's view
      // against every segment file on disk, and what the writers reported).
      const ids = new Set(lines.map((l) => JSON.parse(l).payload.client_id as string));
      const missing = ["A", "B"].flatMap((w) =>
        Array.from({ length: 6000 }, (_, i) => `${w}-${i}`).filter((id) => !ids.has(id))
      );
      const manifest = await readSegmentManifest(dir, "shared");
      assert.fail(
        `${lines.length} lines through the manifest, ${
          linesFoundOnDisk(dir, "shared").length
        } in every file on disk; missing ${missing.slice(0, 20).join(", ")}; manifest ${
          JSON.stringify(manifest?.segments.map((s) => [s.file, s.first_seq, s.last_seq]))
        }; files ${JSON.stringify(segmentFiles(dir, "shared"))}; writer A: ${
          decoder.decode(a.stderr)
        }; writer B: ${decoder.decode(b.stderr)}`,
      );
    }
    const seqs = seqsOf(lines);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "seq rises by one over every segment");
    for (const writer of ["A", "B"]) {
      const ids = lines.map((l) => JSON.parse(l).payload.client_id as string)
        .filter((id) => id.startsWith(`${writer}-`));
      assert.deepEqual(ids, ids.map((_, i) => `${writer}-${i}`));
    }
    const manifest = await checkedManifest(dir, "shared");
    assert.ok(manifest.segments.length >= 10, `${manifest.segments.length} segments`);
  });
});

Deno.test("with onFull block, a tight emit loop that only yields to microtasks keeps all 1,000,000 events", async () => {
  await withDir(async (dir) => {
    const logger = new JsonlExecutionLogger({ baseDir: dir, rotateBytes: Infinity });
    for (let i = 0; i < 1_000_000; i++) {
      logger.emit(fillEvent("tight", i));
      await Promise.resolve();
    }
    await logger.close();
    assert.deepEqual([logger.stats.written, logger.stats.dropped], [1_000_000, 0]);
    const text = Deno.readTextFileSync(`${dir}/tight.jsonl`);
    let lines = 0;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
    assert.equal(lines, 1_000_000);
  });
});
