import assert from "node:assert/strict";
import { createApp } from "../../web/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "./fixtures.ts";

const HOSTILE_SYMBOL = "<img src=x onerror=alert(1)>";
const HOSTILE_TEXT = "</script><script>alert(2)</script>";

/** Every `<script …>` opening tag in `html`. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/gi) ?? [];
}

/** The island props block of a page. */
function islandProps(html: string): { name: string; props: Record<string, unknown> }[] {
  const m = /<script type="application\/json" id="__islands">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "the page carries the islands' props as a JSON data block");
  return JSON.parse(m[1]);
}

Deno.test("the timeline page renders the island with its props as a JSON data block and no inline script", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 7));
    const res = await createApp({ logDir: dir }).request("/live/execution/s1");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Execution Timeline – s1<\/title>/);
    for (const tag of scriptTags(html)) {
      assert.ok(
        /type="application\/json"/.test(tag) ||
          /type="module" src="\/static\/islands\.js/.test(tag),
        `only data blocks and the external bundle: ${tag}`,
      );
    }
    const [island] = islandProps(html);
    assert.equal(island.name, "ExecutionTimeline");
    assert.equal((island.props.rows as unknown[]).length, 7);
    assert.match(html, /data-island="island-0"/);
    assert.match(html, /class="badge kind-fill"/);
    assert.match(html, /Showing 7 events \(newest first\)/);
  });
});

Deno.test("hostile symbols and payloads are escaped in the page and in the props block", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "xss", [
      wireEvent("xss", 1, "error", HOSTILE_SYMBOL, {
        error: HOSTILE_TEXT,
        code: "X",
        stacktrace: "\u2028\u2029<!--",
      }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/xss")).text();
    assert.ok(!html.includes(HOSTILE_SYMBOL), "the symbol never appears as markup");
    assert.ok(!html.includes("<script>alert(2)"), "the payload never opens a script");
    assert.ok(!html.includes("<!--"), "no comment opener from the payload");
    const block =
      /<script type="application\/json" id="__islands">([\s\S]*?)<\/script>/.exec(html)![1];
    assert.ok(!/[\u2028\u2029<>]/.test(block), "<, > and line separators are escaped in the data");
    assert.match(html, /<td class="symbol">&lt;img src=x onerror=alert\(1\)>/);
    const [island] = islandProps(html);
    const row = (island.props.rows as { symbol: string; details: { error: string } }[])[0];
    assert.equal(row.symbol, HOSTILE_SYMBOL, "the data survives the round trip exactly");
    assert.equal(row.details.error, HOSTILE_TEXT);
  });
});

Deno.test("the filter bar works as a plain GET form: kind and symbol filter the rendered rows", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 20));
    const html = await (await createApp({ logDir: dir }).request(
      "/live/execution/s1?kind=fill&symbol=BTC-USD&limit=50",
    )).text();
    const kinds = [...html.matchAll(/<tr data-kind="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(kinds.length > 0);
    assert.ok(kinds.every((k) => k === "fill"));
    assert.match(html, /<form class="filters" method="get" action="\/live\/execution\/s1"/);
    assert.match(html, /<input type="checkbox" name="kind" value="fill" checked/);
    assert.match(html, /name="symbol" value="BTC-USD"/);
  });
});

Deno.test("the timeline page links to older events by cursor", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10));
    const app = createApp({ logDir: dir });
    const html = await (await app.request("/live/execution/s1?limit=4")).text();
    const href = /<a class="older" href="([^"]+)"/.exec(html)?.[1].replaceAll("&amp;", "&");
    assert.ok(href, "an older link is rendered");
    assert.match(href, /before=\d+/);
    const older = await (await app.request(href)).text();
    const offsetsFirst = [...html.matchAll(/data-offset="(\d+)"/g)].map((m) => m[1]);
    const offsetsOlder = [...older.matchAll(/data-offset="(\d+)"/g)].map((m) => m[1]);
    assert.equal(offsetsOlder.length, 4);
    assert.ok(offsetsOlder.every((o) => !offsetsFirst.includes(o)));
  });
});

Deno.test("a missing session says so plainly on the page", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/live/execution/ghost");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /No execution log found for session ghost/);
  });
});

Deno.test("an empty session file says it has no events yet", async () => {
  await withLogDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/empty.jsonl`, "");
    const html = await (await createApp({ logDir: dir }).request("/live/execution/empty")).text();
    assert.match(html, /This session has no events yet/);
  });
});

Deno.test("a bad limit on the page answers 400 with the page and a message", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const res = await createApp({ logDir: dir }).request("/live/execution/s1?limit=5000");
    assert.equal(res.status, 400);
    assert.match(await res.text(), /limit must be an integer from 1 to 1000/);
  });
});

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

Deno.test("the island bundle and stylesheet are served with their content types", async () => {
  await withLogDir(async (dir) => {
    const { ensureIslandBundle } = await import("../../web/assets.ts");
    await ensureIslandBundle();
    const app = createApp({ logDir: dir });
    const js = await app.request("/static/islands.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /text\/javascript/);
    assert.match(await js.text(), /__islands/);
    const css = await app.request("/static/styles.css");
    assert.match(await css.text(), /\.kind-fill \{ background: #fed7d7; color: #742a2a; \}/);
  });
});
