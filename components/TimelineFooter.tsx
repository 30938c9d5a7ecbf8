/**
 * The line under the timeline: how many events are shown and the link to the
 * next older page (a plain link before hydration, paging in place after).
 *
 * @module
 */
import type { JSX } from "preact";
import { formatCount } from "../web/format.ts";

/**
 * Props of {@linkcode TimelineFooter}.
 */
export interface TimelineFooterProps {
  /** Rows shown. */
  shown: number;
  /** The URL of the next older page, or `null` when there is none. */
  olderHref: string | null;
  /** Load the older page in place instead of following the link; absent: follow the link. */
  onOlder?: () => void;
  /** Events of the whole session the filters match, when known. */
  matching?: number | null;
}

/**
 * The timeline's footer.
 *
 * @example
 * ```tsx
 * import { TimelineFooter } from "./TimelineFooter.tsx";
 * const footer = <TimelineFooter shown={15} olderHref="/live/execution/demo?before=1024" />;
 * ```
 */
export function TimelineFooter(
  { shown, olderHref, onOlder, matching }: TimelineFooterProps,
): JSX.Element {
  return (
    <p class="footer">
      Showing {formatCount(shown)} events (newest first)
      {matching !== undefined && matching !== null && (
        <span class="matching" data-testid="matching">
          {" · "}
          {formatCount(matching)} in the session match
        </span>
      )}
      {olderHref !== null && (
        <>
          {" · "}
          <a
            class="older"
            href={olderHref}
            onClick={(e) => {
              if (onOlder === undefined) return;
              e.preventDefault();
              onOlder();
            }}
          >
            Older events
          </a>
        </>
      )}
    </p>
  );
}
