/**
 * Text for the terminal: colours (only when the output wants them), file
 * content made safe to print, and counts written for people.
 *
 * @module
 */
import type { CliIo } from "./io.ts";
import { groupThousands } from "../web/format.ts";

/** ANSI colour of each kind this product writes. */
export const KIND_COLOURS: Readonly<Record<string, string>> = {
  intent: "\x1b[36m", // cyan
  gate: "\x1b[33m", // yellow
  order: "\x1b[34m", // blue
  fill: "\x1b[32m", // green
  error: "\x1b[31m", // red
};

/** ANSI dim, for headers and labels. */
export const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** `text` in the colour `code` when the io wants colour, else as it is. */
export function paint(io: Pick<CliIo, "color">, code: string | undefined, text: string): string {
  return io.color && code !== undefined ? `${code}${text}${RESET}` : text;
}

/**
 * Characters of file content that must not reach the terminal as they are:
 * C0 and C1 controls (escape sequences, BEL, a newline that would fake a
 * row) and the invisible direction and line-break marks that reorder or
 * split what is shown.
 */
const UNSAFE_TEXT =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** File content made safe to print: `\n` and `\r` shown escaped, a tab as a space, others `?`. */
export function safeText(text: string): string {
  return text.replace(
    UNSAFE_TEXT,
    (c) => c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? " " : "?",
  );
}

/** A count with thousands separators (`12,345`). */
export function formatCount(n: number): string {
  // Counts are integers: grouped without ICU (see groupThousands).
  return Number.isSafeInteger(n) && !Object.is(n, -0)
    ? groupThousands(n)
    : n.toLocaleString("en-US");
}
