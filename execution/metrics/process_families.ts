/**
 * The standard `process_*` families (the names every Prometheus client
 * library uses), read from Deno's own APIs and, on Linux, `/proc/self`.
 *
 * prom-client's default collectors are not used: they also register
 * `nodejs_active_*_total` gauges that fail `promtool check metrics`, start an
 * event-loop monitor and a GC observer, and count CPU time only from the
 * moment they are registered. These read the process totals directly.
 *
 * @module
 */
import { Counter, Gauge, type Registry } from "prom-client";
import process from "node:process";

/** `Deno.readDirSync` count of `/proc/self/fd`, or `null` where there is no `/proc` (or no permission). */
function openFds(): number | null {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n - 1; // the directory handle of this very listing
  } catch {
    return null;
  }
}

/** The soft limit of open files from `/proc/self/limits`, or `null`. */
function maxFds(): number | null {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const match = limits.match(/^Max open files\s+(\d+)/m);
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** Virtual memory size (`vsize`, field 23 of `/proc/self/stat`), or `null`. */
function virtualMemory(): number | null {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // The command name (field 2) may contain spaces; fields are counted after its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const vsize = Number(fields[20]);
    return Number.isFinite(vsize) ? vsize : null;
  } catch {
    return null;
  }
}

/**
 * Register `process_cpu_seconds_total`, `process_resident_memory_bytes`,
 * `process_start_time_seconds` and, where `/proc` is readable,
 * `process_open_fds`, `process_max_fds` and `process_virtual_memory_bytes`.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { registerProcessFamilies } from "./process_families.ts";
 * const registry = new Registry();
 * registerProcessFamilies(registry);
 * console.log((await registry.metrics()).includes("process_resident_memory_bytes")); // true
 * ```
 */
export function registerProcessFamilies(registry: Registry): void {
  const registers = [registry];
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers,
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  // performance.timeOrigin is when this process's clock started, in epoch milliseconds.
  const startSeconds = Math.floor(performance.timeOrigin) / 1000;
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
    collect() {
      this.set(startSeconds);
    },
  });
  if (openFds() !== null) {
    new Gauge({
      name: "process_open_fds",
      help: "Number of open file descriptors.",
      registers,
      collect() {
        const n = openFds();
        if (n !== null) this.set(n);
      },
    });
  }
  const limit = maxFds();
  if (limit !== null) {
    new Gauge({
      name: "process_max_fds",
      help: "Maximum number of open file descriptors.",
      registers,
      collect() {
        this.set(limit);
      },
    });
  }
  if (virtualMemory() !== null) {
    new Gauge({
      name: "process_virtual_memory_bytes",
      help: "Virtual memory size in bytes.",
      registers,
      collect() {
        const bytes = virtualMemory();
        if (bytes !== null) this.set(bytes);
      },
    });
  }
}
