/**
 * Decoding one JSONL line into a {@linkcode ReadEvent}, leniently enough for
 * files written by the original (bare `NaN`/`Infinity` literals, any
 * `fromisoformat` timestamp), strictly enough that a bad line costs that line.
 *
 * @module
 */
import type { ReadEvent } from "./types.ts";
import { normalizeTimestamp, parseTimestampMicros } from "./timestamps.ts";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** What a line decoded to: an event, a blank line, or an invalid line. */
export type LineVerdict = ReadEvent | "blank" | "invalid";

// A per-process nonce, so a string value in the file cannot impersonate a placeholder. Made at
// the first line that needs it: `crypto` at import time would cost every command's start.
let nonce = "";
let placeholders: Record<string, number> = {};

function placeholderNonce(): string {
  if (nonce === "") {
    const made = crypto.randomUUID().slice(0, 8);
    placeholders = {
      [`\u0000${made}NaN`]: NaN,
      [`\u0000${made}Infinity`]: Infinity,
      [`\u0000${made}-Infinity`]: -Infinity,
    };
    nonce = made;
  }
  return nonce;
}
const NON_FINITE_LITERALS = ["NaN", "Infinity", "-Infinity"] as const;

/**
 * Replace bare `NaN`, `Infinity` and `-Infinity` outside strings with
 * placeholder strings, or return `null` when there are none.
 */
function quoteNonFiniteLiterals(text: string): string | null {
  let out = "";
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x4e && c !== 0x49 && c !== 0x2d) continue; // N, I, -
    for (const literal of NON_FINITE_LITERALS) {
      if (text.startsWith(literal, i)) {
        out += text.slice(copied, i) + JSON.stringify(`\u0000${placeholderNonce()}${literal}`);
        i += literal.length - 1;
        copied = i + 1;
        break;
      }
    }
  }
  return copied === 0 ? null : out + text.slice(copied);
}

function reviveNonFinite(key: string, value: unknown): unknown {
  if (key.charCodeAt(0) === 0 && key in placeholders) {
    // `{NaN: 1}`: a bare literal as a key is not JSON, not even Python's.
    throw new SyntaxError(`${key.slice(9)} is not a valid object key`);
  }
  if (typeof value === "string" && value.charCodeAt(0) === 0 && value in placeholders) {
    return placeholders[value];
  }
  return value;
}

/**
 * Parse JSON text, also accepting the bare `NaN`/`Infinity`/`-Infinity`
 * literals Python's `json.dumps` writes (outside strings only). Throws a
 * `SyntaxError` for anything else that is not JSON.
 *
 * @example
 * ```ts
 * import { parseLenientJson } from "@peak-trade/execution";
 * console.log(parseLenientJson('{"price": NaN, "note": "NaN"}')); // { price: NaN, note: "NaN" }
 * ```
 */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const quoted = quoteNonFiniteLiterals(text);
    if (quoted === null) throw err;
    return JSON.parse(quoted, reviveNonFinite);
  }
}

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
}

function firstNonBlank(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && isWhitespace(bytes[i])) i++;
  return i;
}

function lastNonBlank(bytes: Uint8Array): number {
  let i = bytes.length - 1;
  while (i >= 0 && isWhitespace(bytes[i])) i--;
  return i;
}

function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  }
  return true;
}

/**
 * The kind a reader gives an event line that has no `kind` (as the original's
 * viewer did); filter on it to find such lines.
 *
 * @example
 * ```ts
 * import { getExecutionTimeline, UNKNOWN_KIND } from "@peak-trade/execution";
 * const page = await getExecutionTimeline("demo", { kinds: [UNKNOWN_KIND] });
 * console.log(page.timeline.length);
 * ```
 */
export const UNKNOWN_KIND = "unknown";

/**
 * Turn a parsed JSON value into a {@linkcode ReadEvent}, or `null` when it is
 * not an event object (not an object, or a `kind` that is not a string).
 *
 * @example
 * ```ts
 * import { toReadEvent } from "@peak-trade/execution";
 * const event = toReadEvent({ ts: "2026-11-25T09:30:45Z", kind: "fill", payload: {} }, 0, 60);
 * console.log(event?.ts); // "2026-11-25T09:30:45.000000+00:00"
 * ```
 */
export function toReadEvent(value: unknown, offset: number, end: number): ReadEvent | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const kind = record.kind === undefined ? UNKNOWN_KIND : record.kind;
  if (typeof kind !== "string") return null;
  let ts: string | null = null;
  let tsMicros: number | null = null;
  if (typeof record.ts === "string") {
    tsMicros = parseTimestampMicros(record.ts);
    if (tsMicros !== null) ts = normalizeTimestamp(record.ts);
  }
  const seq = record.seq;
  return {
    ts,
    ts_micros: tsMicros,
    session_id: typeof record.session_id === "string" ? record.session_id : null,
    symbol: typeof record.symbol === "string" ? record.symbol : null,
    mode: typeof record.mode === "string" ? record.mode : null,
    kind,
    payload: "payload" in record ? record.payload : {},
    seq: typeof seq === "number" && Number.isInteger(seq) ? seq : null,
    offset,
    end,
  };
}

/**
 * Decode one line (without its line ending): a {@linkcode ReadEvent}, `"blank"`
 * for a whitespace-only line, or `"invalid"` when it is not UTF-8, not JSON
 * (bare `NaN`/`Infinity` allowed) or not an event object.
 *
 * @example
 * ```ts
 * import { decodeEventLine } from "@peak-trade/execution";
 * const line = new TextEncoder().encode('{"ts": "2026-11-25T09:30:45", "kind": "intent"}');
 * const verdict = decodeEventLine(line, 0, line.length + 1);
 * console.log(typeof verdict === "object" ? verdict.kind : verdict); // "intent"
 * ```
 */
export function decodeEventLine(bytes: Uint8Array, offset: number, end: number): LineVerdict {
  if (isBlank(bytes)) return "blank";
  // Only an object can be an event: a line that does not start with `{` and end with `}`
  // (around whitespace) is invalid without decoding it (garbage costs a byte check, not a
  // failed JSON.parse and its exception).
  if (bytes[firstNonBlank(bytes)] !== 0x7b || bytes[lastNonBlank(bytes)] !== 0x7d) {
    return "invalid";
  }
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return "invalid";
  }
  let value: unknown;
  try {
    value = parseLenientJson(text);
  } catch {
    return "invalid";
  }
  return toReadEvent(value, offset, end) ?? "invalid";
}
