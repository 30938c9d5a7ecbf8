/**
 * Server side of islands: {@linkcode Island} renders an island's component
 * into the page and records its props; the document shell serializes the
 * records as a JSON data block that the client bundle hydrates from.
 *
 * @module
 */
import { createContext, type FunctionComponent, h, type JSX } from "preact";
import { useContext } from "preact/hooks";
import { type IslandName, type IslandPropsOf, ISLANDS } from "./island_registry.ts";

/**
 * One island on a page: the element id it renders into, its registered
 * name, and its props (plain JSON data).
 *
 * @example
 * ```ts
 * import type { IslandRecord } from "./island.tsx";
 * const record: IslandRecord = { id: "island-0", name: "ExecutionTimeline", props: {} };
 * ```
 */
export interface IslandRecord {
  /** Value of the wrapper's `data-island` attribute. */
  id: string;
  /** Registered island name (see `island_registry.ts`). */
  name: string;
  /** Props, serialized as JSON into the page. */
  props: unknown;
}

/**
 * Collects the islands rendered on one page (provided by the page renderer).
 *
 * @example
 * ```tsx
 * import { IslandCollector } from "./island.tsx";
 * const records: import("./island.tsx").IslandRecord[] = [];
 * const tree = <IslandCollector.Provider value={records}>{null}</IslandCollector.Provider>;
 * ```
 */
export const IslandCollector: preact.Context<IslandRecord[] | null> = createContext<
  IslandRecord[] | null
>(null);

/**
 * Props of {@linkcode Island}.
 *
 * @example
 * ```ts
 * import type { IslandProps } from "./island.tsx";
 * type P = IslandProps<"ExecutionTimeline">;
 * ```
 */
export interface IslandProps<N extends IslandName> {
  /** The registered island to render. */
  name: N;
  /** Its props: plain, JSON-serializable data. */
  props: IslandPropsOf<N>;
}

/**
 * Render a registered island on the server and record its props for hydration.
 *
 * @example
 * ```tsx
 * import { Island } from "./island.tsx";
 * // inside a page component:
 * // <Island name="ExecutionTimeline" props={timelineProps} />
 * ```
 */
export function Island<N extends IslandName>({ name, props }: IslandProps<N>): JSX.Element {
  const records = useContext(IslandCollector);
  if (records === null) throw new Error("Island rendered outside a page render");
  const id = `island-${records.length}`;
  records.push({ id, name, props });
  // The registry maps N to its component; TypeScript cannot correlate the two by itself.
  const component = ISLANDS[name] as unknown as FunctionComponent<Record<string, unknown>>;
  return <div data-island={id}>{h(component, props as Record<string, unknown>)}</div>;
}
