import assert from "node:assert/strict";
import { listSessions } from "../../live/sessions.ts";
import { append, sessionLines, tsAt, withTempDir } from "./helpers.ts";

Deno.test("listSessions lists valid <id>.jsonl files newest first with counts and ts range", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/older.jsonl`, sessionLines("older", 4));
    await append(`${dir}/newer.jsonl`, sessionLines("newer", 6, 100));
    const sessions = await listSessions(dir);
    assert.deepEqual(sessions.map((s) => s.session_id), ["newer", "older"]);
    const newer = sessions[0];
    assert.equal(newer.event_count, 6);
    assert.equal(newer.first_ts, tsAt(100));
    assert.equal(newer.last_ts, tsAt(105));
    assert.equal(newer.size_bytes, (await Deno.stat(`${dir}/newer.jsonl`)).size);
    assert.match(newer.modified ?? "", /^\d{4}-\d{2}-\d{2}T/);
  });
});

Deno.test("listSessions ignores files whose names are not valid session ids or not .jsonl", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/good.jsonl`, sessionLines("good", 1));
    await append(`${dir}/.hidden.jsonl`, sessionLines("h", 1));
    await append(`${dir}/has space.jsonl`, sessionLines("h", 1));
    await append(`${dir}/notes.txt`, "hello");
    await append(`${dir}/old.jsonl.gz`, "x");
    await Deno.mkdir(`${dir}/dir.jsonl`);
    const sessions = await listSessions(dir);
    assert.deepEqual(sessions.map((s) => s.session_id), ["good"]);
  });
});

Deno.test("listSessions counts appended events on the next call", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 3));
    assert.equal((await listSessions(dir))[0].event_count, 3);
    await append(`${dir}/s.jsonl`, sessionLines("s", 2, 3));
    assert.equal((await listSessions(dir))[0].event_count, 5);
  });
});

Deno.test("listSessions of a missing directory is an empty list", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await listSessions(`${dir}/missing`), []);
  });
});

Deno.test("listSessions puts sessions without timestamps after those with, by modification time", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/nots.jsonl`, '{"kind":"heartbeat"}\n');
    await append(`${dir}/withts.jsonl`, sessionLines("withts", 1));
    const sessions = await listSessions(dir);
    assert.deepEqual(sessions.map((s) => [s.session_id, s.last_ts === null]), [["withts", false], [
      "nots",
      true,
    ]]);
  });
});
