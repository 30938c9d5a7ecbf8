/**
 * The summary cards above the timeline: event count, one card per kind,
 * gate blocks, block rate, fill notional, fees and invalid lines of one
 * session: one card per number, with thousands separators. The cards cover
 * the whole session; when the view is filtered a note says so and how many
 * events the filters match.
 *
 * @module
 */
import type { JSX } from "preact";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import type { ExecutionSummary } from "../live/types.ts";
import { formatCount, formatDecimal } from "../web/format.ts";

/**
 * Props of {@linkcode SummaryCards}.
 */
export interface SummaryCardsProps {
  /** The summary of the whole session. */
  summary: ExecutionSummary;
  /** Whether the table is filtered (the cards are not): a note says so. */
  filtered?: boolean;
  /** Events of the whole session the filters match, when known. */
  matching?: number | null;
}

/** The class of a card's value: long amounts get a smaller font, so they never break mid-number. */
function valueClass(text: string): string {
  return text.length > 8 ? "card-value card-value-long" : "card-value";
}

/** The kinds counted in `kindCounts`: the known kinds in pipeline order, then any others. */
function kindsInOrder(kindCounts: Record<string, number>): string[] {
  const known = EVENT_KINDS.filter((kind) => kind in kindCounts);
  const others = Object.keys(kindCounts).filter((kind) =>
    !(EVENT_KINDS as readonly string[]).includes(kind)
  );
  return [...known, ...others];
}

/**
 * The summary of one session as a row of cards.
 *
 * @example
 * ```tsx
 * import { SummaryCards } from "./SummaryCards.tsx";
 * // inside the timeline island: <SummaryCards summary={summary} filtered matching={42} />
 * ```
 */
export function SummaryCards({ summary, filtered, matching }: SummaryCardsProps): JSX.Element {
  const gateBlocks = Object.values(summary.gate_blocks).reduce((a, b) => a + b, 0);
  return (
    <section class="cards-block" aria-label="Session summary">
      <div class="cards">
        <div class="card">
          <span class="card-label">Events</span>
          <span class="card-value" data-testid="event-count">
            {formatCount(summary.event_count)}
          </span>
        </div>
        {kindsInOrder(summary.kind_counts).map((kind) => (
          <div class="card" key={kind}>
            <span class="card-label">{kind.toUpperCase()}</span>
            <span class="card-value">{formatCount(summary.kind_counts[kind])}</span>
          </div>
        ))}
        <div class={gateBlocks > 0 ? "card card-wide" : "card"}>
          <span class="card-label">Gate blocks</span>
          <span class="card-value">{formatCount(gateBlocks)}</span>
          {gateBlocks > 0 && (
            <span class="card-note">
              {Object.entries(summary.gate_blocks).map(([gate, n]) => `${gate} ${formatCount(n)}`)
                .join(", ")}
            </span>
          )}
        </div>
        <div class="card">
          <span class="card-label">Block rate</span>
          <span class="card-value">{(summary.block_rate * 100).toFixed(1)} %</span>
        </div>
        <div class="card">
          <span class="card-label">Fill notional</span>
          <span class={valueClass(`$${formatDecimal(summary.fills.notional, 2)}`)}>
            ${formatDecimal(summary.fills.notional, 2)}
          </span>
        </div>
        <div class="card">
          <span class="card-label">Fees</span>
          <span class={valueClass(`$${formatDecimal(summary.fills.fees, 4)}`)}>
            ${formatDecimal(summary.fills.fees, 4)}
          </span>
        </div>
        <div class={summary.invalid_lines > 0 ? "card card-warn" : "card"}>
          <span class="card-label">Invalid lines</span>
          <span class="card-value">{formatCount(summary.invalid_lines)}</span>
        </div>
      </div>
      {filtered && (
        <p class="cards-note" data-testid="cards-note">
          The cards cover the whole session, not the filters.
          {matching !== undefined && matching !== null &&
            ` ${formatCount(matching)} of ${
              formatCount(summary.event_count)
            } events match the filters.`}
        </p>
      )}
    </section>
  );
}
