/**
 * Fixtures of the operations tests: a temporary log root, session files of
 * wire events at chosen times, and modification times set explicitly (no
 * test waits for the clock).
 *
 * @module
 */
import { formatWireTimestamp } from "../../execution/wire_time.ts";

/** Run `body` with a fresh log root (removed afterwards). */
export async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peak-ops-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One event line of the wire format at `atMs`. */
export function eventLine(
  sessionId: string,
  atMs: number,
  kind: string,
  payload: Record<string, unknown>,
  seq = 1,
): string {
  return JSON.stringify({
    ts: formatWireTimestamp(new Date(atMs)),
    session_id: sessionId,
    symbol: "BTC-USD",
    mode: "paper",
    kind,
    payload,
    seq,
  }) + "\n";
}

/** An intent line. */
export function intent(sessionId: string, atMs: number): string {
  return eventLine(sessionId, atMs, "intent", { side: "buy", quantity: 1, current_price: 100 });
}

/** A gate decision line (passed or blocked). */
export function gate(sessionId: string, atMs: number, passed: boolean): string {
  return eventLine(sessionId, atMs, "gate", {
    gate_name: "MinNotional",
    passed,
    code: passed ? "NOTIONAL_OK" : "NOTIONAL_BELOW_MIN",
    reason: "test",
    modified_qty: null,
  });
}

/** An `error` event line (an adapter failure, or the writer's drop report with `dropped`). */
export function errorEvent(
  sessionId: string,
  atMs: number,
  code = "ADAPTER_FAILED",
  dropped?: number,
): string {
  return eventLine(sessionId, atMs, "error", {
    error: "boom",
    code,
    stacktrace: null,
    ...(dropped === undefined ? {} : { dropped }),
  });
}

/** `count` intents, `blocked` of which were blocked by a gate, all at `atMs`. */
export function decisions(sessionId: string, atMs: number, count: number, blocked: number): string {
  let text = "";
  for (let i = 0; i < count; i++) {
    text += intent(sessionId, atMs) + gate(sessionId, atMs, i >= blocked);
  }
  return text;
}

/** Append `text` to `<root>/<sessionId>.jsonl`, then set its modification time to `mtimeMs`. */
export async function writeSession(
  root: string,
  sessionId: string,
  text: string,
  mtimeMs?: number,
): Promise<string> {
  const path = `${root}/${sessionId}.jsonl`;
  await Deno.writeTextFile(path, text, { append: true });
  if (mtimeMs !== undefined) await setMtime(path, mtimeMs);
  return path;
}

/** Set a file's access and modification time. */
export async function setMtime(path: string, ms: number): Promise<void> {
  const at = new Date(ms);
  await Deno.utime(path, at, at);
}

/** A fixed "now" for tests: 2026-11-25T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
