/**
 * The position of a line in a session, as the fleet sees it: its `seq`, and
 * for a line without one (a line of the original, a damaged line) the `seq`
 * of the last line before it that had one plus its count since that line.
 * Keys rise through a session, so `collect` writes a line only when its key
 * is past the last key in the central file: a batch delivered twice, or
 * re-cut differently after a restart, is never written twice.
 *
 * @module
 */

/**
 * A line's key: `seq` of the line (then `n` = 0), or of the last line before
 * it that had one (then `n` counts the lines since: 1, 2, …).
 *
 * @example
 * ```ts
 * import type { LineKey } from "@peak-trade/execution";
 * const afterSeq7: LineKey = { seq: 7, n: 1 };
 * ```
 */
export interface LineKey {
  /** The line's `seq`, or the last `seq` before it (0 before the first). */
  readonly seq: number;
  /** 0 for a line with a `seq`; else its count since the last line that had one. */
  readonly n: number;
}

/**
 * The key before a session's first line.
 *
 * @example
 * ```ts
 * import { START_LINE_KEY } from "@peak-trade/execution";
 * console.log(START_LINE_KEY); // { seq: 0, n: 0 }
 * ```
 */
export const START_LINE_KEY: LineKey = Object.freeze({ seq: 0, n: 0 });

/**
 * Negative when `a` comes before `b`, 0 when equal, positive after.
 *
 * @example
 * ```ts
 * import { compareLineKeys } from "@peak-trade/execution";
 * console.log(compareLineKeys({ seq: 7, n: 1 }, { seq: 8, n: 0 }) < 0); // true
 * ```
 */
export function compareLineKeys(a: LineKey, b: LineKey): number {
  return a.seq !== b.seq ? a.seq - b.seq : a.n - b.n;
}

/**
 * The key of the line after `previous`: `{seq, n: 0}` when it has a `seq`
 * (≥ 1), else one more line after the same `seq`.
 *
 * @example
 * ```ts
 * import { nextLineKey, START_LINE_KEY } from "@peak-trade/execution";
 * console.log(nextLineKey(START_LINE_KEY, null)); // { seq: 0, n: 1 }
 * console.log(nextLineKey({ seq: 0, n: 1 }, 1)); // { seq: 1, n: 0 }
 * ```
 */
export function nextLineKey(previous: LineKey, seq: number | null): LineKey {
  return seq !== null ? { seq, n: 0 } : { seq: previous.seq, n: previous.n + 1 };
}

/**
 * A key as text: `"12"`, or `"12+3"` for the third line after seq 12 without a `seq`.
 *
 * @example
 * ```ts
 * import { formatLineKey } from "@peak-trade/execution";
 * console.log(formatLineKey({ seq: 12, n: 3 })); // "12+3"
 * ```
 */
export function formatLineKey(key: LineKey): string {
  return key.n === 0 ? String(key.seq) : `${key.seq}+${key.n}`;
}

const KEY_TEXT = /^(0|[1-9]\d{0,15})(?:\+([1-9]\d{0,15}))?$/;

/**
 * The key written by {@linkcode formatLineKey}, or `null` for other text.
 *
 * @example
 * ```ts
 * import { parseLineKey } from "@peak-trade/execution";
 * console.log(parseLineKey("12+3")); // { seq: 12, n: 3 }
 * console.log(parseLineKey("x")); // null
 * ```
 */
export function parseLineKey(text: string | null | undefined): LineKey | null {
  const m = KEY_TEXT.exec(text ?? "");
  if (m === null) return null;
  const seq = Number(m[1]);
  const n = m[2] === undefined ? 0 : Number(m[2]);
  return Number.isSafeInteger(seq) && Number.isSafeInteger(n) ? { seq, n } : null;
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;
/** `"seq"` */
const SEQ_KEY = [0x22, 0x73, 0x65, 0x71, 0x22];
const decoder = new TextDecoder();

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/**
 * The `seq` (an integer ≥ 1) of the JSON line in `bytes[start, end)` (without
 * its `\n`), or `null` when it has none.
 *
 * HOT PATH (once per shipped and per collected line): the writer puts `seq`
 * last, so the line's end is read backwards (`"seq":123}`); any other shape is
 * parsed as JSON.
 *
 * @example
 * ```ts
 * import { lineSeq } from "@peak-trade/execution";
 * const line = new TextEncoder().encode('{"kind":"fill","seq":42}');
 * console.log(lineSeq(line, 0, line.length)); // 42
 * ```
 */
export function lineSeq(bytes: Uint8Array, start: number, end: number): number | null {
  let i = end - 1;
  while (i > start && isBlank(bytes[i])) i--;
  if (i <= start || bytes[i] !== CLOSE) return null;
  i--;
  while (i > start && isBlank(bytes[i])) i--;
  const digitsEnd = i + 1;
  while (i > start && bytes[i] >= ZERO && bytes[i] <= NINE) i--;
  const digitsStart = i + 1;
  const digits = digitsEnd - digitsStart;
  if (digits >= 1 && digits <= 15 && (digits === 1 || bytes[digitsStart] !== ZERO)) {
    while (i > start && isBlank(bytes[i])) i--;
    if (bytes[i] === COLON) {
      i--;
      while (i > start && isBlank(bytes[i])) i--;
      let matches = i - start >= SEQ_KEY.length;
      for (let k = 0; matches && k < SEQ_KEY.length; k++) {
        if (bytes[i - SEQ_KEY.length + 1 + k] !== SEQ_KEY[k]) matches = false;
      }
      if (matches) {
        let j = i - SEQ_KEY.length;
        while (j > start && isBlank(bytes[j])) j--;
        if (bytes[j] === COMMA || bytes[j] === OPEN) {
          let seq = 0;
          for (let k = digitsStart; k < digitsEnd; k++) seq = seq * 10 + bytes[k] - ZERO;
          return seq >= 1 ? seq : null;
        }
      }
    }
  }
  return parsedSeq(bytes.subarray(start, end));
}

/** The general way: the line as JSON, when it is an object with an integer `seq` ≥ 1. */
function parsedSeq(line: Uint8Array): number | null {
  if (line.indexOf(QUOTE) === -1) return null;
  try {
    const value: unknown = JSON.parse(decoder.decode(line));
    if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
    const seq = (value as { seq?: unknown }).seq;
    return typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
  } catch {
    return null;
  }
}
