import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { ActivityWindowReader } from "../../ops/activity_window.ts";
import { scanLogRoot } from "../../ops/log_root_inventory.ts";
import { readSegmentManifest, segmentDir } from "../../execution/telemetry/segments.ts";
import { rotateNow, writeRotatedSession } from "../live/helpers.ts";
import {
  decisions,
  errorEvent,
  intent,
  MINUTE,
  setMtime,
  withRoot,
  writeSession,
} from "./helpers.ts";

// Real time: the reader skips files by their modification time, which the file system sets now.
const now = () => Date.now();

async function readAll(root: string, reader: ActivityWindowReader, sinceMs: number) {
  const inventory = await scanLogRoot(root);
  const out: Record<string, unknown> = {};
  for (const s of inventory.sessions) out[s.session_id] = await reader.read(s, sinceMs);
  return out;
}

Deno.test("only events inside the window count: intents, blocks, errors and drops", async () => {
  await withRoot(async (root) => {
    const t = now();
    await writeSession(
      root,
      "s1",
      decisions("s1", t - 60 * MINUTE, 10, 10) + // before the window
        decisions("s1", t - 5 * MINUTE, 4, 1) +
        errorEvent("s1", t - 4 * MINUTE) +
        errorEvent("s1", t - 3 * MINUTE, "TELEMETRY_DROPPED", 250),
    );
    const counts = await readAll(root, new ActivityWindowReader(), t - 15 * MINUTE);
    assert.deepEqual(counts.s1, {
      events: 10,
      intents: 4,
      blocked: 1,
      errors: 1,
      dropped: 250,
      partial: false,
    });
  });
});

Deno.test("a session not written since the window began is not opened and counts nothing", async () => {
  await withRoot(async (root) => {
    const t = now();
    // Events that claim to be recent in a file last written an hour ago: the file decides.
    await writeSession(root, "idle", decisions("idle", t, 5, 5), t - 60 * MINUTE);
    const counts = await readAll(root, new ActivityWindowReader(), t - 15 * MINUTE);
    assert.equal((counts.idle as { events: number }).events, 0);
  });
});

Deno.test("a second read counts only the lines appended since the first", async () => {
  await withRoot(async (root) => {
    const t = now();
    await writeSession(root, "s1", decisions("s1", t - 2 * MINUTE, 3, 1));
    const reader = new ActivityWindowReader();
    const first = (await readAll(root, reader, t - 15 * MINUTE)).s1 as {
      intents: number;
      blocked: number;
    };
    assert.deepEqual([first.intents, first.blocked], [3, 1]);
    await writeSession(root, "s1", decisions("s1", t - MINUTE, 2, 2) + '{"torn":');
    const after = (await readAll(root, reader, t - 15 * MINUTE)).s1 as {
      intents: number;
      blocked: number;
    };
    assert.deepEqual(
      [after.intents, after.blocked],
      [5, 3],
      "the torn last line is not counted yet",
    );
    await writeSession(root, "s1", ' "line"}\n' + intent("s1", t));
    const completed = (await readAll(root, reader, t - 15 * MINUTE)).s1 as { intents: number };
    assert.equal(completed.intents, 6);
  });
});

Deno.test("a file replaced by another (rotation) is read again from its end", async () => {
  await withRoot(async (root) => {
    const t = now();
    await writeSession(root, "s1", decisions("s1", t - 2 * MINUTE, 3, 3));
    const reader = new ActivityWindowReader();
    await readAll(root, reader, t - 15 * MINUTE);
    // Rotation: the old file moves into a segment; a new active file starts.
    await Deno.mkdir(`${root}/.segments/s1`, { recursive: true });
    await Deno.rename(`${root}/s1.jsonl`, `${root}/.segments/s1/000001.jsonl`);
    await writeSession(root, "s1", decisions("s1", t - MINUTE, 2, 0));
    const counts = (await readAll(root, reader, t - 15 * MINUTE)).s1 as {
      intents: number;
      blocked: number;
    };
    assert.deepEqual(
      [counts.intents, counts.blocked],
      [5, 3],
      "the closed segment's window events count",
    );
  });
});

