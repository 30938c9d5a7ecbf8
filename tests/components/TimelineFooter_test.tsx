import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { TimelineFooter } from "../../components/TimelineFooter.tsx";

Deno.test("the footer links the next older page while there is one", () => {
  const html = renderToString(
    <TimelineFooter shown={15} olderHref="/live/execution/demo?limit=15&before=1024" />,
  );
  assert.match(html, /Showing 15 events \(newest first\)/);
  assert.match(html, /<a class="older" href="\/live\/execution\/demo\?limit=15&amp;before=1024">/);
  assert.doesNotMatch(
    renderToString(<TimelineFooter shown={40} olderHref={null} />),
    /class="older"/,
  );
});
