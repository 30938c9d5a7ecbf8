/**
 * Server side of islands: a page renders `<Island component={C} props={…} />`
 * for an island component it imports (as Fresh pages use islands); the page
 * renderer supplies the island registry through {@linkcode IslandCollector},
 * which names the component and records its props; the document shell
 * serializes the records as a JSON data block that the client bundle
 * hydrates from. The toolkit never imports the registry: the assembly
 * (`server/`) owns it, so no folder imports one downstream of it.
 *
 * @module
 */
import { type ComponentType, createContext, h, type JSX } from "preact";
import { useContext } from "preact/hooks";

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
  /** Registered island name (a key of the registry). */
  name: string;
  /** Props, serialized as JSON into the page. */
  props: unknown;
}

/**
 * An island registry: every island component the client bundle can hydrate,
 * by name. Props are checked where a page renders the island (`never` here
 * accepts a component of any props type without `any`).
 *
 * @example
 * ```ts
 * import type { IslandRegistry } from "./island.tsx";
 * const Hello = ({ who }: { who: string }) => `hello ${who}`;
 * const registry: IslandRegistry = { Hello };
 * ```
 */
export type IslandRegistry = Readonly<Record<string, ComponentType<never>>>;

/**
 * The islands of one page render: the registry that names them, and the
 * records collected so far (in render order).
 *
 * @example
 * ```ts
 * import { IslandCollector } from "./island.tsx";
 * const Hello = ({ who }: { who: string }) => `hello ${who}`;
 * const collector = new IslandCollector({ Hello });
 * console.log(collector.record(Hello, { who: "you" }).name); // "Hello"
 * ```
 */
export class IslandCollector {
  /** The islands rendered so far. */
  readonly records: IslandRecord[] = [];
  #names: Map<unknown, string>;

  /** Collect islands named by `registry`. */
  constructor(registry: IslandRegistry) {
    this.#names = new Map(Object.entries(registry).map(([name, component]) => [component, name]));
  }

  /** Record an island render; throws when `component` is not in the registry. */
  record(component: unknown, props: unknown): IslandRecord {
    const name = this.#names.get(component);
    if (name === undefined) {
      const label = typeof component === "function" ? component.name : String(component);
      throw new Error(
        `island ${label || "(anonymous)"} is not registered: add it to server/island_registry.ts`,
      );
    }
    const record = { id: `island-${this.records.length}`, name, props };
    this.records.push(record);
    return record;
  }
}

/**
 * The collector of the page being rendered (provided by the page renderer).
 *
 * @example
 * ```tsx
 * import { IslandCollector, IslandContext } from "./island.tsx";
 * const tree = <IslandContext.Provider value={new IslandCollector({})}>{null}</IslandContext.Provider>;
 * ```
 */
export const IslandContext: preact.Context<IslandCollector | null> = createContext<
  IslandCollector | null
>(null);

/**
 * Props of {@linkcode Island}.
 *
 * @example
 * ```ts
 * import type { IslandProps } from "./island.tsx";
 * type P = IslandProps<{ who: string }>;
 * ```
 */
export interface IslandProps<P> {
  /** The island component (registered in the assembly's island registry). */
  component: ComponentType<P>;
  /** Its props: plain, JSON-serializable data. */
  props: P;
}

/**
 * Render an island on the server and record its props for hydration.
 *
 * @example
 * ```tsx
 * import { Island } from "./island.tsx";
 * // inside a page component:
 * // <Island component={ExecutionTimeline} props={timelineProps} />
 * ```
 */
export function Island<P>({ component, props }: IslandProps<P>): JSX.Element {
  const collector = useContext(IslandContext);
  if (collector === null) throw new Error("Island rendered outside a page render");
  const { id } = collector.record(component, props);
  // `P` is the component's own props type; `h` cannot relate a generic props type to it.
  const vnode = h(
    component as ComponentType<Record<string, unknown>>,
    props as Record<string, unknown>,
  );
  return <div data-island={id}>{vnode}</div>;
}
