/**
 * The telemetry writer's own families (`peak_exec_writer_*`), read from the
 * writer's public `stats` at every collection.
 *
 * @module
 */
import { Counter, Gauge, type Registry } from "prom-client";

/**
 * What the writer families read: the counters of `JsonlExecutionLogger.stats`
 * ({@linkcode TelemetryStats} fits as it is), plus breakdowns a writer may
 * report. Each optional field, once a writer reports it, replaces the
 * fallback described on it; nothing else changes.
 *
 * @example
 * ```ts
 * import type { WriterStats } from "@peak-trade/execution";
 * const stats: WriterStats = { written: 10, dropped: 0, errors: 0, refused: 0, bufferedBytes: 0 };
 * ```
 */
export interface WriterStats {
  /** Events written to their session file. */
  readonly written: number;
  /** Events lost (buffer cap, after close, unencodable, unwritten at close). */
  readonly dropped: number;
  /** Failed attempts (open, write, fsync, encode). */
  readonly errors: number;
  /** Events refused (invalid session id, unsafe session file). */
  readonly refused: number;
  /** Approximate size of the events waiting in memory, in bytes. */
  readonly bufferedBytes: number;
  /** Bytes written to session files. Without it, `peak_exec_writer_bytes_total` is not registered. */
  readonly writtenBytes?: number;
  /**
   * Dropped events by reason. Without it, `dropped` is reported as
   * `reason="other"` and `refused` as `reason="refused"`.
   */
  readonly droppedByReason?: Readonly<Record<string, number>>;
  /** Failed attempts by operation. Without it, `errors` is reported as `op="other"`. */
  readonly errorsByOp?: Readonly<Record<string, number>>;
  /** Rotations by trigger. Without it (a writer that never rotates), every trigger is 0. */
  readonly rotationsByTrigger?: Readonly<Record<string, number>>;
}

/**
 * A writer whose counters the metrics read, such as `JsonlExecutionLogger`.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger, type WriterStatsSource } from "@peak-trade/execution";
 * const logger = new JsonlExecutionLogger();
 * const source: WriterStatsSource = logger;
 * console.log(source.stats.written); // 0
 * await logger.close();
 * ```
 */
export interface WriterStatsSource {
  /** A snapshot of the writer's counters. */
  readonly stats: WriterStats;
}

/** Values of the `reason` label of `peak_exec_writer_dropped_events_total`. */
const DROP_REASONS = [
  "buffer_full",
  "closed",
  "unencodable",
  "unwritten_at_close",
  "disk_error",
  "refused",
  "other",
];
/** Values of the `op` label of `peak_exec_writer_errors_total`. */
const ERROR_OPS = ["open", "write", "fsync", "encode", "other"];
/**
 * Values of the `trigger` label of `peak_exec_writer_rotations_total`: the
 * triggers of segment rotation (size, UTC day boundary, on request).
 */
const ROTATION_TRIGGERS = ["size", "daily", "manual"];

/** Sum a breakdown onto a bounded label list (unknown keys go to `other`, when listed). */
function bounded(
  breakdown: Readonly<Record<string, number>>,
  labels: readonly string[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of Object.entries(breakdown)) {
    if (!(Number.isFinite(n) && n > 0)) continue;
    const label = labels.includes(key) ? key : labels.includes("other") ? "other" : null;
    if (label !== null) out.set(label, (out.get(label) ?? 0) + n);
  }
  return out;
}

/**
 * Register the writer families on `registry`, reading `source.stats` at
 * every collection: `peak_exec_writer_events_total`,
 * `peak_exec_writer_bytes_total` (when the writer reports bytes),
 * `peak_exec_writer_dropped_events_total{reason}`,
 * `peak_exec_writer_errors_total{op}`,
 * `peak_exec_writer_rotations_total{trigger}` and
 * `peak_exec_writer_buffered_bytes`.
 *
 * @example
 * ```ts
 * import { Registry } from "prom-client";
 * import { registerWriterFamilies } from "./writer_families.ts";
 * const registry = new Registry();
 * const stats = { written: 7, dropped: 0, errors: 0, refused: 1, bufferedBytes: 0 };
 * registerWriterFamilies(registry, { stats });
 * const text = await registry.metrics();
 * console.log(text.includes('peak_exec_writer_dropped_events_total{reason="refused"} 1')); // true
 * ```
 */
export function registerWriterFamilies(registry: Registry, source: WriterStatsSource): void {
  const registers = [registry];
  new Counter({
    name: "peak_exec_writer_events_total",
    help: "Events the telemetry writer wrote to session files.",
    registers,
    collect() {
      this.reset();
      this.inc(source.stats.written);
    },
  });
  if (typeof source.stats.writtenBytes === "number") {
    new Counter({
      name: "peak_exec_writer_bytes_total",
      help: "Bytes the telemetry writer wrote to session files.",
      registers,
      collect() {
        this.reset();
        this.inc(source.stats.writtenBytes ?? 0);
      },
    });
  }
  new Counter({
    name: "peak_exec_writer_dropped_events_total",
    help: "Events the telemetry writer could not record, by reason.",
    labelNames: ["reason"] as const,
    registers,
    collect() {
      this.reset();
      const stats = source.stats;
      const values = stats.droppedByReason === undefined
        ? new Map([["refused", stats.refused], ["other", stats.dropped]])
        : bounded(stats.droppedByReason, DROP_REASONS);
      const reasons = stats.droppedByReason === undefined ? ["refused", "other"] : DROP_REASONS;
      for (const reason of reasons) this.inc({ reason }, 0);
      for (const [reason, n] of values) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: "peak_exec_writer_errors_total",
    help: "Failed telemetry writer operations (open, write, fsync, encode), by operation.",
    labelNames: ["op"] as const,
    registers,
    collect() {
      this.reset();
      const stats = source.stats;
      if (stats.errorsByOp === undefined) {
        this.inc({ op: "other" }, stats.errors);
        return;
      }
      for (const op of ERROR_OPS) this.inc({ op }, 0);
      for (const [op, n] of bounded(stats.errorsByOp, ERROR_OPS)) this.inc({ op }, n);
    },
  });
  new Counter({
    name: "peak_exec_writer_rotations_total",
    help: "Session file rotations by the telemetry writer, by trigger (size, daily, manual).",
    labelNames: ["trigger"] as const,
    registers,
    collect() {
      this.reset();
      for (const trigger of ROTATION_TRIGGERS) this.inc({ trigger }, 0);
      const rotations = source.stats.rotationsByTrigger;
      if (rotations === undefined) return;
      for (const [trigger, n] of bounded(rotations, ROTATION_TRIGGERS)) this.inc({ trigger }, n);
    },
  });
  new Gauge({
    name: "peak_exec_writer_buffered_bytes",
    help: "Approximate size of the events waiting in the telemetry writer's memory, in bytes.",
    registers,
    collect() {
      this.set(source.stats.bufferedBytes);
    },
  });
}
