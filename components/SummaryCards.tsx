/**
 * The summary cards above the timeline: event count, one card per kind,
 * gate blocks, block rate, fills, fees and invalid lines of one session.
 *
 * @module
 */
import type { JSX } from "preact";
import { EVENT_KINDS } from "../execution/event_kinds.ts";
import { formatPythonFixed, formatPythonFixedGrouped } from "../execution/python_format.ts";
import type { ExecutionSummary } from "../live/types.ts";

/**
 * Props of {@linkcode SummaryCards}.
 */
export interface SummaryCardsProps {
  /** The summary of the whole session. */
  summary: ExecutionSummary;
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
 * // inside the timeline island: <SummaryCards summary={summary} />
 * ```
 */
export function SummaryCards({ summary }: SummaryCardsProps): JSX.Element {
  const gateBlocks = Object.values(summary.gate_blocks).reduce((a, b) => a + b, 0);
  return (
    <section class="cards" aria-label="Session summary">
      <div class="card">
        <span class="card-label">Events</span>
        <span class="card-value" data-testid="event-count">{summary.event_count}</span>
      </div>
      {kindsInOrder(summary.kind_counts).map((kind) => (
        <div class="card" key={kind}>
          <span class="card-label">{kind.toUpperCase()}</span>
          <span class="card-value">{summary.kind_counts[kind]}</span>
        </div>
      ))}
      <div class={gateBlocks > 0 ? "card card-wide" : "card"}>
        <span class="card-label">Gate blocks</span>
        <span class="card-value">{gateBlocks}</span>
        {gateBlocks > 0 && (
          <span class="card-note">
            {Object.entries(summary.gate_blocks).map(([gate, n]) => `${gate} ${n}`).join(", ")}
          </span>
        )}
      </div>
      <div class="card">
        <span class="card-label">Block rate</span>
        <span class="card-value">{(summary.block_rate * 100).toFixed(1)} %</span>
      </div>
      <div class="card">
        <span class="card-label">Fills</span>
        <span class="card-value">{summary.fills.count}</span>
        {summary.fills.count > 0 && (
          <span class="card-note">
            notional ${formatPythonFixedGrouped(summary.fills.notional, 2)}
          </span>
        )}
      </div>
      <div class="card">
        <span class="card-label">Fees</span>
        <span class="card-value">${formatPythonFixed(summary.fills.fees, 4)}</span>
      </div>
      <div class={summary.invalid_lines > 0 ? "card card-warn" : "card"}>
        <span class="card-label">Invalid lines</span>
        <span class="card-value">{summary.invalid_lines}</span>
      </div>
    </section>
  );
}
