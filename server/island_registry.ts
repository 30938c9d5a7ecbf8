/**
 * The explicit island registry shared by the server renderer and the client
 * bundle: an island's name maps to its default-exported component. Pages
 * render islands by component (`<Island component={…} />`); the renderer
 * names them from here, so a page cannot render an island the client bundle
 * does not know.
 *
 * @module
 */
import type { IslandRegistry } from "../web/island.tsx";
import ExecutionTimeline from "../islands/ExecutionTimeline.tsx";
import SessionsIndex from "../islands/SessionsIndex.tsx";
import ThemeToggle from "../islands/ThemeToggle.tsx";

/**
 * Every island the client bundle can hydrate, by name.
 *
 * @example
 * ```ts
 * import { ISLANDS } from "./island_registry.ts";
 * console.log(Object.keys(ISLANDS)); // ["ExecutionTimeline", "SessionsIndex", "ThemeToggle"]
 * ```
 */
export const ISLANDS = {
  ExecutionTimeline,
  SessionsIndex,
  ThemeToggle,
} as const satisfies IslandRegistry;
