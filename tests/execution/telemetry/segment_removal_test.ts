import assert from "node:assert/strict";
import { join } from "node:path";
import {
  removeClosedSegment,
  SegmentRemovalRefused,
} from "../../../execution/telemetry/segment_removal.ts";
import {
  activeBaseOffset,
  readSegmentManifest,
  segmentDir,
} from "../../../execution/telemetry/segments.ts";
import { exists, hashTree, withRoot, writeSegmentedSession } from "../../ops/retention/helpers.ts";

const OLD = Date.now() - 10 * 86_400_000;

/** Session `s`: segment 1 compressed, 2 plain, 3 compressed, and an active file. */
async function threeSegments(root: string): Promise<void> {
  await writeSegmentedSession(
    root,
    "s",
    [
      { events: 10, compressed: true, mtime: OLD },
      { events: 10, compressed: false, mtime: OLD },
      { events: 10, compressed: true, mtime: OLD },
    ],
    3,
    OLD,
  );
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof SegmentRemovalRefused, `expected a refusal, got ${err}`);
    return err.message;
  }
  assert.fail("the segment was removed");
}

Deno.test("the oldest closed segment goes from the manifest and the disk; offsets stay", async () => {
  await withRoot(async (root) => {
    await threeSegments(root);
    const before = (await readSegmentManifest(root, "s"))!;
    const size = (await Deno.stat(join(segmentDir(root, "s"), "000001.jsonl.gz"))).size;
    assert.equal(removeClosedSegment(root, "s", 1), size);
    const after = (await readSegmentManifest(root, "s"))!;
    assert.deepEqual(after.segments, before.segments.slice(1));
    assert.equal(activeBaseOffset(after), activeBaseOffset(before));
    assert.ok(!(await exists(join(segmentDir(root, "s"), "000001.jsonl.gz"))));
    // A plain segment goes as well.
    removeClosedSegment(root, "s", 2);
    assert.ok(!(await exists(join(segmentDir(root, "s"), "000002.jsonl"))));
  });
});

Deno.test("the newest closed segment is never removed: it anchors the active file's offsets", async () => {
  await withRoot(async (root) => {
    await threeSegments(root);
    removeClosedSegment(root, "s", 1);
    removeClosedSegment(root, "s", 2);
    const tree = await hashTree(root);
    assert.match(refusal(() => removeClosedSegment(root, "s", 3)), /newest closed segment/);
    assert.equal(await hashTree(root), tree);
  });
});

Deno.test("only the oldest entry may go, and not while a compaction holds it", async () => {
  await withRoot(async (root) => {
    await threeSegments(root);
    assert.match(refusal(() => removeClosedSegment(root, "s", 2)), /only the oldest/);
    assert.match(refusal(() => removeClosedSegment(root, "s", 9)), /no longer in the manifest/);
    removeClosedSegment(root, "s", 1);
    // Segment 2 is plain: a compaction holds the lock on its plain copy while it compresses.
    const held = await Deno.open(join(segmentDir(root, "s"), "000002.jsonl"), { read: true });
    try {
      await held.lock(true);
      assert.match(refusal(() => removeClosedSegment(root, "s", 2)), /compaction/);
    } finally {
      held.close();
    }
    assert.ok(await exists(join(segmentDir(root, "s"), "000002.jsonl")));
    assert.equal((await readSegmentManifest(root, "s"))!.segments[0].index, 2);
  });
});
