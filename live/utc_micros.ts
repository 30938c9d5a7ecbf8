/**
 * Formatting epoch microseconds as a wire timestamp, without importing the
 * zod schemas of `execution/events.ts` (the summary worker loads this, and
 * every module it loads costs memory in the worker).
 *
 * @module
 */

/** `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` for epoch microseconds (the same output as `formatWireTimestamp`). */
export function formatUtcMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = Math.floor(micros - seconds * 1_000_000);
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z for years 0-9999
  return `${iso.slice(0, 19)}.${String(fraction).padStart(6, "0")}+00:00`;
}
