import assert from "node:assert/strict";
import { readSegmentManifest } from "../../../execution/telemetry/segments.ts";
import { getExecutionSummary } from "../../../live/summary.ts";
import {
  linesFoundOnDisk,
  segmentFiles,
  sessionLinesOnDisk,
  spawnRotationWriter,
} from "./segment_fixtures.ts";

const decoder = new TextDecoder();
const SESSION = "crashy";
const ROTATE_BYTES = String(16 * 1024);

/** Whether `line` is a whole event line (one a kill cut short does not parse). */
function isCompleteLine(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * A writer rotating every 16 KiB is killed (SIGKILL, by its own armed crash
 * point) at `point`; `leftover` checks the crash left what it should; then a
 * second writer starts (its start-up repairs), writes 500 more events and
 * closes. Nothing on disk before the crash may be lost or duplicated.
 */
async function crashAndRestart(point: string, leftover: (files: string[]) => void): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const crashed = await spawnRotationWriter([
      dir,
      SESSION,
      "0",
      ROTATE_BYTES,
      "until-crash",
      point,
      "K",
    ]).output();
    assert.equal(crashed.signal, "SIGKILL", decoder.decode(crashed.stderr));
    leftover(segmentFiles(dir, SESSION));
    // A kill during a write can leave the last line cut short; it stays in the file as an
    // invalid line (readers skip it), and the restart writes on after it.
    const found = linesFoundOnDisk(dir, SESSION);
    const before = found.filter(isCompleteLine);
    const torn = found.filter((line) => !isCompleteLine(line));
    assert.ok(torn.length <= 1, `at most the last line is cut short: ${torn.join(" | ")}`);
    assert.ok(before.length > 0);
    const restarted = await spawnRotationWriter([
      dir,
      SESSION,
      "500",
      ROTATE_BYTES,
      "close",
      "",
      "R",
    ]).output();
    assert.equal(restarted.code, 0, decoder.decode(restarted.stderr));

    const all = await sessionLinesOnDisk(dir, SESSION);
    const after = all.filter((line) => !torn.includes(line));
    assert.equal(all.length - after.length, torn.length, "a cut line is kept once, as it was");
    const events = after.map((line) => JSON.parse(line));
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), "seq 1..N, once each");
    assert.deepEqual(after.slice(0, before.length), before, "every line written before the crash");
    assert.deepEqual(
      events.slice(before.length).map((e) => e.payload.client_id),
      [...Array(500).keys()].map((i) => `R-${i}`),
    );
    const files = segmentFiles(dir, SESSION);
    assert.deepEqual(files.filter((f) => !/^\d{6}\.jsonl\.gz$/.test(f)), [
      "manifest.json",
      "manifest.lock",
    ], "repair left only compressed segments and the manifest");
    const manifest = await readSegmentManifest(dir, SESSION);
    assert.equal(manifest!.segments.filter((s) => s.summary === null).length, 0);
    const summary = await getExecutionSummary(SESSION, { baseDir: dir });
    assert.equal(summary.event_count, after.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("killed between renaming the active file and entering it in the manifest: the restart enters and compresses it", async () => {
  await crashAndRestart("rotate-after-rename", (files) => {
    assert.ok(files.includes("000001.jsonl"), files.join(" "));
    assert.ok(!files.includes("manifest.json"), "no entry was written");
  });
});

Deno.test("killed during the rotation's manifest write: the temporary is removed and the segment entered", async () => {
  await crashAndRestart("manifest-write", (files) => {
    assert.ok(
      files.some((f) => f.startsWith("manifest.json.") && f.endsWith(".tmp")),
      files.join(" "),
    );
    assert.ok(files.includes("000001.jsonl"));
  });
});

Deno.test("killed after the manifest entry, before the new active file: the restart continues seq", async () => {
  await crashAndRestart("rotate-after-manifest", (files) => {
    assert.ok(files.includes("000001.jsonl") && files.includes("manifest.json"), files.join(" "));
  });
});

Deno.test("killed while compressing: the half-written temporary is removed and the segment compressed again", async () => {
  await crashAndRestart("worker:compress-before-rename", (files) => {
    assert.ok(files.some((f) => /^000001\.jsonl\.gz\..*\.tmp$/.test(f)), files.join(" "));
  });
});

Deno.test("killed after the .gz rename, before its manifest entry: the unrecorded .gz is redone", async () => {
  await crashAndRestart("worker:compress-after-rename", (files) => {
    assert.ok(files.includes("000001.jsonl.gz") && files.includes("000001.jsonl"), files.join(" "));
  });
});

Deno.test("killed during compaction's manifest write: the plain copy still counts, the .gz is redone", async () => {
  await crashAndRestart("worker:compress-manifest-write", (files) => {
    assert.ok(
      files.some((f) => f.startsWith("manifest.json.") && f.endsWith(".tmp")),
      files.join(" "),
    );
    assert.ok(files.includes("000001.jsonl.gz") && files.includes("000001.jsonl"));
  });
});

Deno.test("killed after the manifest names the .gz, before the plain copy is removed: the copy is removed", async () => {
  await crashAndRestart("worker:compress-after-manifest", (files) => {
    assert.ok(files.includes("000001.jsonl.gz") && files.includes("000001.jsonl"), files.join(" "));
  });
});
