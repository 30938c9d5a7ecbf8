// The repair of segment_compaction.ts by the rules retention relies on too: temporaries, lost
// entries, plain copies, unverified or unrecorded .gz files, deletion leftovers, an unreadable
// manifest, links; and compression's whole-line members and kept modification time.
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  compactSegment,
  inspectSegmentRepairs,
  MEMBER_BYTES,
  repairSessionSegments,
} from "../../../execution/telemetry/segment_compaction.ts";
import {
  readSegmentManifest,
  segmentDir,
  writeSegmentManifest,
} from "../../../execution/telemetry/segments.ts";
import { sessionLines } from "../../live/helpers.ts";
import {
  exists,
  gunzipped,
  hashTree,
  withRoot,
  writeSegmentedSession,
} from "../../ops/retention/helpers.ts";

const OLD = Date.now() - 10 * 86_400_000;

/** A rotated session `s` with two compressed segments of 20 events each. */
async function rotated(root: string): Promise<string> {
  await writeSegmentedSession(
    root,
    "s",
    [
      { events: 20, compressed: true, mtime: OLD },
      { events: 20, compressed: true, mtime: OLD },
    ],
    5,
    OLD,
  );
  return segmentDir(root, "s");
}

Deno.test("inspecting changes nothing", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    await Deno.writeTextFile(join(dir, "000002.jsonl.gz.x.tmp"), "partial");
    await Deno.writeTextFile(join(dir, "000003.jsonl"), sessionLines("s", 5, 40));
    const before = await hashTree(root);
    const plan = await inspectSegmentRepairs(root, "s", { compressPlain: false });
    assert.deepEqual(plan.steps.map((s) => s.kind), ["remove-temporary", "adopt-segment"]);
    // The writer's repair also compresses the segment it adopts.
    const writers = await inspectSegmentRepairs(root, "s");
    assert.deepEqual(writers.steps.map((s) => [s.kind, s.index]), [
      ["remove-temporary", null],
      ["adopt-segment", 3],
      ["compress-segment", 3],
    ]);
    assert.equal(await hashTree(root), before);
  });
});

Deno.test("temporaries of interrupted writes are removed", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    await Deno.writeTextFile(join(dir, "000002.jsonl.gz.x.tmp"), "partial");
    await Deno.writeTextFile(join(dir, "manifest.json.y.tmp"), "{");
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.steps.map((s) => s.kind), ["remove-temporary", "remove-temporary"]);
    assert.ok(!(await exists(join(dir, "000002.jsonl.gz.x.tmp"))));
    assert.ok(!(await exists(join(dir, "manifest.json.y.tmp"))));
  });
});

Deno.test("a closed segment the manifest lost gets an entry rebuilt from its first and last lines", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    const bytes = sessionLines("s", 5, 40);
    await Deno.writeTextFile(join(dir, "000003.jsonl"), bytes);
    const before = (await readSegmentManifest(root, "s"))!;
    await repairSessionSegments(root, "s", { compressPlain: false });
    const after = (await readSegmentManifest(root, "s"))!;
    assert.deepEqual(after.segments.slice(0, 2), before.segments);
    const entry = after.segments[2];
    const last = before.segments[1];
    assert.equal(entry.start_offset, last.start_offset + last.bytes);
    assert.equal(entry.bytes, new TextEncoder().encode(bytes).length);
    assert.equal(entry.lines, 5);
    assert.deepEqual([entry.first_seq, entry.last_seq], [41, 45]);
    assert.deepEqual(
      [entry.first_ts, entry.last_ts],
      ["2026-11-25T09:30:40.000000+00:00", "2026-11-25T09:30:44.000000+00:00"],
    );
    assert.equal(entry.trigger, "repair");
    assert.equal(entry.file, "000003.jsonl");
  });
});

Deno.test("a plain copy beside a recorded .gz that reproduces it is removed", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    await Deno.writeTextFile(join(dir, "000002.jsonl"), sessionLines("s", 20, 20));
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.steps.map((s) => [s.kind, s.index]), [["remove-plain-copy", 2]]);
    assert.ok(!(await exists(join(dir, "000002.jsonl"))));
  });
});

Deno.test("a recorded .gz that does not reproduce its plain copy is made again from the plain copy", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    const plain = sessionLines("s", 20, 20);
    await Deno.writeTextFile(join(dir, "000002.jsonl"), plain);
    await Deno.writeFile(join(dir, "000002.jsonl.gz"), new Uint8Array([0x1f, 0x8b, 0, 1, 2]));
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.steps.map((s) => s.kind), ["compress-segment"]);
    assert.equal(
      new TextDecoder().decode(await gunzipped(join(dir, "000002.jsonl.gz"))),
      plain,
    );
    assert.ok(!(await exists(join(dir, "000002.jsonl"))));
    const entry = (await readSegmentManifest(root, "s"))!.segments[1];
    assert.equal(entry.compressed_bytes, (await Deno.stat(join(dir, "000002.jsonl.gz"))).size);
  });
});

