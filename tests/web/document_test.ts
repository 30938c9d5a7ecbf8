import assert from "node:assert/strict";
import { escapeHtml, renderDocument, serializeJsonForHtml } from "../../web/document.ts";

Deno.test("serializeJsonForHtml escapes everything that could end or alter a script block", () => {
  const value = { a: "</script><script>alert(1)</script>", b: "<!-- \u2028\u2029 & >" };
  const json = serializeJsonForHtml(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(json), json);
  assert.deepEqual(JSON.parse(json), value, "the data round-trips exactly");
});

Deno.test("escapeHtml escapes markup and both quote kinds", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test("a document without islands ships only the external theme script", () => {
  const html = renderDocument({
    title: "<t>",
    body: "<main></main>",
    islands: [],
    assetVersion: "v1",
  });
  assert.deepEqual(html.match(/<script\b[^>]*>/g), ['<script src="/static/theme.js?v=v1">']);
  assert.match(html, /<meta name="color-scheme" content="light dark">/);
  assert.match(html, /<link rel="stylesheet" href="\/static\/uplot\.css\?v=v1">/);
  assert.match(html, /<title>&lt;t&gt;<\/title>/);
  assert.match(html, /<link rel="stylesheet" href="\/static\/styles\.css\?v=v1">/);
});

Deno.test("a document with islands carries a JSON data block and one external module script", () => {
  const html = renderDocument({
    title: "t",
    body: "",
    islands: [{ id: "island-0", name: "ExecutionTimeline", props: { s: "</script>" } }],
    assetVersion: "v1",
  });
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  assert.deepEqual(tags, [
    '<script src="/static/theme.js?v=v1">',
    '<script type="application/json" id="__islands">',
    '<script type="module" src="/static/islands.js?v=v1">',
  ]);
  assert.equal(html.split("</script>").length - 1, 3, "the payload cannot close the block early");
});
