/**
 * The filter bar of the timeline: kind checkboxes, blocks only, symbol (and
 * how it matches), gate, reason code, since, until and limit. It is a plain
 * GET form, so it works before (or without) JavaScript; once hydrated, the
 * island applies changes in place through the callbacks.
 *
 * @module
 */
import type { JSX, TargetedEvent } from "preact";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import {
  MAX_PAGE_LIMIT,
  MAX_SYMBOL_FILTER_LENGTH,
  MAX_TIME_BOUND_LENGTH,
  type SymbolMatch,
} from "../live/timeline_query.ts";
import { kindClass, type TimeZoneMode } from "../web/format.ts";

/**
 * The values the filter bar shows and edits (the timeline island's
 * `TimelineFilters`).
 */
export interface FilterValues {
  /** Kinds shown; empty shows every kind. */
  kinds: string[];
  /** Symbol shown; empty shows every symbol. */
  symbol: string;
  /** How the symbol matches; absent: `exact`. */
  symbolMatch?: SymbolMatch;
  /** Match the symbol regardless of case; absent: no. */
  symbolIgnoreCase?: boolean;
  /** Only blocking gate decisions; absent: no. */
  blocked?: boolean;
  /** Gate names, comma-separated as typed; empty or absent: every gate. */
  gate?: string;
  /** Reason codes, comma-separated as typed; empty or absent: every code. */
  code?: string;
  /** Rows per page, 1–1000. */
  limit: number;
  /** Only events at or after this instant (ISO 8601 as typed; without offset: the zone shown); empty or absent: no bound. */
  since?: string;
  /** Only events at or before this instant (ISO 8601 as typed; without offset: the zone shown); empty or absent: no bound. */
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
  /** The zone since/until are read in (named in their labels); absent: UTC. */
  timeZone?: TimeZoneMode;
  /** Gate names seen in the session, offered while typing. */
  gateNames?: readonly string[];
  /** Reason codes seen in the session, offered while typing. */
  codeNames?: readonly string[];
}

const SYMBOL_MATCH_LABELS: Record<SymbolMatch, string> = {
  exact: "is",
  prefix: "starts with",
  substring: "contains",
};

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
export function FilterBar(props: FilterBarProps): JSX.Element {
  const { action, values, onEdit, onApply, onToggleKind } = props;
  const zone = props.timeZone === "local" ? "local time" : "UTC";
  function onSubmit(event: TargetedEvent<HTMLFormElement, Event>): void {
    event.preventDefault();
    onApply(values);
  }
  const text = (
    label: string,
    name: "symbol" | "gate" | "code" | "since" | "until",
    placeholder: string,
    maxLength: number,
    list?: string,
  ) => (
    <label class="field" key={name}>
      <span>{label}</span>
      <input
        type="text"
        name={name}
        value={values[name] ?? ""}
        placeholder={placeholder}
        maxLength={maxLength}
        list={list}
        autocomplete="off"
        onInput={(e) => onEdit({ ...values, [name]: e.currentTarget.value })}
        onChange={(e) => onApply({ ...values, [name]: e.currentTarget.value })}
      />
    </label>
  );
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
        <label class="kind-option blocked-option">
          <input
            type="checkbox"
            name="blocked"
            value="1"
            checked={values.blocked ?? false}
            onChange={(e) => onApply({ ...values, blocked: e.currentTarget.checked })}
          />
          <span>Blocks only</span>
        </label>
      </fieldset>
      <div class="field-group">
        {text("Symbol", "symbol", "all", MAX_SYMBOL_FILTER_LENGTH)}
        <label class="field">
          <span>Match</span>
          <select
            name="symbol_match"
            value={values.symbolMatch ?? "exact"}
            onChange={(e) =>
              onApply({ ...values, symbolMatch: e.currentTarget.value as SymbolMatch })}
          >
            {(Object.keys(SYMBOL_MATCH_LABELS) as SymbolMatch[]).map((m) => (
              <option key={m} value={m} selected={(values.symbolMatch ?? "exact") === m}>
                {SYMBOL_MATCH_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        <label class="kind-option ignore-case">
          <input
            type="checkbox"
            name="symbol_ci"
            value="1"
            checked={values.symbolIgnoreCase ?? false}
            onChange={(e) => onApply({ ...values, symbolIgnoreCase: e.currentTarget.checked })}
          />
          <span>ignore case</span>
        </label>
      </div>
      {text("Gate", "gate", "any gate", 256, "gate-names")}
      {text("Reason code", "code", "any code", 256, "code-names")}
      {text(`Since (${zone})`, "since", "2026-11-25T09:30Z", MAX_TIME_BOUND_LENGTH)}
      {text(`Until (${zone})`, "until", "any time", MAX_TIME_BOUND_LENGTH)}
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
      <datalist id="gate-names">
        {(props.gateNames ?? []).map((name) => <option key={name} value={name} />)}
      </datalist>
      <datalist id="code-names">
        {(props.codeNames ?? []).map((name) => <option key={name} value={name} />)}
      </datalist>
    </form>
  );
}