Deno.test("a .gz the manifest does not name yet is made again and recorded, then the plain copy goes", async () => {
  await withRoot(async (root) => {
    await writeSegmentedSession(
      root,
      "s",
      [
        { events: 20, compressed: false, mtime: OLD },
        { events: 20, compressed: false, mtime: OLD },
      ],
      5,
      OLD,
    );
    const dir = segmentDir(root, "s");
    const plain = await Deno.readFile(join(dir, "000001.jsonl"));
    // Compression crashed after the rename, before the manifest update.
    await Deno.writeFile(join(dir, "000001.jsonl.gz"), gzipSync(plain));
    const report = await repairSessionSegments(root, "s", { compressPlain: false });
    assert.deepEqual(report.steps.map((s) => [s.kind, s.index]), [["compress-segment", 1]]);
    const entry = (await readSegmentManifest(root, "s"))!.segments[0];
    assert.equal(entry.file, "000001.jsonl.gz");
    assert.equal(entry.members.length, 1);
    assert.deepEqual(await gunzipped(join(dir, "000001.jsonl.gz")), plain);
    assert.ok(!(await exists(join(dir, "000001.jsonl"))));
    // Segment 2 was never compressed: left to retention's compress rule.
    assert.ok(await exists(join(dir, "000002.jsonl")));
  });
});

Deno.test("a segment below the manifest's first entry is a deletion's leftover and is removed", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    const manifest = (await readSegmentManifest(root, "s"))!;
    // Retention wrote the manifest without segment 1, then crashed before removing the file.
    await writeSegmentManifest(root, { ...manifest, segments: manifest.segments.slice(1) });
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.steps.map((s) => [s.kind, s.index]), [["remove-deleted-leftover", 1]]);
    assert.ok(!(await exists(join(dir, "000001.jsonl.gz"))));
    assert.deepEqual((await readSegmentManifest(root, "s"))!.segments, manifest.segments.slice(1));
  });
});

Deno.test("an unreadable manifest is set aside and rebuilt from the segment files", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    const before = (await readSegmentManifest(root, "s"))!;
    await Deno.writeTextFile(join(dir, "manifest.json"), "{ not json");
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.failed, []);
    assert.equal(report.steps[0].kind, "rebuild-manifest");
    const after = (await readSegmentManifest(root, "s"))!;
    assert.deepEqual(
      after.segments.map((
        s,
      ) => [s.index, s.file, s.start_offset, s.bytes, s.first_seq, s.last_seq]),
      before.segments.map((
        s,
      ) => [s.index, s.file, s.start_offset, s.bytes, s.first_seq, s.last_seq]),
    );
    const aside = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".corrupt"));
    assert.equal(aside.length, 1);
    assert.equal(await Deno.readTextFile(join(dir, aside[0].name)), "{ not json");
  });
});

Deno.test("a directory holding a symbolic link is reported and left alone", async () => {
  await withRoot(async (root) => {
    const dir = await rotated(root);
    await Deno.writeTextFile(join(dir, "000002.jsonl.gz.x.tmp"), "partial");
    await Deno.symlink("/etc/passwd", join(dir, "000003.jsonl"));
    const before = await hashTree(root);
    const report = await repairSessionSegments(root, "s");
    assert.deepEqual(report.steps, []);
    assert.match(report.problems[0], /symbolic links \(000003\.jsonl\)/);
    assert.equal(await hashTree(root), before);
  });
});

Deno.test("a compressed segment is whole-line gzip members that decompress to its bytes, its age kept", async () => {
  await withRoot(async (root) => {
    await writeSegmentedSession(
      root,
      "s",
      [
        { events: 12_000, compressed: false, mtime: OLD },
        { events: 10, compressed: false, mtime: OLD },
      ],
      5,
      OLD,
    );
    const dir = segmentDir(root, "s");
    const plain = await Deno.readFile(join(dir, "000001.jsonl"));
    assert.ok(plain.length > 2 * MEMBER_BYTES, "big enough for several members");
    assert.equal(await compactSegment(root, "s", 1), "compressed");
    const entry = (await readSegmentManifest(root, "s"))!.segments[0];
    assert.equal((await Deno.stat(join(dir, "000001.jsonl.gz"))).size, entry.compressed_bytes);
    assert.ok(entry.members.length >= 3);
    assert.deepEqual(await gunzipped(join(dir, "000001.jsonl.gz")), plain);
    for (const member of entry.members) {
      // Each member starts a line: the byte before it in the segment is a newline.
      assert.ok(member.start === 0 || plain[member.start - 1] === 0x0a);
      assert.equal(
        member.first_seq,
        JSON.parse(
          new TextDecoder().decode(plain.subarray(member.start, plain.indexOf(0x0a, member.start))),
        ).seq,
      );
    }
    assert.equal((await Deno.stat(join(dir, "000001.jsonl.gz"))).mtime?.getTime(), OLD);
    assert.ok(!(await exists(join(dir, "000001.jsonl"))));
  });
});
