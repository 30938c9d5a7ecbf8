/**
 * An emitter that counts execution events in memory for the metric
 * families: compose it with the JSONL logger through `CompositeEmitter`.
 *
 * @module
 */
import type { ExecutionEvent, ExecutionEventEmitter } from "../events.ts";
import { EventCounts } from "./event_counts.ts";
import {
  type BoundedLabelValues,
  errorCodeLabel,
  gateCodeLabels,
  gateLabels,
  KIND_LABELS,
  MODE_LABELS,
  modeLabel,
  sideLabel,
} from "./metric_labels.ts";

/** Distinct raw gate names (and codes per gate) tallied apart; more share one bucket. */
const MAX_RAW_NAMES = 64;
/** The bucket of raw names beyond {@linkcode MAX_RAW_NAMES} (not a valid label value). */
const OVERFLOW = "\u0000overflow";

interface GateTally {
  pass: number;
  block: number;
  /** Blocks per raw code (`""` when absent). */
  codes: Map<string, number>;
}

const SIDES = ["buy", "sell", "other"];

/** HOT PATH helper: the index of a kind in {@linkcode KIND_LABELS}. */
function kindIndex(kind: string): number {
  switch (kind) {
    case "intent":
      return 0;
    case "gate":
      return 1;
    case "order":
      return 2;
    case "fill":
      return 3;
    case "error":
      return 4;
    default:
      return 5;
  }
}

/** HOT PATH helper: the index of a mode in {@linkcode MODE_LABELS}. */
function modeIndex(mode: string): number {
  switch (mode) {
    case "backtest":
      return 0;
    case "paper":
      return 1;
    case "live":
      return 2;
    default:
      return MODE_LABELS.indexOf(modeLabel(typeof mode === "string" ? mode : null));
  }
}

/**
 * Counts execution events for the `peak_exec_*` metric families: events by
 * kind and mode, gate decisions by gate and result, blocks by gate and code,
 * fills by side, fill notional and fees, errors by code. `emit()` costs a few
 * array and map increments (no allocation, no label hashing); the labels are
 * built when {@linkcode ExecutionMetricsEmitter.counts} is read, at scrape
 * time. Compose it with the logger through `CompositeEmitter`.
 *
 * @example
 * ```ts
 * import { ExecutionMetricsEmitter, ExecutionPipeline, PriceSanityGate } from "@peak-trade/execution";
 * const counter = new ExecutionMetricsEmitter();
 * const pipeline = new ExecutionPipeline({ gates: [new PriceSanityGate()], emitter: counter });
 * await pipeline.execute(1, 0, { mode: "paper", symbol: "BTC-USD", price: 100 });
 * console.log(counter.counts().eventTotal("gate")); // 1
 * ```
 */
export class ExecutionMetricsEmitter implements ExecutionEventEmitter {
  /** Events per kind index × mode index. */
  readonly #events = new Float64Array(KIND_LABELS.length * MODE_LABELS.length);
  readonly #gates = new Map<string, GateTally>();
  readonly #fills = new Float64Array(SIDES.length);
  readonly #errors = new Map<string, number>();
  #notional = 0;
  #fees = 0;
  /** Changes with every counted event, so an unchanged snapshot is reused. */
  #version = 0;
  #snapshot: EventCounts | null = null;
  #snapshotVersion = -1;
  // Label sets live as long as the emitter, so a value keeps its label between scrapes.
  readonly #gateLabels: BoundedLabelValues = gateLabels();
  readonly #codeLabels: BoundedLabelValues = gateCodeLabels();

  /** HOT PATH: count one event. Never throws on a malformed event. */
  emit(event: ExecutionEvent): void {
    this.#version++;
    const kind = kindIndex(event.kind);
    this.#events[kind * MODE_LABELS.length + modeIndex(event.mode)]++;
    if (kind === 1) this.#gate(event.payload as Record<string, unknown>);
    else if (kind === 3) this.#fill(event.payload as Record<string, unknown>);
    else if (kind === 4) {
      const code = errorCodeLabel((event.payload as Record<string, unknown> | null)?.code);
      this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
    }
  }

  #gate(payload: Record<string, unknown> | null): void {
    const rawName = payload?.gate_name ?? payload?.gate;
    let name = typeof rawName === "string" ? rawName : "";
    let tally = this.#gates.get(name);
    if (tally === undefined) {
      if (this.#gates.size >= MAX_RAW_NAMES) name = OVERFLOW;
      tally = this.#gates.get(name);
      if (tally === undefined) {
        this.#gates.set(name, tally = { pass: 0, block: 0, codes: new Map() });
      }
    }
    // The original's payload shape: `decision: "ALLOW" | "BLOCK"` instead of `passed`.
    const passed = typeof payload?.passed === "boolean"
      ? payload.passed
      : typeof payload?.decision === "string" &&
        ["ALLOW", "PASS"].includes(payload.decision.toUpperCase());
    if (passed) {
      tally.pass++;
      return;
    }
    tally.block++;
    let code = typeof payload?.code === "string" ? payload.code : "";
    if (!tally.codes.has(code) && tally.codes.size >= MAX_RAW_NAMES) code = OVERFLOW;
    tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
  }

  #fill(payload: Record<string, unknown> | null): void {
    const side = payload?.side;
    this.#fills[side === "buy" ? 0 : side === "sell" ? 1 : SIDES.indexOf(sideLabel(side))]++;
    const notional = payload?.fill_notional;
    const fee = payload?.fill_fee;
    if (typeof notional === "number" && Number.isFinite(notional)) this.#notional += notional;
    if (typeof fee === "number" && Number.isFinite(fee)) this.#fees += fee;
  }

  /**
   * The tallies so far, by label value (a snapshot: later events do not
   * change it). Cheap when nothing was emitted since the last call.
   */
  counts(): EventCounts {
    if (this.#snapshot !== null && this.#snapshotVersion === this.#version) return this.#snapshot;
    const counts = new EventCounts();
    for (let k = 0; k < KIND_LABELS.length; k++) {
      for (let m = 0; m < MODE_LABELS.length; m++) {
        const n = this.#events[k * MODE_LABELS.length + m];
        if (n > 0) counts.addEvents(KIND_LABELS[k], MODE_LABELS[m], n);
      }
    }
    for (const [name, tally] of this.#gates) {
      const gate = name === OVERFLOW ? "other" : this.#gateLabels.label(name);
      if (tally.pass > 0) counts.addGateDecisions(gate, "pass", tally.pass);
      if (tally.block > 0) counts.addGateDecisions(gate, "block", tally.block);
      for (const [raw, n] of tally.codes) {
        counts.addGateBlocks(gate, raw === OVERFLOW ? "other" : this.#codeLabels.label(raw), n);
      }
    }
    SIDES.forEach((side, i) => {
      if (this.#fills[i] > 0) counts.addFills(side, this.#fills[i]);
    });
    for (const [code, n] of this.#errors) counts.addErrors(code, n);
    counts.addFillAmounts(this.#notional, this.#fees);
    this.#snapshot = counts;
    this.#snapshotVersion = this.#version;
    return counts;
  }
}
