/**
 * The explicit island manifest shared by the server renderer and the client
 * bundle: an island's name maps to its default-exported component.
 *
 * @module
 */
import type { ComponentProps } from "preact";
import ExecutionTimeline from "../islands/ExecutionTimeline.tsx";

/**
 * Every island the client bundle can hydrate, by name.
 *
 * @example
 * ```ts
 * import { ISLANDS } from "./island_registry.ts";
 * console.log(Object.keys(ISLANDS)); // ["ExecutionTimeline"]
 * ```
 */
export const ISLANDS = { ExecutionTimeline } as const;

/**
 * The name of a registered island.
 *
 * @example
 * ```ts
 * import type { IslandName } from "./island_registry.ts";
 * const name: IslandName = "ExecutionTimeline";
 * ```
 */
export type IslandName = keyof typeof ISLANDS;

/**
 * The props type of the island called `N`.
 *
 * @example
 * ```ts
 * import type { IslandPropsOf } from "./island_registry.ts";
 * type TimelineProps = IslandPropsOf<"ExecutionTimeline">;
 * ```
 */
export type IslandPropsOf<N extends IslandName> = ComponentProps<typeof ISLANDS[N]>;
