import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveChangedError, archiveSession } from "../../../ops/retention/session_archive.ts";
import { sessionLines } from "../../live/helpers.ts";
import { DAY, exists, gunzipped, withRoot, writeSession } from "./helpers.ts";

Deno.test("an archive holds the session's bytes, keeps its age, and replaces the plain file", async () => {
  await withRoot(async (root) => {
    const mtime = Math.floor((Date.now() - 10 * DAY) / 1000) * 1000;
    const path = await writeSession(root, "s", 3000, mtime);
    const bytes = await Deno.readFile(path);
    const result = await archiveSession(root, "s");
    const archive = join(root, "s.jsonl.gz");
    assert.deepEqual(await gunzipped(archive), bytes);
    assert.equal((await Deno.stat(archive)).mtime?.getTime(), mtime);
    assert.deepEqual(result, {
      bytesBefore: bytes.length,
      bytesAfter: (await Deno.stat(archive)).size,
    });
    assert.ok(!(await exists(path)));
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["s.jsonl.gz"]);
  });
});

Deno.test("a line written while the session was compressed keeps the plain file and no archive", async () => {
  await withRoot(async (root) => {
    const path = await writeSession(root, "s", 100, Date.now() - 10 * DAY);
    await assert.rejects(
      archiveSession(root, "s", async (commit) => {
        // A writer that came back between the compression and the commit.
        await Deno.writeTextFile(path, sessionLines("s", 1, 100), { append: true });
        return await commit();
      }),
      ArchiveChangedError,
    );
    assert.ok(await exists(path));
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["s.jsonl"]);
    assert.equal((await Deno.readTextFile(path)).split("\n").length - 1, 101);
  });
});

Deno.test("an archive that exists is appended to, never overwritten", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "s", 10, Date.now() - 20 * DAY);
    const first = await Deno.readTextFile(join(root, "s.jsonl"));
    await archiveSession(root, "s");
    await writeSession(root, "s", 5, Date.now() - 10 * DAY);
    const second = await Deno.readTextFile(join(root, "s.jsonl"));
    await archiveSession(root, "s");
    assert.equal(
      new TextDecoder().decode(await gunzipped(join(root, "s.jsonl.gz"))),
      first + second,
    );
  });
});
