/**
 * The ResearchOnly gate: keeps code tagged `research_only` out of live trading.
 *
 * @module
 */
import type { ExecutionContext, Gate, GateDecision, OrderIntent } from "../types.ts";

/**
 * Options of {@linkcode ResearchOnlyGate}.
 *
 * @example
 * ```ts
 * import { ResearchOnlyGate, type ResearchOnlyGateOptions } from "@peak-trade/execution";
 * const options: ResearchOnlyGateOptions = { blockResearchInLive: false };
 * const gate = new ResearchOnlyGate(options);
 * ```
 */
export interface ResearchOnlyGateOptions {
  /**
   * Block intents whose context carries the `research_only` tag in live mode.
   * @default {true}
   */
  blockResearchInLive?: boolean;
}

/** The one tag with meaning: exact and case-sensitive, as in the original. */
const RESEARCH_ONLY_TAG = "research_only";

/**
 * Blocks (`RESEARCH_BLOCKED_LIVE`) an intent in live mode when `ctx.tags`
 * contains exactly `"research_only"`; passes (`RESEARCH_ALLOWED`) otherwise,
 * with the original's reason texts.
 *
 * @example
 * ```ts
 * import { ResearchOnlyGate } from "@peak-trade/execution";
 * const gate = new ResearchOnlyGate({ blockResearchInLive: true });
 * const intent = { symbol: "BTC-USD", side: "buy" as const, quantity: 1, price: 100, orderType: "market" as const };
 * const decision = gate.check(intent, { mode: "live", symbol: "BTC-USD", price: 100, tags: ["research_only"] });
 * console.log(decision.passed, decision.reason); // false "Research code blocked in LIVE mode (safety)"
 * ```
 */
export class ResearchOnlyGate implements Gate {
  /** Gate name used in decisions and block reasons. */
  readonly name = "ResearchOnly";
  readonly #blockResearchInLive: boolean;
  #reasonMode: unknown = undefined;
  #modeReason = "";

  /** Create the gate; see {@linkcode ResearchOnlyGateOptions}. */
  constructor(options: ResearchOnlyGateOptions = {}) {
    this.#blockResearchInLive = options.blockResearchInLive ?? true;
  }

  /** Whether research-tagged intents are blocked in live mode. */
  get blockResearchInLive(): boolean {
    return this.#blockResearchInLive;
  }

  /** Decide about one intent from `ctx.mode` and `ctx.tags`. */
  check(_intent: OrderIntent, ctx: ExecutionContext): GateDecision {
    const mode = ctx.mode;
    if (mode !== "live") {
      // The mode rarely changes between executions: its reason is built once per change.
      if (mode !== this.#reasonMode) {
        this.#reasonMode = mode;
        this.#modeReason = `Mode ${mode} allows research code`;
      }
      return this.#pass("RESEARCH_ALLOWED", this.#modeReason);
    }
    if (!this.#blockResearchInLive) {
      return this.#pass("RESEARCH_ALLOWED", "Research blocking disabled");
    }
    if (hasResearchTag(ctx.tags)) {
      return {
        gate: this.name,
        passed: false,
        code: "RESEARCH_BLOCKED_LIVE",
        reason: "Research code blocked in LIVE mode (safety)",
        modifiedQty: null,
      };
    }
    return this.#pass("RESEARCH_ALLOWED", "No research tags detected");
  }

  #pass(code: string, reason: string): GateDecision {
    return { gate: this.name, passed: true, code, reason, modifiedQty: null };
  }
}

/** Look for the tag without copying the iterable (arrays and Sets have fast paths). */
function hasResearchTag(tags: Iterable<string> | undefined): boolean {
  if (tags === undefined || tags === null) return false;
  if (Array.isArray(tags)) return tags.includes(RESEARCH_ONLY_TAG);
  if (tags instanceof Set) return tags.has(RESEARCH_ONLY_TAG);
  if (typeof tags === "string") return tags === RESEARCH_ONLY_TAG;
  for (const tag of tags) if (tag === RESEARCH_ONLY_TAG) return true;
  return false;
}
