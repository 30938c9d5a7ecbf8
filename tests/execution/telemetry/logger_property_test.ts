/**
 * A seeded property test of the writer's wire bytes: random events of every
 * kind (right and wrong field types, nested values, hostile strings and
 * numbers) go through the logger, through both `emit()` and the pipeline's
 * timed fast path, into several sessions, and the files must hold exactly
 * `JSON.stringify` of each event with its keys in wire order.
 *
 * @module
 */
import assert from "node:assert/strict";
import { JsonlExecutionLogger } from "../../../execution/telemetry/logger.ts";
import type { ExecutionEvent } from "../../../execution/events.ts";
import type { EventKind } from "../../../execution/event_kinds.ts";
import { EMIT_TIMED } from "../../../execution/timed_emit.ts";
import { formatWireTimestamp } from "../../../execution/wire_time.ts";
import { BASE_MICROS } from "./fixtures.ts";
import { seededRandom } from "../../seeded_random.ts";

const HOSTILE_STRINGS = [
  "",
  'say "hi"',
  "back\\slash\\",
  "ctl \u0000\u0001\b\t\n\u000b\f\r\u001f\u007f end",
  "line\u2028para\u2029",
  "lone \ud800 high",
  "lone \udc00 low",
  "\ud83d",
  "\ude00\ud83d",
  "astral 😀𝄞 pair",
  "BTC/€-ÜSD",
  "日本語",
  "</script>",
  '"seq":1}\n',
];

const HOSTILE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1 + 0.2,
  1e21,
  -1e21,
  1e-7,
  1e-6,
  5e-324,
  -5e-324,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53 + 2),
  1.7976931348623157e308,
  2.2250738585072014e-308,
  123456789.123456789,
  NaN,
  Infinity,
  -Infinity,
];

