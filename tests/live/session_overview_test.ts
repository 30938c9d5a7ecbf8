import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { listSessionPage, SPARKLINE_POINTS } from "../../live/session_overview.ts";
import {
  append,
  rotateNow,
  sessionLines,
  withRotatedAndReference,
  withTempDir,
} from "./helpers.ts";

Deno.test("a rotated session is one index row over every segment: figures and activity", async () => {
  const text = sessionLines("r", 1200);
  await withRotatedAndReference("r", text, 16 * 1024, async (rotated, reference) => {
    const now = Date.now();
    const [got] = (await listSessionPage({ baseDir: rotated, now })).sessions;
    const [want] = (await listSessionPage({ baseDir: reference, now })).sessions;
    assert.equal(got.event_count, 1200);
    assert.equal(got.fills, want.fills);
    assert.equal(got.block_rate, want.block_rate);
    assert.equal(got.state, "active");
    assert.equal(got.activity.length, SPARKLINE_POINTS);
    assert.deepEqual(got.activity, want.activity);
    assert.equal(got.activity.reduce((a, b) => a + b, 0), 1200);
  });
});

Deno.test("the activity of an index row reads on across a rotation", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const sum = async () =>
      (await listSessionPage({ baseDir: dir })).sessions[0].activity.reduce((a, b) => a + b, 0);
    assert.equal(await sum(), 40);
    await rotateNow(dir, "s");
    await append(`${dir}/s.jsonl`, sessionLines("s", 8, 40));
    assert.equal(await sum(), 48);
  });
});

Deno.test("a whole-session archive is archived in the index, however recent", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/done.jsonl.gz`, gzipSync(sessionLines("done", 12)));
    await append(`${dir}/live.jsonl`, sessionLines("live", 4));
    const page = await listSessionPage({ baseDir: dir, sort: "session_id", order: "asc" });
    assert.deepEqual(
      page.sessions.map((s) => [s.session_id, s.state, s.event_count]),
      [["done", "archived", 12], ["live", "active", 4]],
    );
    assert.equal(page.sessions[0].activity.reduce((a, b) => a + b, 0), 12);
  });
});
