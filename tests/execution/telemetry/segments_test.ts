import assert from "node:assert/strict";
import {
  activeBaseOffset,
  emptySegmentManifest,
  parseSegmentFileName,
  parseSegmentManifest,
  plainSegmentEntry,
  readSegmentManifest,
  readSessionLayoutSync,
  segmentDir,
  type SegmentEntry,
  segmentFileName,
  SegmentManifestError,
  segmentManifestPath,
  serializeSegmentManifest,
  updateSegmentManifest,
  updateSegmentManifestSync,
  withSegmentEntry,
  writeSegmentManifest,
} from "../../../execution/telemetry/segments.ts";
import { InvalidSessionIdError } from "../../../execution/session_id.ts";

function entry(index: number, start: number, bytes: number): SegmentEntry {
  return {
    index,
    file: segmentFileName(index, true),
    start_offset: start,
    bytes,
    compressed_bytes: Math.ceil(bytes / 8),
    lines: 10,
    first_seq: index * 10 - 9,
    last_seq: index * 10,
    first_ts: "2026-11-25T09:30:45.000000+00:00",
    last_ts: "2026-11-25T09:31:45.000000+00:00",
    sha256: "ab".repeat(32),
    members: [{ offset: 0, start: 0, first_seq: index * 10 - 9 }],
    trigger: "size",
    closed_at: "2026-11-25T09:31:45.000001+00:00",
    summary: { valid_events: 10 },
  };
}

