/**
 * Digit texts for the hot paths that join numbers into strings without
 * converting them (reason texts, client ids), each made the first time it is
 * asked for and kept: a one-shot command pays for the few it uses, a long
 * run soon finds every one made. Internal: not exported from `mod.ts`.
 *
 * @module
 */

const THREE_DIGITS: (string | undefined)[] = new Array(1000);

/**
 * `i` (0 to 999) as three digits, "000" to "999".
 *
 * @example
 * ```ts ignore
 * console.log(threeDigits(7)); // "007"
 * ```
 */
export function threeDigits(i: number): string {
  return THREE_DIGITS[i] ??= i < 10 ? `00${i}` : i < 100 ? `0${i}` : `${i}`;
}
