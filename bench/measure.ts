/**
 * What the alternating benchmarks share: a run's wall-clock and CPU time
 * (user + system, every thread of this process).
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
