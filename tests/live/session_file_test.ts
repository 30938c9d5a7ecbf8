import assert from "node:assert/strict";
import { getExecutionTimeline } from "../../live/timeline.ts";
import { getExecutionSummary } from "../../live/summary.ts";
import { followExecution } from "../../live/follow.ts";
import { listSessions } from "../../live/sessions.ts";
import { movedSinceOpen } from "../../live/session_file.ts";
import { RegularFile } from "../../execution/wire/regular_file.ts";
import { append, sessionLines, withTempDir } from "./helpers.ts";

/** A log root holding a link `leak.jsonl` to a session file outside it. */
async function withLinkOutside(body: (root: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const root = `${dir}/logs`;
    await Deno.mkdir(root);
    await append(`${dir}/outside.jsonl`, sessionLines("leak", 8));
    await Deno.symlink(`${dir}/outside.jsonl`, `${root}/leak.jsonl`);
    await body(root);
  });
}

Deno.test("a session file that is a symbolic link reads as absent: timeline and summary", async () => {
  await withLinkOutside(async (root) => {
    const page = await getExecutionTimeline("leak", { baseDir: root });
    assert.equal(page.found, false);
    assert.deepEqual(page.timeline, []);
    const summary = await getExecutionSummary("leak", { baseDir: root });
    assert.equal(summary.found, false);
    assert.equal(summary.event_count, 0);
    assert.deepEqual(await listSessions(root), []);
  });
});

Deno.test("a session file that is a symbolic link is never followed", async () => {
  await withLinkOutside(async (root) => {
    const signal = AbortSignal.timeout(300);
    const seen = [];
    for await (const item of followExecution("leak", { baseDir: root, from: 0, signal })) {
      seen.push(item);
    }
    assert.deepEqual(seen, []);
  });
});

Deno.test("a FIFO named like a session reads as absent at once instead of blocking", async () => {
  await withTempDir(async (dir) => {
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/pipe.jsonl`] }).output()
      .catch(() => null);
    if (made === null || !made.success) {
      console.log("skipped: mkfifo is not available here");
      return;
    }
    // Opening a FIFO for reading blocks until a writer comes: the readers must not open it.
    assert.equal((await getExecutionTimeline("pipe", { baseDir: dir })).found, false);
    assert.equal((await getExecutionSummary("pipe", { baseDir: dir })).found, false);
    assert.deepEqual(await listSessions(dir), []);
  });
});

Deno.test("a session file rotated away and compressed meanwhile counts as moved, so a reader reads the layout again", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await Deno.writeTextFile(path, "a\n");
    using held = RegularFile.open(path)!;
    assert.equal(movedSinceOpen(held, path), false, "still the file at the path");
    // A rotation renames the file into its segment directory; the writer's next line creates a
    // new active file; compaction then writes the segment's .gz and removes the plain copy. The
    // held file is then neither at the path nor the newest segment file.
    await Deno.mkdir(`${dir}/.segments/s`, { recursive: true });
    await Deno.rename(path, `${dir}/.segments/s/000001.jsonl`);
    await Deno.writeTextFile(`${dir}/.segments/s/000001.jsonl.gz`, "x");
    await Deno.remove(`${dir}/.segments/s/000001.jsonl`);
    assert.equal(movedSinceOpen(held, path), true, "no active file now");
    await Deno.writeTextFile(path, "b\n");
    assert.equal(movedSinceOpen(held, path), true, "a new active file");
  });
});