async function withRoot(run: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await run(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("segment paths live under .segments/<session> and refuse invalid session ids", () => {
  assert.equal(segmentDir("logs", "s-1"), "logs/.segments/s-1");
  assert.equal(segmentManifestPath("logs", "s-1"), "logs/.segments/s-1/manifest.json");
  assert.throws(() => segmentDir("logs", "../etc"), InvalidSessionIdError);
});

Deno.test("segment file names carry a 6-digit index and parse back; others do not", () => {
  assert.equal(segmentFileName(1, false), "000001.jsonl");
  assert.equal(segmentFileName(1234567, true), "1234567.jsonl.gz");
  assert.deepEqual(parseSegmentFileName("000042.jsonl"), { index: 42, compressed: false });
  assert.deepEqual(parseSegmentFileName("1234567.jsonl.gz"), { index: 1234567, compressed: true });
  for (
    const other of ["42.jsonl", "000000.jsonl", "000001.jsonl.tmp", "manifest.json", "x.jsonl"]
  ) {
    assert.equal(parseSegmentFileName(other), null, other);
  }
  assert.throws(() => segmentFileName(0, false), RangeError);
});

Deno.test("a manifest round-trips through its text, one segment per line", () => {
  const manifest = {
    ...emptySegmentManifest("s-1"),
    segments: [entry(1, 0, 100), entry(2, 100, 50)],
  };
  const text = serializeSegmentManifest(manifest);
  assert.deepEqual(parseSegmentManifest(text, "s-1"), manifest);
  assert.equal(text.split("\n").filter((l) => l.includes('"index"')).length, 2);
});

Deno.test("a manifest of another session, format, or with overlapping segments is refused", () => {
  const good = { ...emptySegmentManifest("s-1"), segments: [entry(1, 0, 100)] };
  assert.throws(
    () => parseSegmentManifest(serializeSegmentManifest(good), "s-2"),
    SegmentManifestError,
  );
  assert.throws(() => parseSegmentManifest("not json", "s-1"), SegmentManifestError);
  assert.throws(() => parseSegmentManifest('{"format":"x"}', "s-1"), SegmentManifestError);
  const overlapping = { ...good, segments: [entry(1, 0, 100), entry(2, 99, 10)] };
  assert.throws(
    () => parseSegmentManifest(serializeSegmentManifest(overlapping), "s-1"),
    /overlaps/,
  );
  const misnamed = { ...good, segments: [{ ...entry(1, 0, 100), file: "000002.jsonl.gz" }] };
  assert.throws(() => parseSegmentManifest(serializeSegmentManifest(misnamed), "s-1"), /index/);
});

Deno.test("the active file starts where the last closed segment ends", () => {
  assert.equal(activeBaseOffset(null), 0);
  assert.equal(activeBaseOffset(emptySegmentManifest("s-1")), 0);
  const manifest = {
    ...emptySegmentManifest("s-1"),
    segments: [entry(1, 0, 100), entry(2, 100, 50)],
  };
  assert.equal(activeBaseOffset(manifest), 150);
});

Deno.test("a manifest is written atomically and read back; none reads as null", async () => {
  await withRoot(async (root) => {
    assert.equal(await readSegmentManifest(root, "s-1"), null);
    const manifest = { ...emptySegmentManifest("s-1"), segments: [entry(1, 0, 100)] };
    await writeSegmentManifest(root, manifest);
    assert.deepEqual(await readSegmentManifest(root, "s-1"), manifest);
    const names = [...Deno.readDirSync(segmentDir(root, "s-1"))].map((e) => e.name);
    assert.deepEqual(names, ["manifest.json"], "no temporary file is left behind");
  });
});

Deno.test("a manifest that is a symbolic link is refused, never followed", async () => {
  await withRoot(async (root) => {
    await Deno.mkdir(segmentDir(root, "s-1"), { recursive: true });
    await Deno.writeTextFile(
      `${root}/elsewhere.json`,
      serializeSegmentManifest(emptySegmentManifest("s-1")),
    );
    await Deno.symlink(`${root}/elsewhere.json`, segmentManifestPath(root, "s-1"));
    await assert.rejects(() => readSegmentManifest(root, "s-1"), SegmentManifestError);
  });
});

Deno.test("the layout lists manifest segments, then plain segments the manifest lacks, after them", async () => {
  await withRoot(async (root) => {
    const dir = segmentDir(root, "s-1");
    await Deno.mkdir(dir, { recursive: true });
    await writeSegmentManifest(root, {
      ...emptySegmentManifest("s-1"),
      segments: [entry(1, 0, 100)],
    });
    await Deno.writeFile(`${dir}/${segmentFileName(1, true)}`, new Uint8Array(13));
    await Deno.writeTextFile(`${dir}/${segmentFileName(2, false)}`, "x".repeat(40));
    const layout = readSessionLayoutSync(root, "s-1");
    assert.deepEqual(
      layout.segments.map((s) => [s.index, s.start_offset, s.bytes, s.compressed, s.disk_bytes]),
      [[1, 0, 100, true, 13], [2, 100, 40, false, 40]],
    );
    assert.equal(layout.base, 140);
    assert.equal(layout.segments[1].entry, null);
  });
});

Deno.test("a segment whose file is gone keeps the offsets of those after it", async () => {
  await withRoot(async (root) => {
    const dir = segmentDir(root, "s-1");
    await writeSegmentManifest(root, {
      ...emptySegmentManifest("s-1"),
      segments: [entry(1, 0, 100), entry(2, 100, 50)],
    });
    await Deno.writeFile(`${dir}/${segmentFileName(2, true)}`, new Uint8Array(7));
    const layout = readSessionLayoutSync(root, "s-1");
    assert.deepEqual(layout.segments.map((s) => [s.index, s.start_offset]), [[2, 100]]);
    assert.equal(layout.base, 150);
  });
});

Deno.test("an unreadable manifest is read as missing: the directory alone gives the layout", async () => {
  await withRoot(async (root) => {
    const dir = segmentDir(root, "s-1");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(segmentManifestPath(root, "s-1"), "{not json");
    await Deno.writeTextFile(`${dir}/${segmentFileName(1, false)}`, "a\n");
    await Deno.writeTextFile(`${dir}/${segmentFileName(2, false)}`, "bb\n");
    const layout = readSessionLayoutSync(root, "s-1");
    assert.equal(layout.manifest, null);
    assert.deepEqual(layout.segments.map((s) => [s.index, s.start_offset, s.bytes]), [[1, 0, 2], [
      2,
      2,
      3,
    ]]);
  });
});

Deno.test("a manifest change waits for the lock another holder has, and keeps both changes", async () => {
  await withRoot(async (root) => {
    updateSegmentManifestSync(root, "s-1", (m) => withSegmentEntry(m, entry(1, 0, 100)));
    const lock = Deno.openSync(`${segmentDir(root, "s-1")}/manifest.lock`, {
      read: true,
      write: true,
    });
    lock.lockSync(true);
    let applied = false;
    const waiting = updateSegmentManifest(root, "s-1", (m) => {
      applied = true;
      return withSegmentEntry(m, entry(2, 100, 50));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(applied, false, "the change waited for the lock");
    lock.close();
    await waiting;
    assert.deepEqual((await readSegmentManifest(root, "s-1"))!.segments.map((s) => s.index), [
      1,
      2,
    ]);
  });
});

Deno.test("entering a segment twice replaces it, in index order", () => {
  let m = withSegmentEntry(emptySegmentManifest("s-1"), entry(2, 100, 50));
  m = withSegmentEntry(m, entry(1, 0, 100));
  m = withSegmentEntry(m, { ...entry(2, 100, 50), lines: 99 });
  assert.deepEqual(m.segments.map((s) => [s.index, s.lines]), [[1, 10], [2, 99]]);
  assert.equal(plainSegmentEntry(3, 150, 10, "repair").file, "000003.jsonl");
});
