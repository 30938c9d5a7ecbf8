/**
 * Generates realistic session files for the live readers' benchmarks: wire
 * lines as this product writes them (about 250 bytes each), in the pipeline's
 * order (intent, four gates, order, fill), some orders blocked by a gate, and
 * a rare `error` event every 10,000 events.
 *
 * @module
 */

import { seededRandom } from "../tests/seeded_random.ts";

const SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "ADA-USD", "XRP-USD"];
const GATES = ["PriceSanity", "ResearchOnly", "LotSize", "MinNotional"];
/** One `error` event per this many events: the "rare kind" of the benchmarks. */
export const RARE_EVERY = 10_000;
const encoder = new TextEncoder();

function ts(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  return d.toISOString().slice(0, 19) + "." + String(micros % 1_000_000).padStart(6, "0") +
    "+00:00";
}

/** Writes events one by one in wire format; `next()` returns the next line. */
export class SessionLineGenerator {
  #rand: () => number;
  #seq = 0;
  #micros: number;
  #queue: string[] = [];
  #sessionId: string;
  #counter = 0;
  #lastRare = 0;

  /** Start a generator for `sessionId` at `startMicros`. */
  constructor(sessionId: string, startMicros = 1_795_599_045_000_000, seed = 7) {
    this.#sessionId = sessionId;
    this.#micros = startMicros;
    this.#rand = seededRandom(seed); // the same file in every run
  }

  #line(symbol: string, kind: string, payload: string): string {
    this.#seq++;
    this.#micros += 1 + Math.floor(this.#rand() * 900);
    return `{"ts":"${ts(this.#micros)}","session_id":"${this.#sessionId}","symbol":"${symbol}",` +
      `"mode":"paper","kind":"${kind}","payload":${payload},"seq":${this.#seq}}\n`;
  }

  #cycle(): void {
    const r = this.#rand;
    const symbol = SYMBOLS[Math.floor(r() * SYMBOLS.length)];
    const side = r() < 0.5 ? "buy" : "sell";
    const qty = Math.round(r() * 10_000) / 10_000 + 0.0001;
    const price = Math.round((50_000 + r() * 50_000) * 100) / 100;
    const lines: string[] = [];
    if (this.#seq - this.#lastRare >= RARE_EVERY) {
      this.#lastRare = this.#seq;
      lines.push(this.#line(
        symbol,
        "error",
        `{"error":"venue timeout after 5000 ms","code":"ADAPTER_FAILED","stacktrace":null}`,
      ));
    }
    lines.push(this.#line(
      symbol,
      "intent",
      `{"side":"${side}","quantity":${qty},"current_price":${price},"strategy_key":"momentum_v2"}`,
    ));
    const blockedAt = r() < 0.1 ? Math.floor(r() * GATES.length) : -1;
    for (let g = 0; g < GATES.length; g++) {
      const passed = g !== blockedAt;
      lines.push(this.#line(
        symbol,
        "gate",
        `{"gate_name":"${GATES[g]}","passed":${passed},"code":"${
          passed ? "OK" : "BLOCKED_" + g
        }","reason":"${passed ? "within limits" : "order below the gate's minimum"} for ${
          qty.toFixed(6)
        } @ ${price}","modified_qty":null}`,
      ));
      if (!passed) {
        this.#queue.push(...lines);
        return;
      }
    }
    this.#counter++;
    const clientId = `exec_${symbol}_${this.#counter}_${Math.floor(r() * 0xffffff).toString(16)}`;
    lines.push(this.#line(
      symbol,
      "order",
      `{"client_id":"${clientId}","side":"${side}","quantity":${qty},"order_type":"market",` +
        `"price":${price},"notional":${Math.round(qty * price * 100) / 100}}`,
    ));
    const fillPrice = Math.round(price * 1.0002 * 100) / 100;
    const notional = Math.round(qty * fillPrice * 100) / 100;
    lines.push(this.#line(
      symbol,
      "fill",
      `{"client_id":"${clientId}","side":"${side}","filled_quantity":${qty},` +
        `"fill_price":${fillPrice},"fill_notional":${notional},"fill_fee":${
          Math.round(notional * 0.001 * 10_000) / 10_000
        }}`,
    ));
    this.#queue.push(...lines);
  }

  /** The next line (with its `\n`). */
  next(): string {
    if (this.#queue.length === 0) this.#cycle();
    return this.#queue.shift()!;
  }
}

/**
 * Append `events` generated events to `path` (created when missing) and
 * return the generator, so more can be appended later with the same session.
 */
export async function writeSessionFile(
  path: string,
  events: number,
  generator: SessionLineGenerator = new SessionLineGenerator("load-1"),
): Promise<SessionLineGenerator> {
  const file = await Deno.open(path, { create: true, append: true });
  try {
    let batch = "";
    for (let i = 0; i < events; i++) {
      batch += generator.next();
      if (batch.length > 4_000_000) {
        await writeAll(file, encoder.encode(batch));
        batch = "";
      }
    }
    if (batch !== "") await writeAll(file, encoder.encode(batch));
  } finally {
    file.close();
  }
  return generator;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
}
