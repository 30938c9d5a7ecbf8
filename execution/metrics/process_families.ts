/**
 * The standard `process_*` families (the names every Prometheus client
 * library uses), read from Deno's own APIs and, on Linux, `/proc`.
 *
 * prom-client's default collectors are not used: they also register
 * `nodejs_active_*_total` gauges that fail `promtool check metrics`, start an
 * event-loop monitor and a GC observer, and count CPU time only from the
 * moment they are registered. These read the process totals directly.
 *
 * Deno lets a program read `/proc/self` only with `--allow-all`. Without it,
 * open and maximum file descriptors and virtual memory come from a small
 * `/bin/sh` child (listing `/proc/<pid>/fd`) when `--allow-run` is granted,
 * at most once every 10 s; with neither, those three families are absent.
 * Permissions are only queried, never requested: a scrape never prompts.
 *
 * @module
 */
import { Counter, Gauge, type Registry } from "prom-client";
import process from "node:process";

/** What `/proc` tells about this process. */
interface ProcStats {
  openFds: number;
  maxFds: number | null;
  virtualMemoryBytes: number | null;
}

/** How long a probe through a child process is reused. */
const CHILD_PROBE_TTL_MS = 10_000;

/** Whether `descriptor` is granted, without prompting. */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** The soft limit of open files in a `/proc/<pid>/limits` text, or `null`. */
function parseMaxFds(limits: string): number | null {
  const match = limits.match(/^Max open files\s+(\d+)/m);
  return match === null ? null : Number(match[1]);
}

/** `vsize` (field 23) of a `/proc/<pid>/stat` line, or `null`. */
function parseVirtualMemory(stat: string): number | null {
  // The command name (field 2) may contain spaces; fields are counted after its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const vsize = Number(fields[20]);
  return Number.isFinite(vsize) && vsize > 0 ? vsize : null;
}

/** Reads `/proc/self` directly (needs `--allow-all`); `null` when Deno refuses. */
function readDirectly(): ProcStats | null {
  if (Deno.build.os !== "linux" || !granted({ name: "read", path: "/proc/self" })) return null;
  try {
    let entries = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) entries++;
    return {
      openFds: entries - 1, // the directory handle of this very listing
      maxFds: parseMaxFds(Deno.readTextFileSync("/proc/self/limits")),
      virtualMemoryBytes: parseVirtualMemory(Deno.readTextFileSync("/proc/self/stat")),
    };
  } catch {
    return null; // NotCapable without --allow-all
  }
}

/** Asks a `/bin/sh` child (which reads `/proc/<our pid>` as any process of this user may). */
async function readThroughChild(): Promise<ProcStats | null> {
  const pid = Deno.pid;
  try {
    const { success, stdout } = await new Deno.Command("/bin/sh", {
      args: ["-c", `ls /proc/${pid}/fd | wc -l; ulimit -n; cat /proc/${pid}/stat`],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return null;
    const [fds, limit, ...stat] = new TextDecoder().decode(stdout).split("\n");
    const openFds = Number(fds.trim());
    if (!Number.isInteger(openFds)) return null;
    return {
      // Minus the read end of the pipe this probe holds open.
      openFds: Math.max(0, openFds - 1),
      maxFds: /^\d+$/.test(limit.trim()) ? Number(limit.trim()) : null,
      virtualMemoryBytes: parseVirtualMemory(stat.join("\n")),
    };
  } catch {
    return null;
  }
}

/** Picks the way to read `/proc` once, and caches what the child reports. */
class ProcProbe {
  readonly #direct: boolean;
  readonly #child: boolean;
  #cached: { at: number; stats: ProcStats | null } | null = null;
  #running: Promise<ProcStats | null> | null = null;

  constructor() {
    this.#direct = readDirectly() !== null;
    this.#child = !this.#direct && Deno.build.os === "linux" &&
      granted({ name: "run", command: "/bin/sh" });
  }

  /** Whether the `/proc` families can be filled at all. */
  get available(): boolean {
    return this.#direct || this.#child;
  }

  async read(): Promise<ProcStats | null> {
    if (this.#direct) return readDirectly();
    if (!this.#child) return null;
    const cached = this.#cached;
    if (cached !== null && Date.now() - cached.at < CHILD_PROBE_TTL_MS) return cached.stats;
    this.#running ??= readThroughChild().then((stats) => {
      this.#cached = { at: Date.now(), stats };
      this.#running = null;
      return stats;
    });
    return await this.#running;
  }
}

/**
 * Register `process_cpu_seconds_total`, `process_resident_memory_bytes`,
 * `process_start_time_seconds` and, where `/proc` can be read (see the
 * module notes), `process_open_fds`, `process_max_fds` and
 * `process_virtual_memory_bytes`.
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
  const probe = new ProcProbe();
  if (!probe.available) return;
  const proc: Array<[string, string, (stats: ProcStats) => number | null]> = [
    ["process_open_fds", "Number of open file descriptors.", (s) => s.openFds],
    ["process_max_fds", "Maximum number of open file descriptors.", (s) => s.maxFds],
    ["process_virtual_memory_bytes", "Virtual memory size in bytes.", (s) => s.virtualMemoryBytes],
  ];
  for (const [name, help, pick] of proc) {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const stats = await probe.read();
        const value = stats === null ? null : pick(stats);
        // Unknown this time: no sample rather than a made-up 0.
        if (value === null) this.remove();
        else this.set(value);
      },
    });
  }
}
