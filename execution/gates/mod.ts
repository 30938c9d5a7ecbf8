/**
 * The built-in pre-trade gates, in the order the builder uses them.
 *
 * @module
 */
export * from "./price_sanity_gate.ts";
export * from "./research_only_gate.ts";
export * from "./lot_size_gate.ts";
export * from "./min_notional_gate.ts";
