import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import SiteNav from "../../components/SiteNav.tsx";

Deno.test("the header links the sessions and the console, marking the current page", () => {
  const html = renderToString(<SiteNav path="/live/telemetry" firing={0} critical={false} />);
  assert.match(html, /<a href="\/">Sessions<\/a>/);
  assert.match(html, /<a href="\/live\/telemetry" aria-current="page">Telemetry health<\/a>/);
  assert.doesNotMatch(html, /badge/);
});

Deno.test("the badge counts firing alerts and turns red when one is critical", () => {
  assert.match(
    renderToString(<SiteNav path="/" firing={3} critical={false} />),
    /class="badge badge-warn" title="3 alert\(s\) firing">3 firing</,
  );
  assert.match(renderToString(<SiteNav path="/" firing={1} critical />), /badge-critical/);
});
