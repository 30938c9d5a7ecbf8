/**
 * What the timeline shows instead of the table when there are no rows,
 * saying why: no log yet, no events yet, nothing matches, or an empty page.
 *
 * @module
 */
import type { JSX } from "preact";

/**
 * Props of {@linkcode EmptyTimeline}.
 */
export interface EmptyTimelineProps {
  /** The session shown. */
  sessionId: string;
  /** Whether the session's log exists. */
  found: boolean;
  /** Events in the whole session. */
  eventCount: number;
  /** Whether any filter is applied. */
  filtered: boolean;
}

function reason({ sessionId, found, eventCount, filtered }: EmptyTimelineProps): string {
  if (!found) {
    return `No execution log found for session ${sessionId}. It appears here once the first event is written.`;
  }
  if (eventCount === 0) return "This session has no events yet.";
  return filtered ? "No events match your filters." : "No events on this page.";
}

/**
 * The empty state of the timeline.
 *
 * @example
 * ```tsx
 * import { EmptyTimeline } from "./EmptyTimeline.tsx";
 * const empty = <EmptyTimeline sessionId="demo" found eventCount={0} filtered={false} />;
 * ```
 */
export function EmptyTimeline(props: EmptyTimelineProps): JSX.Element {
  return (
    <div class="empty">
      <h2>No execution events</h2>
      <p>{reason(props)}</p>
    </div>
  );
}
