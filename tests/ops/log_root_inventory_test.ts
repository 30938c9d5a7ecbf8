import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { emptySegmentManifest, writeSegmentManifest } from "../../execution/telemetry/segments.ts";
import { scanLogRoot } from "../../ops/log_root_inventory.ts";
import { DAY, intent, NOW, setMtime, withRoot, writeSession } from "./helpers.ts";
import { segmentDir } from "../../execution/telemetry/segments.ts";
import { rotateNow } from "../live/helpers.ts";

Deno.test("a missing log root is an empty inventory", async () => {
  await withRoot(async (root) => {
    const inventory = await scanLogRoot(`${root}/nope`);
    assert.deepEqual([inventory.exists, inventory.sessions.length, inventory.total_bytes], [
      false,
      0,
      0,
    ]);
  });
});

Deno.test("sessions, archives, segments, leftovers and the marker are found from metadata", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "active", intent("active", NOW), NOW - DAY);
    await Deno.writeFile(`${root}/old.jsonl.gz`, gzipSync(intent("old", NOW - 40 * DAY)));
    await setMtime(`${root}/old.jsonl.gz`, NOW - 40 * DAY);
    // A rotated session: one compressed segment in the manifest, one plain not yet compressed.
    const manifest = emptySegmentManifest("rotated");
    manifest.segments.push({
      index: 1,
      file: "000001.jsonl.gz",
      start_offset: 0,
      bytes: 100,
      compressed_bytes: 20,
      lines: 1,
      first_seq: 1,
      last_seq: 1,
      first_ts: null,
      last_ts: "2026-11-24T10:00:00.000000+00:00",
      sha256: null,
      members: [],
      trigger: "size",
      closed_at: "2026-11-24T10:00:00.000000+00:00",
      summary: null,
    });
    await writeSegmentManifest(root, manifest);
    await Deno.writeFile(
      `${root}/.segments/rotated/000001.jsonl.gz`,
      gzipSync(intent("rotated", NOW)),
    );
    await Deno.writeTextFile(`${root}/.segments/rotated/000002.jsonl`, intent("rotated", NOW));
    await Deno.writeTextFile(`${root}/.segments/rotated/000003.jsonl.gz.tmp`, "partial");
    await Deno.writeTextFile(`${root}/stray.tmp`, "x");
    await Deno.writeTextFile(`${root}/.last_retention_run`, "");
    await setMtime(`${root}/.last_retention_run`, NOW - 3 * DAY);
    // Not sessions: an invalid id, a directory of our own state.
    await Deno.writeTextFile(`${root}/bad name.jsonl`, "x");
    await Deno.mkdir(`${root}/.alerts`);
    await Deno.writeTextFile(`${root}/.alerts/.abc.tmp`, "state write");

    const inventory = await scanLogRoot(root);
    const ids = inventory.sessions.map((s) => s.session_id).sort();
    assert.deepEqual(ids, ["active", "old", "rotated"]);
    const rotated = inventory.sessions.find((s) => s.session_id === "rotated")!;
    assert.deepEqual(rotated.segments.map((s) => [s.index, s.compressed]), [[1, true], [2, false]]);
    assert.equal(rotated.segments[0].last_ts, "2026-11-24T10:00:00.000000+00:00");
    assert.equal(
      inventory.sessions.find((s) => s.session_id === "old")!.archive?.mtime_ms,
      NOW - 40 * DAY,
    );
    assert.equal(inventory.retention_marker_ms, NOW - 3 * DAY);
    assert.deepEqual(
      inventory.temp_files.map((f) => f.path.split("/").pop()).sort(),
      ["000003.jsonl.gz.tmp", "stray.tmp"],
      "our own state directory's temporary files are not compression leftovers",
    );
    // Every regular file counts in the disk usage, whatever it is.
    let expected = 0;
    for (
      const path of [
        "active.jsonl",
        "old.jsonl.gz",
        ".segments/rotated/manifest.json",
        ".segments/rotated/000001.jsonl.gz",
        ".segments/rotated/000002.jsonl",
        ".segments/rotated/000003.jsonl.gz.tmp",
        "stray.tmp",
        ".last_retention_run",
        "bad name.jsonl",
        ".alerts/.abc.tmp",
      ]
    ) expected += (await Deno.stat(`${root}/${path}`)).size;
    assert.equal(inventory.total_bytes, expected);
  });
});

Deno.test("links are neither followed nor counted", async () => {
  await withRoot(async (root) => {
    const outside = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${outside}/big.jsonl`, "x".repeat(10_000));
      await Deno.symlink(`${outside}/big.jsonl`, `${root}/linked.jsonl`);
      await Deno.symlink(outside, `${root}/linked-dir`);
      const inventory = await scanLogRoot(root);
      assert.deepEqual([inventory.sessions.length, inventory.total_bytes], [0, 0]);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});

Deno.test("an unreadable manifest is reported and the directory listing is used", async () => {
  await withRoot(async (root) => {
    await Deno.mkdir(`${root}/.segments/s1`, { recursive: true });
    await Deno.writeTextFile(`${root}/.segments/s1/manifest.json`, "{not json");
    await Deno.writeTextFile(`${root}/.segments/s1/000001.jsonl`, intent("s1", NOW));
    const inventory = await scanLogRoot(root);
    const s1 = inventory.sessions[0];
    assert.match(s1.manifest_problem ?? "", /not JSON/);
    assert.equal(s1.segments.length, 1);
  });
});

Deno.test("a segment being compressed is one segment, at its logical place, both files on disk", async () => {
  await withRoot(async (root) => {
    const first = intent("s1", NOW).repeat(3);
    await writeSession(root, "s1", first);
    await rotateNow(root, "s1");
    await writeSession(root, "s1", intent("s1", NOW));
    await rotateNow(root, "s1");
    // Segment 2's plain copy is still beside its .gz (compaction between its rename and removal).
    const dir = segmentDir(root, "s1");
    await Deno.writeTextFile(`${dir}/000002.jsonl`, intent("s1", NOW));
    const inventory = await scanLogRoot(root);
    const s1 = inventory.sessions.find((s) => s.session_id === "s1")!;
    const size = new TextEncoder().encode(first).length;
    assert.deepEqual(
      s1.segments.map((s) => [s.index, s.compressed, s.start_offset, s.bytes]),
      [[1, true, 0, size], [2, true, size, new TextEncoder().encode(intent("s1", NOW)).length]],
    );
    let onDisk = Deno.statSync(`${root}/s1.jsonl`).size;
    for (const entry of Deno.readDirSync(dir)) onDisk += Deno.statSync(`${dir}/${entry.name}`).size;
    assert.equal(s1.bytes, onDisk, "every file counts on disk, the plain copy too");
    assert.equal(s1.root, root);
  });
});
