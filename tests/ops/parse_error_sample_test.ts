import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { scanLogRoot } from "../../ops/log_root_inventory.ts";
import { SAMPLED_LINES_PER_FILE, sampleParseErrors } from "../../ops/parse_error_sample.ts";
import { DAY, intent, NOW, setMtime, withRoot, writeSession } from "./helpers.ts";
import { readSegmentManifest, segmentDir } from "../../execution/telemetry/segments.ts";
import { rotateNow } from "../live/helpers.ts";

Deno.test("blank lines are neither valid nor invalid; garbage and non-objects are invalid", async () => {
  await withRoot(async (root) => {
    await writeSession(
      root,
      "s1",
      intent("s1", NOW) + "\n\n   \n" + "not json\n" + "[1,2]\n" + intent("s1", NOW) + "\n",
    );
    const sample = await sampleParseErrors(await scanLogRoot(root));
    assert.deepEqual([sample.files, sample.lines, sample.invalid], [1, 4, 2]);
  });
});

Deno.test("a torn last line (a write in progress) is not an error", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "s1", intent("s1", NOW) + '{"ts": "2026-');
    const sample = await sampleParseErrors(await scanLogRoot(root));
    assert.deepEqual([sample.lines, sample.invalid], [1, 0]);
  });
});

Deno.test("plain files are sampled from their newest lines, at most 1000 each", async () => {
  await withRoot(async (root) => {
    // Old garbage at the start, then more valid lines than a sample takes.
    await writeSession(root, "s1", "garbage\n".repeat(10) + intent("s1", NOW).repeat(1500));
    const sample = await sampleParseErrors(await scanLogRoot(root));
    assert.deepEqual([sample.lines, sample.invalid], [SAMPLED_LINES_PER_FILE, 0]);
  });
});

Deno.test("the three newest plain and three newest compressed files are sampled", async () => {
  await withRoot(async (root) => {
    for (let i = 0; i < 5; i++) {
      await writeSession(root, `p${i}`, i < 2 ? "bad\n" : intent(`p${i}`, NOW), NOW - i * DAY);
      await Deno.writeFile(
        `${root}/z${i}.jsonl.gz`,
        gzipSync(i < 3 ? intent(`z${i}`, NOW) + "bad\n" : "bad\n"),
      );
      await setMtime(`${root}/z${i}.jsonl.gz`, NOW - i * DAY);
    }
    const sample = await sampleParseErrors(await scanLogRoot(root));
    // Plain: p0 and p1 are bad and among the newest three; compressed: z0..z2, one bad line each.
    assert.deepEqual([sample.files, sample.lines, sample.invalid], [6, 9, 5]);
  });
});

Deno.test("a compressed file that cannot be decompressed is reported, not fatal", async () => {
  await withRoot(async (root) => {
    await Deno.writeFile(`${root}/bad.jsonl.gz`, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const sample = await sampleParseErrors(await scanLogRoot(root));
    assert.equal(sample.unreadable.length, 1);
  });
});

Deno.test("a compressed segment is sampled from its newest lines, through its gzip members", async () => {
  await withRoot(async (root) => {
    // Old garbage at the start of what becomes a compressed segment, then more valid lines.
    await writeSession(root, "s1", "garbage\n".repeat(10) + intent("s1", NOW).repeat(1500));
    await rotateNow(root, "s1");
    const sample = await sampleParseErrors(await scanLogRoot(root));
    assert.deepEqual([sample.files, sample.lines, sample.invalid], [2, SAMPLED_LINES_PER_FILE, 0]);
  });
});

Deno.test("a segment being compressed (its plain copy still beside it) is sampled once", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "s1", intent("s1", NOW) + "bad\n");
    await rotateNow(root, "s1");
    const manifest = (await readSegmentManifest(root, "s1"))!;
    const dir = segmentDir(root, "s1");
    await Deno.writeTextFile(`${dir}/000001.jsonl`, intent("s1", NOW) + "bad\n");
    assert.ok(manifest.segments[0].file.endsWith(".gz"));
    const sample = await sampleParseErrors(await scanLogRoot(root));
    // The active file (empty) and the segment: its two lines once.
    assert.deepEqual([sample.files, sample.lines, sample.invalid], [2, 2, 1]);
  });
});
