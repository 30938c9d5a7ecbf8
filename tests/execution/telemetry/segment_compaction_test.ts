import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import {
  compactSegment,
  MEMBER_BYTES,
  repairSessionSegments,
} from "../../../execution/telemetry/segment_compaction.ts";
import {
  plainSegmentEntry,
  readSegmentManifest,
  segmentDir,
  segmentFileName,
  updateSegmentManifestSync,
  withSegmentEntry,
} from "../../../execution/telemetry/segments.ts";
import { SummaryState } from "../../../execution/wire/summary_state.ts";
import { encodeEventLine } from "../../../execution/telemetry/line_encoder.ts";
import { fillEvent } from "./fixtures.ts";
import { segmentFiles } from "./segment_fixtures.ts";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `count` wire lines with seq from `first`. */
function lines(count: number, first = 1): string {
  let out = "";
  for (let i = 0; i < count; i++) out += encodeEventLine(fillEvent("s", i), first + i);
  return out;
}

/** A plain segment `index` holding `text`, entered in the manifest after `start`. */
function plainSegment(dir: string, index: number, start: number, text: string): number {
  const bytes = new TextEncoder().encode(text);
  Deno.mkdirSync(segmentDir(dir, "s"), { recursive: true });
  Deno.writeFileSync(`${segmentDir(dir, "s")}/${segmentFileName(index, false)}`, bytes);
  updateSegmentManifestSync(
    dir,
    "s",
    (m) => withSegmentEntry(m, plainSegmentEntry(index, start, bytes.length, "size")),
  );
  return bytes.length;
}

Deno.test("a compressed segment is gzip members of whole lines of about 1 MiB, each starting where the manifest says", async () => {
  await withDir(async (dir) => {
    const text = lines(14_000); // a little over 3 MiB
    const size = plainSegment(dir, 1, 0, text);
    assert.equal(await compactSegment(dir, "s", 1), "compressed");
    const entry = (await readSegmentManifest(dir, "s"))!.segments[0];
    const gz = Deno.readFileSync(`${segmentDir(dir, "s")}/${entry.file}`);
    assert.ok(entry.members.length >= 3);
    let start = 0;
    entry.members.forEach((member, m) => {
      const end = m + 1 < entry.members.length ? entry.members[m + 1].offset : gz.length;
      const plain = gunzipSync(gz.subarray(member.offset, end));
      assert.equal(member.start, start);
      assert.ok(plain.length <= MEMBER_BYTES, `member ${m}: ${plain.length} bytes`);
      assert.equal(plain.at(-1), 0x0a, "a member ends at a line end");
      const first = new TextDecoder().decode(plain.subarray(0, plain.indexOf(0x0a)));
      assert.equal(member.first_seq, JSON.parse(first).seq);
      start += plain.length;
    });
    assert.equal(start, size);
    assert.deepEqual(
      [entry.lines, entry.first_seq, entry.last_seq, entry.compressed_bytes],
      [14_000, 1, 14_000, gz.length],
    );
    assert.equal(SummaryState.fromJSON(entry.summary).fillCount, 14_000);
    assert.deepEqual(segmentFiles(dir, "s"), ["000001.jsonl.gz", "manifest.json", "manifest.lock"]);
  });
});

Deno.test("a plain copy whose size differs from its entry is left alone", async () => {
  await withDir(async (dir) => {
    plainSegment(dir, 1, 0, lines(10));
    await Deno.writeTextFile(`${segmentDir(dir, "s")}/000001.jsonl`, lines(1, 11), {
      append: true,
    });
    assert.equal(await compactSegment(dir, "s", 1), "size-mismatch");
    assert.ok(segmentFiles(dir, "s").includes("000001.jsonl"));
    assert.ok(!segmentFiles(dir, "s").includes("000001.jsonl.gz"));
  });
});

Deno.test("repair after a lost manifest: every segment entered again in order, and compressed", async () => {
  await withDir(async (dir) => {
    const first = plainSegment(dir, 1, 0, lines(50));
    plainSegment(dir, 2, first, lines(30, 51));
    await compactSegment(dir, "s", 1);
    Deno.removeSync(`${segmentDir(dir, "s")}/manifest.json`); // segment 1 is now a bare .gz
    const report = await repairSessionSegments(dir, "s");
    assert.deepEqual(
      report.steps.filter((s) => s.kind === "compress-segment").map((s) => s.index),
      [1, 2],
    );
    assert.deepEqual(report.failed, []);
    const manifest = (await readSegmentManifest(dir, "s"))!;
    assert.deepEqual(
      manifest.segments.map((s) => [s.index, s.start_offset, s.first_seq, s.last_seq, s.trigger]),
      [[1, 0, 1, 50, "repair"], [2, first, 51, 80, "repair"]],
    );
    assert.deepEqual(segmentFiles(dir, "s"), [
      "000001.jsonl.gz",
      "000002.jsonl.gz",
      "manifest.json",
      "manifest.lock",
    ]);
  });
});

Deno.test("repair of a session never rotated is no work", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await repairSessionSegments(dir, "s"), {
      sessionId: "s",
      steps: [],
      problems: [],
      failed: [],
    });
  });
});
