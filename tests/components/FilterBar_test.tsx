import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { FilterBar, type FilterValues } from "../../components/FilterBar.tsx";
import { EVENT_KINDS } from "../../execution/event_kinds.ts";
import { MAX_PAGE_LIMIT } from "../../live/timeline_query.ts";

function render(values: FilterValues): string {
  const ignore = () => {};
  return renderToString(
    <FilterBar
      action="/live/execution/demo"
      values={values}
      onEdit={ignore}
      onApply={ignore}
      onToggleKind={ignore}
    />,
  );
}

Deno.test("the filter bar offers every event kind and checks the chosen ones", () => {
  const html = render({ kinds: ["gate", "custom"], symbol: "", limit: 200 });
  const offered = [...html.matchAll(/name="kind" value="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(offered, [...EVENT_KINDS]);
  const checked = [...html.matchAll(/name="kind" value="([^"]+)" checked/g)].map((m) => m[1]);
  assert.deepEqual(checked, ["gate"]);
});

Deno.test("without JavaScript the filter bar is a GET form to the page with what was typed", () => {
  const html = render({
    kinds: [],
    symbol: "ETH-USD",
    limit: 50,
    since: "2026-11-25T09:30Z",
    until: "not a time",
  });
  assert.match(html, /<form class="filters" method="get" action="\/live\/execution\/demo">/);
  assert.match(html, /name="symbol" value="ETH-USD"/);
  assert.match(html, /name="since" value="2026-11-25T09:30Z"/);
  assert.match(html, /name="until" value="not a time"/);
  assert.match(html, /name="limit" min="1" max="(\d+)" value="50"/);
  assert.equal(/max="(\d+)"/.exec(html)?.[1], String(MAX_PAGE_LIMIT));
});

Deno.test("absent time bounds show empty fields", () => {
  const html = render({ kinds: [], symbol: "", limit: 200 });
  // An empty attribute renders bare (`value`), which a browser reads as "".
  assert.match(html, /name="since" value(="")? placeholder/);
  assert.match(html, /name="until" value(="")? placeholder/);
});
