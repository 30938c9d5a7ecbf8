/**
 * The fill events the benchmarks emit (about 250 bytes each on the wire):
 * the fleet's (`fillEvent`), and the pool the logger benchmarks cycle
 * through (`fillPool`: amounts that vary per event, a tenth of the
 * quantities needing 17 digits, as computed amounts do).
 *
 * @module
 */
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";

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

/** `count` distinct fills of session `bench`, 137 µs apart: the logger benchmarks' pool. */
export function fillPool(count: number): ExecutionEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: formatWireTimestamp(1_795_599_045_000_000 + i * 137),
    session_id: "bench",
    symbol: i % 3 === 0 ? "ETH-USD" : "BTC-USD",
    mode: "paper",
    kind: "fill",
    payload: {
      client_id: `exec_BTC-USD_${i}_a1b2c3`,
      side: i % 2 === 0 ? "buy" : "sell",
      filled_quantity: 0.4 + i / 10_000,
      fill_price: 100_020.5 + i,
      fill_notional: 40_008.2 + i,
      fill_fee: 4.0008,
    },
  }));
}
