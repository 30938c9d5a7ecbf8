// A session that looks like a trading day in the browser tests and the README's pictures: an intent
// every few seconds over a few hours, four gates that block now and then (more often in a bad
// hour), orders and fills with a latency that drifts, and the odd error.
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import { BASE_MICROS, type WireEvent } from "../routes/fixtures.ts";
import { seededRandom } from "../seeded_random.ts";

const GATES = [
  ["PriceSanity", "PRICE_OUT_OF_BAND"],
  ["ResearchOnly", "RESEARCH_STRATEGY_IN_LIVE"],
  ["LotSize", "QTY_ROUNDS_TO_ZERO"],
  ["MinNotional", "NOTIONAL_BELOW_MIN"],
] as const;
const SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "ETH-EUR"];

/** `intents` order attempts of `sessionId`, one every ~4 s from the fixtures' base time. */
export function tradingDay(sessionId: string, intents: number, seed = 11): WireEvent[] {
  const r = seededRandom(seed);
  const events: WireEvent[] = [];
  let seq = 0;
  let micros = BASE_MICROS;
  const push = (kind: string, symbol: string, payload: unknown, afterMicros: number) => {
    micros += afterMicros;
    events.push({
      ts: formatWireTimestamp(micros),
      session_id: sessionId,
      symbol,
      mode: "paper",
      kind,
      payload,
      seq: ++seq,
    });
  };
  for (let i = 0; i < intents; i++) {
    const symbol = SYMBOLS[Math.floor(r() * SYMBOLS.length)];
    const quantity = Math.round(r() * 1000) / 1000 + 0.001;
    const price = 90_000 + Math.round(r() * 20_000);
    push("intent", symbol, {
      side: r() < 0.5 ? "buy" : "sell",
      quantity,
      current_price: price,
      strategy_key: "momentum_v2",
    }, 2_000_000 + Math.floor(r() * 4_000_000));
    // A rough patch in the middle of the day: blocks are three times as likely.
    const rough = i > intents * 0.45 && i < intents * 0.6;
    let blocked = false;
    for (const [gate, code] of GATES) {
      const passed = r() > (rough ? 0.12 : 0.04);
      push("gate", symbol, {
        gate_name: gate,
        passed,
        code: passed ? "OK" : code,
        reason: passed ? "ok" : `${gate} refused ${quantity} @ ${price}`,
        modified_qty: null,
      }, 50 + Math.floor(r() * 200));
      if (!passed) {
        blocked = true;
        break;
      }
    }
    if (blocked) continue;
    const notional = Math.round(quantity * price * 100) / 100;
    push("order", symbol, {
      client_id: `c${i}`,
      side: "buy",
      quantity,
      order_type: "market",
      price,
      notional,
    }, 100);
    if (r() < 0.01) {
      push(
        "error",
        symbol,
        { error: "venue timeout", code: "ADAPTER_FAILED", stacktrace: null },
        500,
      );
      continue;
    }
    push("fill", symbol, {
      client_id: `c${i}`,
      side: "buy",
      filled_quantity: quantity,
      fill_price: price,
      fill_notional: notional,
      fill_fee: Math.round(notional * 0.001 * 1e4) / 1e4,
    }, 2_000 + Math.floor(r() * (8_000 + 4_000 * Math.sin(i / 40))));
  }
  return events;
}
