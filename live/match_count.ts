/**
 * How many events of a whole session match a timeline filter: the count the
 * dashboard shows beside the rows of one page. Counted at byte-scan speed over
 * the session's logical byte stream (every segment, then the active file) and
 * kept up to date incrementally per session and filter (see
 * `session_aggregate.ts`), so a following page costs only the new bytes.
 *
 * @module
 */
import { DEFAULT_LOG_DIR } from "../execution/log_root.ts";
import { assertValidSessionId } from "../execution/session_id.ts";
import type { ScannedEvent } from "../execution/wire/line_scan.ts";
import type { ScanSink } from "../execution/wire/summary_state.ts";
import { SessionAggregates } from "./session_aggregate.ts";
import {
  compileTimelineFilter,
  type TimelineFilter,
  timelineFilterKey,
  type TimelineMatchable,
} from "./timeline_query.ts";

/** Counts matching events of one session for one filter. */
class MatchCounter implements ScanSink {
  consumed = 0;
  totalLines = 0;
  invalidLines = 0;
  oversizedLines = 0;
  events = 0;
  matching = 0;
  #matches: (event: TimelineMatchable) => boolean;
  #needsPayload: boolean;

  constructor(filter: TimelineFilter) {
    this.#matches = compileTimelineFilter(filter);
    this.#needsPayload = (filter.blocked ?? false) || (filter.gates?.length ?? 0) > 0 ||
      (filter.codes?.length ?? 0) > 0;
  }

  add(e: ScannedEvent): void {
    this.events++;
    const event: TimelineMatchable = {
      kind: e.kind,
      symbol: e.symbol,
      ts_micros: e.tsMicros === e.tsMicros ? e.tsMicros : null,
    };
    // The scanner keeps what the gate filters read; only they need a payload built.
    if (this.#needsPayload) {
      event.payload = {
        gate_name: e.gateName,
        passed: e.passed,
        decision: e.decision,
        code: e.code,
      };
    }
    if (this.#matches(event)) this.matching++;
  }
}

/** Counters per session and filter. */
const aggregates = new SessionAggregates<MatchCounter>({
  create: () => new MatchCounter({ kinds: [], symbol: null, sinceMicros: null, untilMicros: null }),
  capacity: 64,
});

/** How many events of a session match, out of how many. */
export interface MatchCount {
  /** Whether the session exists (an active file, segments or an archive). */
  found: boolean;
  /** Valid events matching the filter. */
  matching: number;
  /** Valid events in the session. */
  total: number;
}

/**
 * Count the events of a whole session that `filter` matches (the limit does
 * not apply), across every segment of a rotated session. A session that only
 * grew since the last count of the same filter costs only its new bytes.
 *
 * @example
 * ```ts
 * import { countTimelineMatches } from "./match_count.ts";
 * import { parseTimelineQuery } from "./timeline_query.ts";
 * const count = await countTimelineMatches("demo", parseTimelineQuery({ blocked: "1" }));
 * console.log(`${count.matching} of ${count.total} events are blocks`);
 * ```
 */
export async function countTimelineMatches(
  sessionId: string,
  filter: TimelineFilter,
  options: { baseDir?: string } = {},
): Promise<MatchCount> {
  assertValidSessionId(sessionId);
  return await aggregates.read(
    options.baseDir ?? DEFAULT_LOG_DIR,
    sessionId,
    (read) =>
      read === null
        ? { found: false, matching: 0, total: 0 }
        : { found: true, matching: read.sink.matching, total: read.sink.events },
    timelineFilterKey(filter),
    () => new MatchCounter(filter),
  );
}
