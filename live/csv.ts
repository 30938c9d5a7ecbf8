/**
 * CSV cells and lines (RFC 4180: comma-separated, CRLF line ends, cells with
 * a comma, quote or line break quoted, quotes doubled), safe to open in a
 * spreadsheet: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
 * return is prefixed with `'`, so it is shown as text and never evaluated as
 * a formula (OWASP's advice against CSV injection).
 *
 * @module
 */

/** Characters that make a spreadsheet read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: `null`/`undefined` give an empty cell, objects their JSON;
 * formulas are neutralised and the cell quoted when it needs to be.
 *
 * @example
 * ```ts
 * import { csvCell } from "./csv.ts";
 * console.log(csvCell("=HYPERLINK(1)"), csvCell('a "b", c'), csvCell(null)); // '=HYPERLINK(1) "a ""b"", c"
 * ```
 */
export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (typeof value === "object") text = JSON.stringify(value) ?? "";
  else text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV line of `cells`, ending in CRLF.
 *
 * @example
 * ```ts
 * import { csvLine } from "./csv.ts";
 * console.log(JSON.stringify(csvLine(["ts", "kind"]))); // "ts,kind\r\n"
 * ```
 */
export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}
