/**
 * The `peak_exec_*` event families on a prom-client registry. Values are not
 * pushed into prom-client as events happen (its label hashing would cost more
 * than the counting); each family reads the current {@linkcode EventCounts}
 * when the registry is collected.
 *
 * @module
 */
import { Counter, type Registry } from "prom-client";
import type { EventCounts } from "./event_counts.ts";
import { ERROR_CODE_LABELS } from "./metric_labels.ts";

/** Kinds and modes whose series exist from the start, so that `rate()` sees the first event. */
const INITIAL_KINDS = ["intent", "gate", "order", "fill", "error"];
const INITIAL_MODES = ["backtest", "paper", "live"];

/**
 * Register the event families on `registry`; `read` is called once per
 * family at every collection and must be cheap (return a cached snapshot).
 * Series of the known kinds, modes, sides and error codes start at 0.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { EventCounts } from "./event_counts.ts";
 * import { registerEventFamilies } from "./event_families.ts";
 * const registry = new Registry();
 * const counts = new EventCounts();
 * counts.addEvents("intent", "paper", 3);
 * registerEventFamilies(registry, () => counts);
 * console.log((await registry.metrics()).includes('peak_exec_events_total{kind="intent",mode="paper"} 3')); // true
 * ```
 */
export function registerEventFamilies(registry: Registry, read: () => EventCounts): void {
  const registers = [registry];
  new Counter({
    name: "peak_exec_events_total",
    help: "Execution events recorded, by kind and execution mode.",
    labelNames: ["kind", "mode"] as const,
    registers,
    collect() {
      this.reset();
      for (const kind of INITIAL_KINDS) {
        for (const mode of INITIAL_MODES) this.inc({ kind, mode }, 0);
      }
      for (const [kind, modes] of read().events) {
        for (const [mode, n] of modes) this.inc({ kind, mode }, n);
      }
    },
  });
  new Counter({
    name: "peak_exec_gate_decisions_total",
    help: "Pre-trade gate decisions, by gate and result (pass or block).",
    labelNames: ["gate", "result"] as const,
    registers,
    collect() {
      this.reset();
      for (const [gate, results] of read().gateDecisions) {
        this.inc({ gate, result: "pass" }, 0);
        this.inc({ gate, result: "block" }, 0);
        for (const [result, n] of results) this.inc({ gate, result }, n);
      }
    },
  });
  new Counter({
    name: "peak_exec_gate_blocks_total",
    help: "Orders blocked by a pre-trade gate, by gate and decision code.",
    labelNames: ["gate", "code"] as const,
    registers,
    collect() {
      this.reset();
      for (const [gate, codes] of read().gateBlocks) {
        for (const [code, n] of codes) this.inc({ gate, code }, n);
      }
    },
  });
  new Counter({
    name: "peak_exec_fills_total",
    help: "Fills, by side.",
    labelNames: ["side"] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ side: "buy" }, 0);
      this.inc({ side: "sell" }, 0);
      for (const [side, n] of read().fills) this.inc({ side }, n);
    },
  });
  new Counter({
    name: "peak_exec_fill_notional_total",
    help: "Notional of all fills, in the quote currency.",
    registers,
    collect() {
      this.reset();
      this.inc(nonNegative(read().fillNotional));
    },
  });
  new Counter({
    name: "peak_exec_fill_fees_total",
    help: "Fees of all fills, in the quote currency.",
    registers,
    collect() {
      this.reset();
      this.inc(nonNegative(read().fillFees));
    },
  });
  new Counter({
    name: "peak_exec_errors_total",
    help: "Execution error events, by error code (codes the product does not write are other).",
    labelNames: ["code"] as const,
    registers,
    collect() {
      this.reset();
      for (const code of ERROR_CODE_LABELS) this.inc({ code }, 0);
      for (const [code, n] of read().errors) this.inc({ code }, n);
    },
  });
}

/**
 * A counter cannot go below zero; a negative sum (a rebate larger than the
 * fees, or a corrupt line) is reported as 0 rather than breaking the scrape.
 */
function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
