/**
 * Test fixtures for the dashboard: session files written line by line in
 * the wire format, and helpers to read Server-Sent Events with a deadline.
 *
 * @module
 */
import { formatWireTimestamp } from "../../execution/wire_time.ts";

/** One wire event, as a test writes it. */
export interface WireEvent {
  ts: string;
  session_id: string;
  symbol: string;
  mode: string;
  kind: string;
  payload: unknown;
  seq: number;
}

/** Epoch microseconds of the first fixture event minus one second (event `seq` n is at BASE + n s). */
export const BASE_MICROS = Date.UTC(2026, 10, 25, 9, 30, 0) * 1000;

/** Build the `seq`-th event of a session (timestamps one second apart). */
export function wireEvent(
  sessionId: string,
  seq: number,
  kind: string,
  symbol = "BTC-USD",
  payload?: unknown,
): WireEvent {
  const defaults: Record<string, unknown> = {
    intent: { side: "buy", quantity: 0.5, current_price: 100000, strategy_key: null },
    gate: {
      gate_name: "LotSize",
      passed: seq % 2 === 0,
      code: seq % 2 === 0 ? "LOT_SIZE_OK" : "LOT_SIZE_BELOW_MIN",
      reason: "test",
      modified_qty: null,
    },
    order: {
      client_id: `c${seq}`,
      side: "buy",
      quantity: 0.5,
      order_type: "market",
      price: 100000,
      notional: 50000,
    },
    fill: {
      client_id: `c${seq}`,
      side: "buy",
      filled_quantity: 0.5,
      fill_price: 100010,
      fill_notional: 50005,
      fill_fee: 1.25,
    },
    error: { error: "venue down", code: "ADAPTER_FAILED", stacktrace: null },
  };
  return {
    ts: formatWireTimestamp(BASE_MICROS + seq * 1_000_000),
    session_id: sessionId,
    symbol,
    mode: "paper",
    kind,
    payload: payload ?? defaults[kind] ?? {},
    seq,
  };
}

/** A cycle of kinds, so a session holds every kind. */
export const KIND_CYCLE = ["intent", "gate", "order", "fill", "error"] as const;

/** `count` events cycling through every kind, alternating two symbols. */
export function demoEvents(sessionId: string, count: number): WireEvent[] {
  return Array.from(
    { length: count },
    (_, i) => wireEvent(sessionId, i + 1, KIND_CYCLE[i % 5], i % 2 === 0 ? "BTC-USD" : "ETH-USD"),
  );
}

/** Append events to `<dir>/<sessionId>.jsonl` (one line each) and return the new size. */
export async function appendEvents(
  dir: string,
  sessionId: string,
  events: WireEvent[],
): Promise<number> {
  const path = `${dir}/${sessionId}.jsonl`;
  await Deno.writeTextFile(path, events.map((e) => JSON.stringify(e) + "\n").join(""), {
    append: true,
  });
  return (await Deno.stat(path)).size;
}

/** Run `body` with a fresh log directory, removed afterwards. */
export async function withLogDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peak-dashboard-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

/** Reads Server-Sent Events from a response body, each `next()` bounded by a deadline. */
export class SseReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #queue: SseEvent[] = [];

  constructor(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event (comments skipped); rejects when none arrives within `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<SseEvent> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no SSE event within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      while (this.#queue.length === 0) {
        const chunk = await Promise.race([this.#reader.read(), deadline]);
        if (chunk.done) throw new Error("event stream ended");
        this.#buffer += chunk.value;
        this.#parse();
      }
      return this.#queue.shift()!;
    } finally {
      clearTimeout(timer);
    }
  }

  #parse(): void {
    let split: number;
    while ((split = this.#buffer.indexOf("\n\n")) !== -1) {
      const block = this.#buffer.slice(0, split);
      this.#buffer = this.#buffer.slice(split + 2);
      let event = "message";
      let id: string | null = null;
      const data: string[] = [];
      let hasField = false;
      for (const line of block.split("\n")) {
        if (line.startsWith(":") || line === "") continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "id") id = value;
        else if (field === "data") data.push(value);
        else continue;
        hasField = true;
      }
      if (hasField && data.length > 0) this.#queue.push({ event, id, data: data.join("\n") });
    }
  }

  /** Cancel the stream (the server sees the client go away). */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

/** Wait until `condition()` holds, checking every few ms, failing after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One row of the live stream, with the id of the `batch` message that carried it. */
export interface StreamedRowOf<T> {
  /** The row (a timeline row with `end`). */
  row: T;
  /** The `id:` of its batch: the byte offset after the last line the batch covers. */
  id: string | null;
}

/**
 * Reads the live stream's rows one at a time: `batch` messages are split
 * into their rows, `summary` messages and batches without rows are skipped,
 * and a `reset` is returned as `null`.
 */
export class StreamRowReader<T = Record<string, unknown>> {
  #sse: SseReader;
  #rows: StreamedRowOf<T>[] = [];
  /** Every message seen, in order (batches, summaries, resets). */
  readonly messages: SseEvent[] = [];

  constructor(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#sse = new SseReader(body);
  }

  /** The next row, or `null` for a reset; rejects when none arrives within `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<StreamedRowOf<T> | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#rows.length === 0) {
      const message = await this.#sse.next(Math.max(1, deadline - Date.now()));
      this.messages.push(message);
      if (message.event === "reset") return null;
      if (message.event !== "batch") continue;
      const batch = JSON.parse(message.data) as { rows: T[]; end: number };
      if (String(batch.end) !== message.id) {
        throw new Error(`batch end ${batch.end} differs from its id ${message.id}`);
      }
      for (const row of batch.rows) this.#rows.push({ row, id: message.id });
    }
    return this.#rows.shift()!;
  }

  /** The next `count` rows. */
  async take(count: number, timeoutMs = 5_000): Promise<StreamedRowOf<T>[]> {
    const rows: StreamedRowOf<T>[] = [];
    while (rows.length < count) {
      const next = await this.next(timeoutMs);
      if (next === null) throw new Error("the stream reported a reset");
      rows.push(next);
    }
    return rows;
  }

  /** Cancel the stream (the server sees the client go away). */
  async cancel(): Promise<void> {
    await this.#sse.cancel();
  }
}

/** A minimal RFC 4180 reader (quoted cells with doubled quotes, CRLF lines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  return rows;
}
