/**
 * The filter bar of the timeline: kind checkboxes, symbol, since, until and
 * limit. It is a plain GET form, so it works before (or without) JavaScript;
 * once hydrated, the island applies changes in place through the callbacks.
 *
 * @module
 */
import type { JSX, TargetedEvent } from "preact";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import {
  MAX_PAGE_LIMIT,
  MAX_SYMBOL_FILTER_LENGTH,
  MAX_TIME_BOUND_LENGTH,
} from "../live/timeline_query.ts";
import { kindClass } from "../web/format.ts";

/**
 * The values the filter bar shows and edits (the timeline island's
 * `TimelineFilters`).
 */
export interface FilterValues {
  /** Kinds shown; empty shows every kind. */
  kinds: string[];
  /** Symbol shown; empty shows every symbol. */
  symbol: string;
  /** Rows per page, 1–1000. */
  limit: number;
  /** Only events at or after this instant (ISO 8601 as typed; naive = UTC); empty or absent: no bound. */
  since?: string;
  /** Only events at or before this instant (ISO 8601 as typed; naive = UTC); empty or absent: no bound. */
  until?: string;
}

/**
 * Props of {@linkcode FilterBar}.
 */
export interface FilterBarProps {
  /** Where the form submits to without JavaScript (the page's own path). */
  action: string;
  /** The values shown (what is typed, applied or not). */
  values: FilterValues;
  /** A field was typed in: `values` as they now read. */
  onEdit: (values: FilterValues) => void;
  /** A text field was left or Enter pressed, the limit changed or the form submitted. */
  onApply: (values: FilterValues) => void;
  /** A kind checkbox changed. */
  onToggleKind: (kind: string, checked: boolean) => void;
}

/** The text fields, with the longest text the server accepts for each (live/timeline_query.ts). */
const TEXT_FIELDS = [
  { label: "Symbol", name: "symbol", placeholder: "all", maxLength: MAX_SYMBOL_FILTER_LENGTH },
  {
    label: "Since",
    name: "since",
    placeholder: "2026-11-25T09:30Z",
    maxLength: MAX_TIME_BOUND_LENGTH,
  },
  { label: "Until", name: "until", placeholder: "any time", maxLength: MAX_TIME_BOUND_LENGTH },
] as const;

/**
 * The timeline's filter bar.
 *
 * @example
 * ```tsx
 * import { FilterBar } from "./FilterBar.tsx";
 * const bar = (
 *   <FilterBar
 *     action="/live/execution/demo"
 *     values={{ kinds: [], symbol: "", limit: 200 }}
 *     onEdit={() => {}}
 *     onApply={() => {}}
 *     onToggleKind={() => {}}
 *   />
 * );
 * ```
 */
export function FilterBar(
  { action, values, onEdit, onApply, onToggleKind }: FilterBarProps,
): JSX.Element {
  function onSubmit(event: TargetedEvent<HTMLFormElement, Event>): void {
    event.preventDefault();
    onApply(values);
  }
  return (
    <form class="filters" method="get" action={action} onSubmit={onSubmit}>
      <fieldset class="kinds">
        <legend>Kinds</legend>
        {EVENT_KINDS.map((kind) => (
          <label key={kind} class="kind-option">
            <input
              type="checkbox"
              name="kind"
              value={kind}
              checked={values.kinds.includes(kind)}
              onChange={(e) => onToggleKind(kind, e.currentTarget.checked)}
            />
            <span class={`badge ${kindClass(kind)}`}>{kind}</span>
          </label>
        ))}
      </fieldset>
      {TEXT_FIELDS.map(({ label, name, placeholder, maxLength }) => (
        <label class="field" key={name}>
          <span>{label}</span>
          <input
            type="text"
            name={name}
            value={values[name] ?? ""}
            placeholder={placeholder}
            maxLength={maxLength}
            onInput={(e) => onEdit({ ...values, [name]: e.currentTarget.value })}
            onChange={(e) => onApply({ ...values, [name]: e.currentTarget.value })}
          />
        </label>
      ))}
      <label class="field">
        <span>Limit</span>
        <input
          type="number"
          name="limit"
          min={1}
          max={MAX_PAGE_LIMIT}
          value={values.limit}
          onInput={(e) => onEdit({ ...values, limit: Number(e.currentTarget.value) })}
          onChange={(e) => onApply({ ...values, limit: Number(e.currentTarget.value) })}
        />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
