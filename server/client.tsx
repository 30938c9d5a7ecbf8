/**
 * The browser entry of the island bundle (`deno bundle` writes it to
 * `static/islands.js`): finds each server-rendered island, reads its props
 * from the page's JSON data block and hydrates it. No inline script runs.
 *
 * @module
 */
import { type FunctionComponent, h, hydrate } from "preact";
import { ISLANDS } from "./island_registry.ts";

interface ClientIslandRecord {
  id: string;
  name: string;
  props: Record<string, unknown>;
}

function hydrateIslands(): void {
  const data = document.getElementById("__islands");
  if (data === null || data.textContent === null) return;
  const records = JSON.parse(data.textContent) as ClientIslandRecord[];
  for (const record of records) {
    const element = document.querySelector(`[data-island="${record.id}"]`);
    if (element === null || !Object.hasOwn(ISLANDS, record.name)) continue;
    const component = ISLANDS[record.name as keyof typeof ISLANDS];
    // Props were type-checked where the server rendered the island; JSON crosses untyped.
    const untyped = component as unknown as FunctionComponent<Record<string, unknown>>;
    hydrate(h(untyped, record.props), element);
  }
  document.documentElement.dataset.hydrated = "true";
}

hydrateIslands();
