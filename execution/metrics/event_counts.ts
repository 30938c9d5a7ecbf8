/**
 * Tallies of execution events by metric label: the values behind the
 * `peak_exec_*` event families, whether counted in the trading process (from
 * emitted events) or by the dashboard server (from the log root). Labels are
 * already bounded (see `metric_labels.ts`) when they get here.
 *
 * @module
 */

/** A count per first label, then per second label. */
export type NestedCounts = Map<string, Map<string, number>>;

function bump(map: NestedCounts, a: string, b: string, n: number): void {
  let inner = map.get(a);
  if (inner === undefined) map.set(a, inner = new Map());
  inner.set(b, (inner.get(b) ?? 0) + n);
}

function bumpFlat(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function sumNested(map: NestedCounts, a?: string, b?: string): number {
  let total = 0;
  for (const [first, inner] of map) {
    if (a !== undefined && first !== a) continue;
    for (const [second, n] of inner) if (b === undefined || second === b) total += n;
  }
  return total;
}

/**
 * Event tallies by label value, as the metric families expose them.
 *
 * @example
 * ```ts
 * import { EventCounts } from "@peak-trade/execution";
 * const counts = new EventCounts();
 * counts.addEvents("fill", "paper", 2);
 * counts.addGateDecisions("LotSize", "block", 1);
 * counts.addGateBlocks("LotSize", "QTY_BELOW_MIN", 1);
 * console.log(counts.eventTotal("fill"), counts.gateBlockTotal("LotSize")); // 2 1
 * ```
 */
export class EventCounts {
  /** Events per `kind`, then per `mode`. */
  readonly events: NestedCounts = new Map();
  /** Gate decisions per `gate`, then per `result` (`pass` or `block`). */
  readonly gateDecisions: NestedCounts = new Map();
  /** Blocked gate decisions per `gate`, then per `code`. */
  readonly gateBlocks: NestedCounts = new Map();
  /** Fills per `side`. */
  readonly fills: Map<string, number> = new Map();
  /** Error events per `code`. */
  readonly errors: Map<string, number> = new Map();
  /** Sum of the fills' `fill_notional` (quote currency). */
  fillNotional = 0;
  /** Sum of the fills' `fill_fee` (quote currency). */
  fillFees = 0;

  /** Count `n` events of `kind` in `mode`. */
  addEvents(kind: string, mode: string, n: number): void {
    bump(this.events, kind, mode, n);
  }

  /** Count `n` decisions of `gate` with `result` (`pass` or `block`). */
  addGateDecisions(gate: string, result: "pass" | "block", n: number): void {
    bump(this.gateDecisions, gate, result, n);
  }

  /** Count `n` blocks of `gate` with `code`. */
  addGateBlocks(gate: string, code: string, n: number): void {
    bump(this.gateBlocks, gate, code, n);
  }

  /** Count `n` fills on `side`. */
  addFills(side: string, n: number): void {
    bumpFlat(this.fills, side, n);
  }

  /** Add fill notional and fees (quote currency). */
  addFillAmounts(notional: number, fees: number): void {
    this.fillNotional += notional;
    this.fillFees += fees;
  }

  /** Count `n` error events with `code`. */
  addErrors(code: string, n: number): void {
    bumpFlat(this.errors, code, n);
  }

  /** Add every tally of `other` to this one. */
  addAll(other: EventCounts): void {
    for (const [kind, modes] of other.events) {
      for (const [mode, n] of modes) this.addEvents(kind, mode, n);
    }
    for (const [gate, results] of other.gateDecisions) {
      for (const [result, n] of results) bump(this.gateDecisions, gate, result, n);
    }
    for (const [gate, codes] of other.gateBlocks) {
      for (const [code, n] of codes) this.addGateBlocks(gate, code, n);
    }
    for (const [side, n] of other.fills) this.addFills(side, n);
    for (const [code, n] of other.errors) this.addErrors(code, n);
    this.addFillAmounts(other.fillNotional, other.fillFees);
  }

  /** Events of `kind` (every kind when omitted), over every mode or one `mode`. */
  eventTotal(kind?: string, mode?: string): number {
    return sumNested(this.events, kind, mode);
  }

  /** Blocks of `gate` (every gate when omitted), over every code or one `code`. */
  gateBlockTotal(gate?: string, code?: string): number {
    return sumNested(this.gateBlocks, gate, code);
  }

  /** Fills on `side` (both sides when omitted). */
  fillTotal(side?: string): number {
    let total = 0;
    for (const [s, n] of this.fills) if (side === undefined || s === side) total += n;
    return total;
  }
}
