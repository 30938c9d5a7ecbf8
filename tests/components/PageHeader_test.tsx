import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { JSX } from "preact";
import { PageHeader } from "../../components/PageHeader.tsx";
import ThemeToggle from "../../islands/ThemeToggle.tsx";
import { IslandCollector, IslandContext } from "../../web/island.tsx";

/** Render inside a page render (the header holds the theme switch island). */
function render(element: JSX.Element): string {
  return renderToString(
    <IslandContext.Provider value={new IslandCollector({ ThemeToggle })}>
      {element}
    </IslandContext.Provider>,
  );
}

Deno.test("the header links the sessions, the console and the metrics, marking the current page", () => {
  const html = render(
    <PageHeader auth={false} current="/live/telemetry" firing={0} critical={false} />,
  );
  assert.match(html, /<a href="\/">Sessions<\/a>/);
  assert.match(html, /<a href="\/live\/telemetry" aria-current="page">Telemetry health<\/a>/);
  assert.match(html, /<a href="\/metrics">Metrics<\/a>/);
  assert.doesNotMatch(html, /badge/);
  assert.doesNotMatch(html, /logout/, "no log-out without a token");
});

Deno.test("the badge counts firing alerts and turns red when one is critical", () => {
  assert.match(
    render(<PageHeader auth={false} current="/" firing={3} critical={false} />),
    /class="badge badge-warn" title="3 alert\(s\) firing">3 firing</,
  );
  assert.match(
    render(<PageHeader auth={false} current="/" firing={1} critical />),
    /badge-critical/,
  );
});

Deno.test("with a token the header offers a log-out form that posts", () => {
  const html = render(<PageHeader auth current="/" firing={0} critical={false} />);
  assert.match(html, /<form method="post" action="\/logout"/);
});
