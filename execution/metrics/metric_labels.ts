/**
 * Label values of the `peak_exec_*` metric families, kept bounded as
 * Prometheus requires: a label value that comes from a log line or a custom
 * gate is mapped onto a short known list, and anything beyond it onto
 * `other` (or `unknown` for kinds). No session id, order id or symbol is ever
 * a label.
 *
 * @module
 */
import { EVENT_KINDS } from "../event_kinds.ts";

/**
 * Values of the `kind` label: the five event kinds, and `unknown` for
 * anything else.
 *
 * @example
 * ```ts
 * import { KIND_LABELS } from "./metric_labels.ts";
 * console.log(KIND_LABELS.length); // 6
 * ```
 */
export const KIND_LABELS: readonly string[] = [...EVENT_KINDS, "unknown"];

/**
 * Values of the `mode` label: the three execution modes, and `other`.
 *
 * @example
 * ```ts
 * import { MODE_LABELS } from "./metric_labels.ts";
 * console.log(MODE_LABELS); // ["backtest", "paper", "live", "other"]
 * ```
 */
export const MODE_LABELS: readonly string[] = ["backtest", "paper", "live", "other"];

/**
 * Values of the `code` label of `peak_exec_errors_total`: the error codes
 * the product writes, and `other`.
 *
 * @example
 * ```ts
 * import { ERROR_CODE_LABELS } from "./metric_labels.ts";
 * console.log(ERROR_CODE_LABELS.includes("ADAPTER_FAILED")); // true
 * ```
 */
export const ERROR_CODE_LABELS: readonly string[] = [
  "ADAPTER_FAILED", // the adapter threw or rejected (pipeline)
  "TELEMETRY_DROPPED", // the writer's report of events it had to drop
  "other",
];

/** The built-in gates and the pipeline's own input check, as they name themselves. */
const KNOWN_GATES = ["InputValidation", "PriceSanity", "ResearchOnly", "LotSize", "MinNotional"];

/** Every decision code of the built-in gates and the pipeline. */
const KNOWN_GATE_CODES = [
  "PRICE_OK",
  "PRICE_INVALID",
  "RESEARCH_ALLOWED",
  "RESEARCH_BLOCKED_LIVE",
  "LOT_SIZE_OK",
  "QTY_BELOW_MIN",
  "QTY_ROUNDS_TO_ZERO",
  "NOTIONAL_OK",
  "NOTIONAL_BELOW_MIN",
  "INPUT_INVALID",
  "GATE_FAILED",
];

/**
 * The `kind` label of an event kind as written.
 *
 * @example
 * ```ts
 * import { kindLabel } from "./metric_labels.ts";
 * console.log(kindLabel("fill"), kindLabel("heartbeat")); // "fill" "unknown"
 * ```
 */
export function kindLabel(kind: string): string {
  return (EVENT_KINDS as readonly string[]).includes(kind) ? kind : "unknown";
}

/**
 * The `mode` label of a mode as written; the original writes modes in upper
 * case (`"PAPER"`), so the comparison ignores case.
 *
 * @example
 * ```ts
 * import { modeLabel } from "./metric_labels.ts";
 * console.log(modeLabel("PAPER"), modeLabel(null)); // "paper" "other"
 * ```
 */
export function modeLabel(mode: string | null): string {
  if (mode === "paper" || mode === "live" || mode === "backtest") return mode;
  const lower = mode?.toLowerCase();
  return lower === "paper" || lower === "live" || lower === "backtest" ? lower : "other";
}

/**
 * The `side` label of a fill's side as written (`buy`, `sell`, else `other`);
 * case is ignored, as the original writes `"BUY"`.
 *
 * @example
 * ```ts
 * import { sideLabel } from "./metric_labels.ts";
 * console.log(sideLabel("SELL"), sideLabel(undefined)); // "sell" "other"
 * ```
 */