class Generator {
  constructor(readonly next: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  string(): string {
    if (this.next() < 0.4) return this.pick(HOSTILE_STRINGS);
    let text = "";
    const length = Math.floor(this.next() * 12);
    for (let i = 0; i < length; i++) {
      const r = this.next();
      if (r < 0.5) text += String.fromCharCode(0x20 + Math.floor(this.next() * 0x5f));
      else if (r < 0.6) text += String.fromCharCode(Math.floor(this.next() * 0x20));
      else if (r < 0.8) text += String.fromCharCode(Math.floor(this.next() * 0x10000));
      else if (r < 0.9) text += String.fromCodePoint(0x10000 + Math.floor(this.next() * 0xfffff));
      else text += this.pick(['"', "\\", "\u2028", "\ud800", "\udfff", "é"]);
    }
    return text;
  }

  number(): number {
    const r = this.next();
    if (r < 0.3) return this.pick(HOSTILE_NUMBERS);
    if (r < 0.6) return Math.round(this.next() * 1e8) / 10 ** Math.floor(this.next() * 9);
    if (r < 0.8) return (this.next() - 0.5) * 10 ** Math.floor(this.next() * 60 - 30);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    words[0] = this.next() * 2 ** 32;
    words[1] = this.next() * 2 ** 32;
    return bits[0];
  }

  value(depth: number): unknown {
    const r = this.next();
    if (r < 0.3) return this.string();
    if (r < 0.6) return this.number();
    if (r < 0.67) return this.next() < 0.5;
    if (r < 0.72) return null;
    if (r < 0.75) return undefined;
    if (r < 0.77) return () => 1;
    if (r < 0.78) return new Date(Math.floor(this.next() * 4e12));
    if (depth > 2) return this.string();
    if (r < 0.9) return this.object(depth + 1);
    const list: unknown[] = [];
    const length = Math.floor(this.next() * 4);
    for (let i = 0; i < length; i++) list.push(this.value(depth + 1));
    return list;
  }

  key(): string {
    const r = this.next();
    if (r < 0.1) return String(Math.floor(this.next() * 20)); // integer-like: ordered first
    if (r < 0.3) return this.string();
    return this.pick(["side", "quantity", "code", "reason", "extra", "seq", "payload", "kind"]);
  }

  object(depth: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const size = Math.floor(this.next() * 5);
    for (let i = 0; i < size; i++) object[this.key()] = this.value(depth);
    return object;
  }

  /** A payload of `kind`'s keys in order, each value of its usual type or, now and then, not. */
  payload(kind: string): unknown {
    const shapes: Record<string, [string, () => unknown][]> = {
      intent: [
        ["side", () => this.string()],
        ["quantity", () => this.number()],
        ["current_price", () => this.number()],
        ["strategy_key", () => this.next() < 0.3 ? null : this.string()],
      ],
      gate: [
        ["gate_name", () => this.string()],
        ["passed", () => this.next() < 0.5],
        ["code", () => this.string()],
        ["reason", () => this.string()],
        ["modified_qty", () => this.next() < 0.3 ? null : this.number()],
      ],
      order: [
        ["client_id", () => this.string()],
        ["side", () => this.string()],
        ["quantity", () => this.number()],
        ["order_type", () => this.string()],
        ["price", () => this.number()],
        ["notional", () => this.number()],
      ],
      fill: [
        ["client_id", () => this.string()],
        ["side", () => this.string()],
        ["filled_quantity", () => this.number()],
        ["fill_price", () => this.number()],
        ["fill_notional", () => this.number()],
        ["fill_fee", () => this.number()],
      ],
      error: [
        ["error", () => this.string()],
        ["code", () => this.string()],
        ["stacktrace", () => this.next() < 0.3 ? null : this.string()],
      ],
    };
    const shape = shapes[kind];
    const r = this.next();
    if (shape === undefined || r < 0.1) {
      if (r < 0.02) return this.pick([null, 7, "text", [1, 2]]);
      return this.object(0);
    }
    const payload: Record<string, unknown> = {};
    const wrongTypes = r < 0.4;
    for (const [key, make] of shape) {
      payload[key] = wrongTypes && this.next() < 0.3 ? this.value(1) : make();
    }
    if (this.next() < 0.15) payload[this.key()] = this.value(1);
    return payload;
  }
}

/** JSON.stringify of the event with its keys in wire order, and `{}` for a payload that is not an object. */
function reference(
  ts: string,
  session: string,
  symbol: string,
  mode: string,
  kind: string,
  payload: unknown,
  seq: number,
): string {
  const body = payload !== null && typeof payload === "object" ? payload : {};
  return JSON.stringify({
    ts,
    session_id: session,
    symbol,
    mode,
    kind,
    payload: body,
    seq,
  }) + "\n";
}

Deno.test("random events through emit() and the timed path are written as JSON.stringify writes them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peak-wire-property-" });
  try {
    const gen = new Generator(seededRandom(20261125));
    const logger = new JsonlExecutionLogger({
      baseDir: dir,
      flushOnExit: false,
      batchBytes: 4096, // many batches, written while events are still being queued
      rotateBytes: Infinity,
      daily: false,
    });
    const sessions = ["prop-a", "prop-b", "prop-c"];
    const expected = new Map<string, string[]>(sessions.map((s) => [s, []]));
    const seqs = new Map<string, number>(sessions.map((s) => [s, 0]));
    const kinds = ["intent", "gate", "order", "fill", "error", "custom", "Fill", "ümlaut"];
    for (let i = 0; i < 4000; i++) {
      const session = gen.pick(sessions);
      const symbol = gen.next() < 0.7 ? gen.pick(["BTC-USD", "ETH/EUR"]) : gen.string();
      const mode = gen.next() < 0.8 ? gen.pick(["paper", "live", "backtest"]) : gen.string();
      const kind = gen.pick(kinds);
      const payload = gen.payload(kind);
      const seq = seqs.get(session)! + 1;
      seqs.set(session, seq);
      const micros = BASE_MICROS + Math.floor(gen.next() * 5e9);
      // Mutating the payload after the emit must not change what was queued.
      const line = (ts: string) => reference(ts, session, symbol, mode, kind, payload, seq);
      if (kind !== "custom" && kind !== "Fill" && kind !== "ümlaut" && gen.next() < 0.5) {
        const ts = formatWireTimestamp(micros);
        expected.get(session)!.push(line(ts));
        logger[EMIT_TIMED](
          micros,
          session,
          symbol,
          mode,
          kind as EventKind,
          payload as Record<string, unknown>,
        );
      } else {
        const ts = gen.next() < 0.9 ? formatWireTimestamp(micros) : gen.string();
        expected.get(session)!.push(line(ts));
        logger.emit({ ts, session_id: session, symbol, mode, kind, payload } as ExecutionEvent);
      }
      if (payload !== null && typeof payload === "object") {
        (payload as Record<string, unknown>).mutated = true;
      }
      if (i % 997 === 0) await logger.flush();
    }
    await logger.close();
    assert.equal(logger.stats.dropped, 0);
    assert.equal(logger.stats.errors, 0);
    for (const session of sessions) {
      const bytes = await Deno.readFile(`${dir}/${session}.jsonl`);
      const want = new TextEncoder().encode(expected.get(session)!.join(""));
      if (bytes.length !== want.length || bytes.some((b, i) => b !== want[i])) {
        const got = new TextDecoder().decode(bytes).split("\n");
        const lines = expected.get(session)!;
        const bad = lines.findIndex((l, i) => got[i] + "\n" !== l);
        assert.equal(got[bad] + "\n", lines[bad], `${session}: line ${bad + 1}`);
        assert.fail(`${session}: bytes differ`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