Deno.test("a recently compressed segment and a recent archive are read too", async () => {
  await withRoot(async (root) => {
    const t = now();
    await Deno.mkdir(`${root}/.segments/s1`, { recursive: true });
    await Deno.writeFile(
      `${root}/.segments/s1/000001.jsonl.gz`,
      gzipSync(decisions("s1", t - 30 * MINUTE, 5, 5) + decisions("s1", t - 3 * MINUTE, 2, 2)),
    );
    await writeSession(root, "s1", decisions("s1", t - MINUTE, 1, 0));
    await Deno.writeFile(
      `${root}/done.jsonl.gz`,
      gzipSync(decisions("done", t - 2 * MINUTE, 4, 1)),
    );
    const counts = await readAll(root, new ActivityWindowReader(), t - 15 * MINUTE);
    assert.deepEqual((counts.s1 as { intents: number }).intents, 3);
    assert.deepEqual((counts.done as { blocked: number }).blocked, 1);
  });
});

Deno.test("an old archive is not decompressed", async () => {
  await withRoot(async (root) => {
    const t = now();
    await Deno.writeFile(`${root}/old.jsonl.gz`, new Uint8Array([1, 2, 3])); // not even gzip
    await setMtime(`${root}/old.jsonl.gz`, t - 60 * MINUTE);
    const counts = await readAll(root, new ActivityWindowReader(), t - 15 * MINUTE);
    assert.equal((counts.old as { events: number }).events, 0);
  });
});

Deno.test("after a rotation the window reads on from where it stopped, not the closed segment again", async () => {
  await withRoot(async (root) => {
    const t = now();
    await writeSession(root, "s1", decisions("s1", t - 2 * MINUTE, 3, 1));
    const reader = new ActivityWindowReader();
    await readAll(root, reader, t - 15 * MINUTE);
    await rotateNow(root, "s1");
    // The closed segment is unreadable now: a read that went back into it would miss its events.
    const manifest = (await readSegmentManifest(root, "s1"))!;
    const gz = `${segmentDir(root, "s1")}/${manifest.segments[0].file}`;
    Deno.writeFileSync(gz, new Uint8Array(Deno.statSync(gz).size));
    const line = intent("s1", t - MINUTE);
    await writeSession(root, "s1", line);
    const before = reader.bytesRead;
    const counts = (await readAll(root, reader, t - 15 * MINUTE)).s1 as {
      intents: number;
      blocked: number;
    };
    assert.deepEqual([counts.intents, counts.blocked], [4, 1]);
    assert.equal(reader.bytesRead - before, new TextEncoder().encode(line).length);
  });
});

Deno.test("a rotated session's window goes back into its segments, as the same bytes in one file", async () => {
  await withRoot(async (root) => {
    const t = now();
    const text = decisions("r", t - 30 * MINUTE, 40, 10) + decisions("r", t - 5 * MINUTE, 30, 7) +
      errorEvent("r", t - 4 * MINUTE);
    await writeRotatedSession(`${root}/rotated`, text, 4096);
    await Deno.mkdir(`${root}/reference`);
    await writeSession(`${root}/reference`, "r", text);
    const reader = new ActivityWindowReader();
    const got = (await readAll(`${root}/rotated`, reader, t - 15 * MINUTE)).r;
    assert.deepEqual(got, (await readAll(`${root}/reference`, reader, t - 15 * MINUTE)).r);
    assert.deepEqual(got, {
      events: 61,
      intents: 30,
      blocked: 7,
      errors: 1,
      dropped: 0,
      partial: false,
    });
  });
});

Deno.test("a session left with closed segments only is read from them", async () => {
  await withRoot(async (root) => {
    const t = now();
    await writeSession(root, "s1", decisions("s1", t - 2 * MINUTE, 3, 2));
    await rotateNow(root, "s1");
    await Deno.remove(`${root}/s1.jsonl`);
    const counts = (await readAll(root, new ActivityWindowReader(), t - 15 * MINUTE)).s1 as {
      intents: number;
      blocked: number;
    };
    assert.deepEqual([counts.intents, counts.blocked], [3, 2]);
  });
});
