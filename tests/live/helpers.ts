/** Shared helpers of the live tests: temp log roots and wire lines written by hand. */
import { JsonlExecutionLogger } from "../../execution/telemetry/logger.ts";

/** Run `fn` with a fresh temp directory, always removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "live_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The directory holding the checked-in fixture files. */
export const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

/** Fields of one hand-written event line. */
export interface LineFields {
  ts?: string;
  symbol?: string | null;
  kind: string;
  payload?: unknown;
  seq?: number;
}

/** One wire line (with `\n`) in this product's key order. */
export function wireLine(session: string, f: LineFields): string {
  return JSON.stringify({
    ts: f.ts ?? "2026-11-25T09:30:00.000000+00:00",
    session_id: session,
    symbol: f.symbol === undefined ? "BTC-USD" : f.symbol,
    mode: "paper",
    kind: f.kind,
    payload: f.payload ?? {},
    seq: f.seq ?? 0,
  }) + "\n";
}

/** A timestamp `seconds` after 2026-11-25T09:30:00Z, in wire form. */
export function tsAt(seconds: number, micros = 0): string {
  const d = new Date(Date.UTC(2026, 10, 25, 9, 30, 0) + seconds * 1000);
  return d.toISOString().slice(0, 19) + "." + String(micros).padStart(6, "0") + "+00:00";
}

/** `n` events cycling intent, gate, order, fill, with seq 1..n. */
export function sessionLines(session: string, n: number, start = 0): string {
  const kinds = ["intent", "gate", "order", "fill"];
  let out = "";
  for (let i = start; i < start + n; i++) {
    const kind = kinds[i % 4];
    out += wireLine(session, {
      ts: tsAt(i),
      kind,
      symbol: i % 8 < 4 ? "BTC-USD" : "ETH-USD",
      payload: payloadFor(kind, i),
      seq: i + 1,
    });
  }
  return out;
}

function payloadFor(kind: string, i: number): unknown {
  switch (kind) {
    case "intent":
      return { side: "buy", quantity: 1, current_price: 100 + i, strategy_key: null };
    case "gate":
      return {
        gate_name: "LotSize",
        passed: i % 3 !== 0,
        code: "X",
        reason: "r",
        modified_qty: null,
      };
    case "order":
      return {
        client_id: `c${i}`,
        side: "buy",
        quantity: 1,
        order_type: "market",
        price: 100,
        notional: 100,
      };
    default:
      return {
        client_id: `c${i}`,
        side: "buy",
        filled_quantity: 1,
        fill_price: 100,
        fill_notional: 100,
        fill_fee: 0.1,
      };
  }
}

/** Append text (or bytes) to a file. */
export async function append(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  await Deno.writeFile(path, bytes, { append: true, create: true });
}

export { REFUSED_SESSION_IDS } from "../refused_session_ids.ts";

/**
 * Write the lines of `text` (wire lines with seq 1..n, as `sessionLines`
 * makes) through a real writer that rotates every `rotateBytes`, so the
 * session's logical byte stream is the same bytes as `text` in one file.
 */
export async function writeRotatedSession(
  dir: string,
  text: string,
  rotateBytes: number,
): Promise<void> {
  const logger = new JsonlExecutionLogger({ baseDir: dir, rotateBytes });
  let i = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const { seq: _seq, ...event } = JSON.parse(line);
    logger.emit(event);
    // Let batches go out (and segments close) while emitting, as a real session would.
    if (++i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await logger.close();
}

/**
 * Run `run` with two log roots holding session `session` as the same bytes
 * (`text`, wire lines with seq 1..n): `rotated`, written through a writer that
 * rotates every `rotateBytes` into compressed segments, and `reference`, one
 * plain file. A reader must answer the same for both.
 */
export async function withRotatedAndReference(
  session: string,
  text: string,
  rotateBytes: number,
  run: (rotated: string, reference: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const rotated = `${dir}/rotated`;
    const reference = `${dir}/reference`;
    await Deno.mkdir(reference);
    await append(`${reference}/${session}.jsonl`, text);
    await writeRotatedSession(rotated, text, rotateBytes);
    await run(rotated, reference);
  });
}

/**
 * Close the active file of `session` in `dir` into a segment now (as the
 * writer's `rotate()` does, and wait until it is compressed), so that what a
 * reader read of the active file before lies in a closed segment after.
 */
export async function rotateNow(dir: string, session: string): Promise<void> {
  const logger = new JsonlExecutionLogger({ baseDir: dir });
  await logger.rotate(session);
  await logger.close();
}

/**
 * Write session `big` to `dir`: 200,000 events, about 40 MB, large enough for
 * a cold summary to be read on two cores (with a worker). Returns its path.
 */
export async function writeSplitReadSession(dir: string): Promise<string> {
  const path = `${dir}/big.jsonl`;
  const bytes = new TextEncoder().encode(sessionLines("big", 4000));
  using file = await Deno.open(path, { create: true, write: true });
  for (let i = 0; i < 50; i++) await file.write(bytes);
  return path;
}
