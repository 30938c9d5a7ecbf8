/**
 * Problem reports of the telemetry writer: what a report holds, and the
 * rate-limited reporter that hands them to `onError` (by default one line on
 * standard error), so a failing disk cannot flood the caller.
 *
 * @module
 */

/**
 * A report of a telemetry problem (a disk error, a refused path, a dropped
 * event), handed to {@linkcode JsonlExecutionLoggerOptions.onError}.
 *
 * @example
 * ```ts
 * import type { TelemetryErrorReport } from "@peak-trade/execution";
 * const report: TelemetryErrorReport = {
 *   message: "peak-trade telemetry: cannot write logs/execution/s1.jsonl: …",
 *   path: "logs/execution/s1.jsonl",
 *   error: new Error("No space left on device"),
 *   suppressed: 0,
 * };
 * ```
 */
export interface TelemetryErrorReport {
  /** One line a person can act on: what failed, what happens to the events, what to check. */
  message: string;
  /** The session file concerned, or `null` when the problem is not tied to one file. */
  path: string | null;
  /** The underlying error. */
  error: unknown;
  /** How many problems were not reported since the previous report (rate limiting). */
  suppressed: number;
}

/**
 * Hands problems to a callback, at most one per interval; the problems in
 * between are counted in the next report's `suppressed`. Never throws.
 */
export class ProblemReporter {
  readonly #onError: (report: TelemetryErrorReport) => void;
  readonly #intervalMs: number;
  #nextReportAt = 0;
  #suppressed = 0;

  /** `onError` defaults to one line on standard error. */
  constructor(
    onError: ((report: TelemetryErrorReport) => void) | undefined,
    intervalMs: number,
  ) {
    this.#onError = onError ?? writeToStderr;
    this.#intervalMs = intervalMs;
  }

  /** Report a problem, or count it as suppressed when the last report is too recent. */
  report(path: string | null, error: unknown, message: string): void {
    const now = Date.now();
    if (now < this.#nextReportAt) {
      this.#suppressed++;
      return;
    }
    this.#nextReportAt = now + this.#intervalMs;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    try {
      this.#onError({
        message: `peak-trade telemetry: ${message}` +
          (suppressed > 0 ? ` (${suppressed} more problems since the last report)` : ""),
        path,
        error,
        suppressed,
      });
    } catch {
      // A failing reporter must not turn into an exception in the pipeline.
    }
  }
}

/** The message of an error, for a report line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const encoder = new TextEncoder();

function writeToStderr(report: TelemetryErrorReport): void {
  try {
    Deno.stderr.writeSync(encoder.encode(report.message + "\n"));
  } catch {
    // Nowhere left to report to.
  }
}
