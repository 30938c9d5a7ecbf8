/**
 * The options of `JsonlExecutionLogger`, their defaults, and the settings a
 * logger runs with once the defaults are applied.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../log_root.ts";
import type { TelemetryErrorReport } from "./problem_reporter.ts";

/**
 * Options of {@linkcode JsonlExecutionLogger}.
 *
 * @example
 * ```ts
 * import { JsonlExecutionLogger, type JsonlExecutionLoggerOptions } from "@peak-trade/execution";
 * const options: JsonlExecutionLoggerOptions = { baseDir: "logs/execution", fsync: true };
 * const logger = new JsonlExecutionLogger(options);
 * await logger.close();
 * ```
 */
export interface JsonlExecutionLoggerOptions {
  /**
   * The log root: session files are `<baseDir>/<session_id>.jsonl`. Created
   * on the first write.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /**
   * A session's queue is written as soon as it holds this many bytes of
   * encoded lines.
   * @default {65536}
   */
  batchBytes?: number;
  /**
   * Whatever is queued is written at the latest this many milliseconds after
   * it was emitted (also the retry delay after a disk error).
   * @default {100}
   */
  flushIntervalMs?: number;
  /**
   * Memory cap over all sessions, in bytes of encoded lines. What happens
   * when an event would exceed it is `onFull`'s choice.
   * @default {16777216} (16 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * When the memory cap is reached: `"block"` writes everything queued
   * synchronously on the caller's `emit()` (backpressure: the caller waits
   * for the disk, nothing is dropped); `"drop"` drops the event, counts it,
   * and writes a `TELEMETRY_DROPPED` error event with the count once writing
   * resumes. While the disk fails, both drop (memory stays bounded).
   * @default {"block"}
   */
  onFull?: "block" | "drop";
  /**
   * Close the active file into a compressed segment before a write would make
   * it larger than this many bytes (`Infinity`: never by size; values below
   * 4096 count as 4096). A line is never split across segments.
   * @default {67108864} (64 MiB)
   */
  rotateBytes?: number;
  /**
   * Close the active file into a segment at the first write of a new UTC
   * day (each segment holds the lines written on one day).
   * @default {true}
   */
  daily?: boolean;
  /**
   * Call `fdatasync` after every batch, so that a resolved `flush()` means the
   * events are on disk, not only in the operating system's cache.
   * @default {false}
   */
  fsync?: boolean;
  /**
   * Write what is still queued when the process exits normally: end of the
   * script, `Deno.exit()`, and (with `handleSignals`) SIGINT and SIGTERM.
   * @default {true}
   */
  flushOnExit?: boolean;
  /**
   * Listen for SIGINT and SIGTERM: write what is queued, then exit with
   * 130 / 143 as the default action would. Pass `false` when the program
   * handles these signals itself (and call `close()` in its handler).
   * Only used when `flushOnExit` is true.
   * @default {true}
   */
  handleSignals?: boolean;
  /**
   * Session files kept open at most; beyond it the least recently written
   * idle file is closed (and reopened, with its seq, when needed again).
   * @default {32}
   */
  maxOpenFiles?: number;
  /**
   * Receives problem reports, at most one per `errorReportIntervalMs`.
   * @default writes `report.message` to standard error
   */
  onError?: (report: TelemetryErrorReport) => void;
  /**
   * Minimum time between two problem reports; problems in between are
   * counted in the next report's `suppressed`.
   * @default {60000}
   */
  errorReportIntervalMs?: number;
}

/** The options with every default applied (see {@linkcode resolveLoggerSettings}). */
export interface LoggerSettings {
  readonly baseDir: string;
  /** Queued bytes of encoded lines that start a write. */
  readonly batchBytes: number;
  readonly flushIntervalMs: number;
  readonly maxBufferedBytes: number;
  readonly onFull: "block" | "drop";
  /** `Infinity` when size rotation is off. */
  readonly rotateBytes: number;
  readonly daily: boolean;
  readonly maxOpenFiles: number;
  readonly fsync: boolean;
  readonly flushOnExit: boolean;
  /** Already false when `flushOnExit` is. */
  readonly handleSignals: boolean;
  readonly onError: ((report: TelemetryErrorReport) => void) | undefined;
  readonly errorReportIntervalMs: number;
}

const DEFAULT_BATCH_BYTES = 64 * 1024;
const DEFAULT_FLUSH_INTERVAL_MS = 100;
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const DEFAULT_ERROR_REPORT_INTERVAL_MS = 60_000;
const DEFAULT_MAX_OPEN_FILES = 32;
/** 64 MiB: a segment compresses in well under a second and pages back in a few members. */
export const DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024;
/** Smaller segments would mostly be manifest entries (each rotation rewrites the manifest). */
const MIN_ROTATE_BYTES = 4096;

/** Apply the defaults; a size or interval that is not a positive number gets its default. */
export function resolveLoggerSettings(options: JsonlExecutionLoggerOptions): LoggerSettings {
  const flushOnExit = options.flushOnExit ?? true;
  return {
    baseDir: options.baseDir ?? DEFAULT_LOG_DIR,
    batchBytes: positive(options.batchBytes, DEFAULT_BATCH_BYTES),
    flushIntervalMs: positive(options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS),
    maxBufferedBytes: positive(options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
    onFull: options.onFull === "drop" ? "drop" : "block",
    rotateBytes: options.rotateBytes === Infinity
      ? Infinity
      : Math.max(MIN_ROTATE_BYTES, positive(options.rotateBytes, DEFAULT_ROTATE_BYTES)),
    daily: options.daily ?? true,
    maxOpenFiles: Math.floor(positive(options.maxOpenFiles, DEFAULT_MAX_OPEN_FILES)),
    fsync: options.fsync ?? false,
    flushOnExit,
    handleSignals: flushOnExit && (options.handleSignals ?? true),
    onError: options.onError,
    errorReportIntervalMs: Math.max(
      0,
      options.errorReportIntervalMs ?? DEFAULT_ERROR_REPORT_INTERVAL_MS,
    ),
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
