import assert from "node:assert/strict";
import { createApp } from "../../../../server/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "../../fixtures.ts";

Deno.test("sessions API lists every session, newest first", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "older", [wireEvent("older", 1, "intent")]);
    await Deno.utime(`${dir}/older.jsonl`, new Date(2026, 0, 1), new Date(2026, 0, 1));
    await appendEvents(dir, "newer", demoEvents("newer", 3));
    const res = await createApp({ logDir: dir }).request("/api/live/sessions");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.count, 2);
    assert.deepEqual(body.sessions.map((s: { session_id: string }) => s.session_id), [
      "newer",
      "older",
    ]);
  });
});

Deno.test("sessions API answers an empty list when the log root does not exist", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: `${dir}/missing` }).request("/api/live/sessions");
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).sessions, []);
  });
});
