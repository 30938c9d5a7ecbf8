/**
 * Prepared digit texts for the hot paths that join numbers into strings
 * without converting them (reason texts, client ids). Internal: not exported
 * from `mod.ts`.
 *
 * @module
 */

let threeDigits: readonly string[] | null = null;

/**
 * "000" to "999", by value; made on first use.
 *
 * @example
 * ```ts ignore
 * console.log(threeDigitTexts()[7]); // "007"
 * ```
 */
export function threeDigitTexts(): readonly string[] {
  return threeDigits ??= Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
}
