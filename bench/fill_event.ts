/**
 * The fill events the benchmarks emit (about 250 bytes each on the wire):
 * the fleet's (`fillEvent`), and the pool the logger benchmarks cycle
 * through (`fillPool`: amounts that vary per event, four in ten of the
 * quantities needing 17 digits, as computed amounts do).
 *
 * @module
 */
import type { ExecutionEvent } from "../execution/events.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";

/** The `i`-th fill of `session` with these amounts (the fee is always 4.0008). */
function fill(
  session: string,
  i: number,
  ts: string,
  quantity: number,
  price: number,
  notional: number,
): ExecutionEvent {
  return {
    ts,
    session_id: session,
    symbol: i % 3 === 0 ? "ETH-USD" : "BTC-USD",
    mode: "paper",
    kind: "fill",
    payload: {
      client_id: `exec_BTC-USD_${i}_a1b2c3`,
      side: i % 2 === 0 ? "buy" : "sell",
      filled_quantity: quantity,
      fill_price: price,
      fill_notional: notional,
      fill_fee: 4.0008,
    },
  };
}

/** The `i`-th fill of `session`, stamped `ts` (a wire timestamp). */
export function fillEvent(session: string, i: number, ts: string): ExecutionEvent {
  return fill(session, i, ts, 0.4, 100_020.5 + (i % 1000), 40_008.2);
}

/** `count` distinct fills of session `bench`, 137 µs apart: the logger benchmarks' pool. */
export function fillPool(count: number): ExecutionEvent[] {
  return Array.from({ length: count }, (_, i) =>
    fill(
      "bench",
      i,
      formatWireTimestamp(1_795_599_045_000_000 + i * 137),
      0.4 + i / 10_000,
      100_020.5 + i,
      40_008.2 + i,
    ));
}
