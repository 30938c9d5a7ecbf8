/**
 * The event kinds of the wire format, with no dependency, so the schemas,
 * the readers, the CLI and the browser bundle share one list.
 *
 * @module
 */

/**
 * Every event kind, in pipeline order.
 *
 * @example
 * ```ts
 * import { EVENT_KINDS } from "@peak-trade/execution";
 * console.log(EVENT_KINDS); // ["intent", "gate", "order", "fill", "error"]
 * ```
 */
export const EVENT_KINDS = ["intent", "gate", "order", "fill", "error"] as const;

/**
 * The kind of an execution event.
 *
 * @example
 * ```ts
 * import type { EventKind } from "@peak-trade/execution";
 * const kind: EventKind = "fill";
 * ```
 */
export type EventKind = typeof EVENT_KINDS[number];

/**
 * Whether `kind` is one of {@linkcode EVENT_KINDS}.
 *
 * @example
 * ```ts
 * import { isEventKind } from "@peak-trade/execution";
 * console.log(isEventKind("fill"), isEventKind("Fill")); // true false
 * ```
 */
export function isEventKind(kind: unknown): kind is EventKind {
  return typeof kind === "string" && (EVENT_KINDS as readonly string[]).includes(kind);
}
