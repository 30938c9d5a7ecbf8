import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Island, IslandCollector, IslandContext } from "../../web/island.tsx";

function Greeting({ who }: { who: string }) {
  return h("p", null, `hello ${who}`);
}

function Unregistered() {
  return h("p", null, "nobody hydrates me");
}

Deno.test("an island renders inside its wrapper and is recorded under its registered name", () => {
  const collector = new IslandCollector({ Greeting });
  const html = renderToString(
    h(IslandContext.Provider, { value: collector }, [
      h(Island<{ who: string }>, { component: Greeting, props: { who: "a" } }),
      h(Island<{ who: string }>, { component: Greeting, props: { who: "b" } }),
    ]),
  );
  assert.equal(
    html,
    '<div data-island="island-0"><p>hello a</p></div>' +
      '<div data-island="island-1"><p>hello b</p></div>',
  );
  assert.deepEqual(collector.records, [
    { id: "island-0", name: "Greeting", props: { who: "a" } },
    { id: "island-1", name: "Greeting", props: { who: "b" } },
  ]);
});

Deno.test("an island missing from the registry is refused, naming where to register it", () => {
  const collector = new IslandCollector({ Greeting });
  assert.throws(
    () =>
      renderToString(
        h(
          IslandContext.Provider,
          { value: collector },
          h(Island<Record<string, never>>, {
            component: Unregistered,
            props: {},
          }),
        ),
      ),
    /island Unregistered is not registered: add it to server\/island_registry\.ts/,
  );
});

Deno.test("an island rendered outside a page render is refused", () => {
  assert.throws(
    () => renderToString(h(Island<{ who: string }>, { component: Greeting, props: { who: "a" } })),
    /Island rendered outside a page render/,
  );
});
