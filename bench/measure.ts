/**
 * What the load benchmarks share: a run's wall-clock and CPU time
 * (user + system, every thread of this process), medians, the load average
 * and the check of their integer flags.
 *
 * @module
 */
import process from "node:process";

/** Wall-clock milliseconds and CPU milliseconds (user + system, all threads) of one run. */
export interface Run {
  wallMs: number;
  cpuMs: number;
}

/** This process's CPU time so far, in milliseconds (user + system, all threads). */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Run `body` and measure it. */
export async function measure(body: () => Promise<void>): Promise<Run> {
  const cpu = cpuMs();
  const start = performance.now();
  await body();
  return { wallMs: performance.now() - start, cpuMs: cpuMs() - cpu };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them ("n/a" elsewhere). */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

/**
 * The value of integer flag `--name`, given as `text`: a safe integer of at
 * least `min` (1 unless given), or a message on standard error and exit
 * code 2.
 */
export function integerFlag(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(value) || value < min) {
    const expected = min === 1 ? "a positive integer" : `an integer of at least ${min}`;
    console.error(`--${name}: expected ${expected}, got ${JSON.stringify(text)}`);
    Deno.exit(2);
  }
  return value;
}
