/**
 * The fill event the fleet benchmarks emit (about 250 bytes on the wire):
 * the `i`-th of `session`, three symbols' worth of variety in its text.
 *
 * @module
 */
import type { ExecutionEvent } from "../execution/events.ts";

/** The `i`-th fill of `session`, stamped `ts` (a wire timestamp). */
export function fillEvent(session: string, i: number, ts: string): ExecutionEvent {
  return {
    ts,
    session_id: session,
    symbol: i % 3 === 0 ? "ETH-USD" : "BTC-USD",
    mode: "paper",
    kind: "fill",
    payload: {
      client_id: `exec_BTC-USD_${i}_a1b2c3`,
      side: i % 2 === 0 ? "buy" : "sell",
      filled_quantity: 0.4,
      fill_price: 100_020.5 + (i % 1000),
      fill_notional: 40_008.2,
      fill_fee: 4.0008,
    },
  };
}