export function sideLabel(side: unknown): string {
  if (side === "buy" || side === "sell") return side;
  const lower = typeof side === "string" ? side.toLowerCase() : "";
  return lower === "buy" || lower === "sell" ? lower : "other";
}

/**
 * The `code` label of an error event's code: one of
 * {@linkcode ERROR_CODE_LABELS}.
 *
 * @example
 * ```ts
 * import { errorCodeLabel } from "./metric_labels.ts";
 * console.log(errorCodeLabel("ADAPTER_FAILED"), errorCodeLabel("E42")); // "ADAPTER_FAILED" "other"
 * ```
 */
export function errorCodeLabel(code: unknown): string {
  return typeof code === "string" && code !== "other" && ERROR_CODE_LABELS.includes(code)
    ? code
    : "other";
}

/** A label value must look like an identifier; anything else (spaces, JSON, paths) is `other`. */
const SAFE_LABEL_VALUE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/**
 * Options of {@linkcode BoundedLabelValues}.
 *
 * @example
 * ```ts
 * import type { BoundedLabelValuesOptions } from "./metric_labels.ts";
 * const options: BoundedLabelValuesOptions = { known: ["LotSize"], maxExtra: 8 };
 * ```
 */
export interface BoundedLabelValuesOptions {
  /** Values that always keep their own label. */
  known: readonly string[];
  /**
   * How many other values (custom gates, their codes) get their own label,
   * first come first served; later ones are `other`.
   * @default {16}
   */
  maxExtra?: number;
  /**
   * The label of an absent or empty value.
   * @default {"none"}
   */
  absent?: string;
}

/**
 * Maps free text from gate decisions (gate names, decision codes) onto a
 * bounded set of label values: the known ones, the first `maxExtra` other
 * values that look like identifiers, then `other`.
 *
 * @example
 * ```ts
 * import { BoundedLabelValues } from "./metric_labels.ts";
 * const gates = new BoundedLabelValues({ known: ["LotSize"], maxExtra: 1 });
 * console.log(gates.label("LotSize"), gates.label("MyGate"), gates.label("Another")); // "LotSize" "MyGate" "other"
 * console.log(gates.label(null)); // "none"
 * ```
 */
export class BoundedLabelValues {
  readonly #admitted: Set<string>;
  readonly #maxExtra: number;
  readonly #absent: string;
  #extra = 0;

  /** Start with the `known` values; see {@linkcode BoundedLabelValuesOptions}. */
  constructor(options: BoundedLabelValuesOptions) {
    this.#admitted = new Set(options.known);
    this.#maxExtra = Math.max(0, options.maxExtra ?? 16);
    this.#absent = options.absent ?? "none";
  }

  /** The label of `value`. */
  label(value: string | null | undefined): string {
    if (value === null || value === undefined || value === "") return this.#absent;
    if (this.#admitted.has(value)) return value;
    if (
      value === "other" || value === this.#absent || this.#extra >= this.#maxExtra ||
      !SAFE_LABEL_VALUE.test(value)
    ) {
      return "other";
    }
    this.#extra++;
    this.#admitted.add(value);
    return value;
  }
}

/**
 * A fresh bounded label set for gate names (the built-in gates known).
 *
 * @example
 * ```ts
 * import { gateLabels } from "./metric_labels.ts";
 * console.log(gateLabels().label("MinNotional")); // "MinNotional"
 * ```
 */
export function gateLabels(): BoundedLabelValues {
  return new BoundedLabelValues({ known: KNOWN_GATES, absent: "unknown" });
}

/**
 * A fresh bounded label set for gate decision codes (the built-in codes
 * known; an absent code is `none`).
 *
 * @example
 * ```ts
 * import { gateCodeLabels } from "./metric_labels.ts";
 * console.log(gateCodeLabels().label("NOTIONAL_BELOW_MIN")); // "NOTIONAL_BELOW_MIN"
 * ```
 */
export function gateCodeLabels(): BoundedLabelValues {
  return new BoundedLabelValues({ known: KNOWN_GATE_CODES, absent: "none" });
}
