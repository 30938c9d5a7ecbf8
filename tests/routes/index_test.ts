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
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      assert.match(
        tag,
        /^<script (type="application\/json" id="__islands"|type="module" src="\/static\/islands\.js\?v=[^"]+"|src="\/static\/theme\.js\?v=[^"]+")>$/,
        "only external scripts and the islands' data block",
      );
    }
  });
});

Deno.test("an empty log root says there are no sessions yet", async () => {
  await withLogDir(async (dir) => {
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.match(html, /No sessions yet/);
  });
});

Deno.test("the sessions index shows state, fills, errors and an activity sparkline per session", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "busy", demoEvents("busy", 1_200));
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.match(html, /<span class="state state-active">active<\/span>/);
    assert.match(html, /<td class="num">1,200<\/td>/, "thousands separators");
    assert.match(html, /<td class="num errors">240<\/td>/);
    assert.match(html, /<svg class="sparkline"[^>]*role="img" aria-label="activity of busy: /);
    assert.match(html, /<caption>Sessions 1–1 of 1, sorted by last event<\/caption>/);
    assert.match(html, /<th scope="row"><a href="\/live\/execution\/busy">busy<\/a><\/th>/);
  });
});

Deno.test("the sessions index sorts, filters by text and pages without JavaScript", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "alpha-1", demoEvents("alpha-1", 5));
    await appendEvents(dir, "alpha-2", demoEvents("alpha-2", 9));
    await appendEvents(dir, "beta-1", demoEvents("beta-1", 7));
    const app = createApp({ logDir: dir });
    const ids = (html: string) =>
      [...html.matchAll(/<tr data-session="([^"]+)"/g)].map((m) => m[1]);
    const byEvents = await (await app.request("/?sort=event_count&order=desc")).text();
    assert.deepEqual(ids(byEvents), ["alpha-2", "beta-1", "alpha-1"]);
    const alpha = await (await app.request("/?q=ALPHA&sort=session_id&order=asc")).text();
    assert.deepEqual(ids(alpha), ["alpha-1", "alpha-2"]);
    const second = await (await app.request("/?sort=session_id&order=asc&limit=2&offset=2")).text();
    assert.deepEqual(ids(second), ["beta-1"]);
    assert.match(
      second,
      /class="page-link" href="\/\?sort=session_id&amp;order=asc&amp;limit=2">← Previous/,
    );
    const bad = await app.request("/?sort=colour");
    assert.equal(bad.status, 400);
  });
});
