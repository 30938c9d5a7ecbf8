import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { TimelineTable } from "../../components/TimelineTable.tsx";
import type { TimelineRow } from "../../live/types.ts";

function row(fields: Partial<TimelineRow>): TimelineRow {
  return {
    ts: "2026-11-25T09:30:45.123456+00:00",
    kind: "fill",
    symbol: "BTC-USD",
    description: "Fill",
    details: null,
    offset: 0,
    seq: 1,
    ...fields,
  };
}

Deno.test("a row without payload or symbol shows no payload disclosure and a dash", () => {
  const html = renderToString(
    <TimelineTable rows={[row({ symbol: null, details: {} })]} timeZone="utc" />,
  );
  assert.match(html, /<td class="symbol">—<\/td>/);
  assert.doesNotMatch(html, /<details>/);
  assert.match(html, /<td class="ts">2026-11-25 09:30:45\.123456 UTC<\/td>/);
});

Deno.test("rows keep their order and carry kind and offset for the page's scripts and tests", () => {
  const html = renderToString(
    <TimelineTable
      rows={[row({ offset: 20, kind: "custom" }), row({ offset: 10, details: { a: 1 } })]}
      timeZone="utc"
    />,
  );
  const attrs = [...html.matchAll(/<tr data-kind="([^"]+)" data-offset="(\d+)"/g)].map((m) =>
    `${m[1]}@${m[2]}`
  );
  assert.deepEqual(attrs, ["custom@20", "fill@10"]);
  assert.match(html, /class="badge kind-other">custom</);
  assert.match(html, /<pre class="details">\{\n {2}&quot;a&quot;: 1\n\}<\/pre>/);
});

Deno.test("the table has a caption, scoped column headers and a mode column", () => {
  const html = renderToString(
    <TimelineTable rows={[row({ mode: "live" }), row({ offset: 5, mode: null })]} timeZone="utc" />,
  );
  assert.match(
    html,
    /<caption>Execution events, newest first \(2 shown; times in UTC\)<\/caption>/,
  );
  const headers = [...html.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]);
  assert.deepEqual(headers, ["Timestamp", "Kind", "Mode", "Symbol", "Description"]);
  assert.deepEqual([...html.matchAll(/<td class="mode">([^<]+)<\/td>/g)].map((m) => m[1]), [
    "live",
    "—",
  ]);
});

Deno.test("rows can take focus for keyboard navigation", () => {
  const html = renderToString(<TimelineTable rows={[row({})]} timeZone="utc" />);
  assert.match(html, /<tr data-kind="fill" data-offset="0" tabindex="-1">/);
});
