import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "./fixtures.ts";

Deno.test("the sessions index lists sessions newest first with size, events and a link", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "old-one", [wireEvent("old-one", 1, "intent")]);
    await Deno.utime(`${dir}/old-one.jsonl`, new Date(2026, 0, 1), new Date(2026, 0, 1));
    await appendEvents(dir, "new-one", demoEvents("new-one", 4));
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    const links = [...html.matchAll(/href="\/live\/execution\/([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(links, ["new-one", "old-one"]);
    assert.match(html, /<td class="num">4<\/td>/);
    assert.ok(!html.includes("<script"), "the index ships no script");
  });
});

Deno.test("an empty log root says there are no sessions yet", async () => {
  await withLogDir(async (dir) => {
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.match(html, /No sessions yet/);
  });
});
