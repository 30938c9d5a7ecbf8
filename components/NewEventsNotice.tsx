/**
 * The notice that new events arrived while the reader scrolled away from the
 * newest rows: the table stays still under the reader, and a button shows
 * how many are waiting and brings them in.
 *
 * @module
 */
import type { JSX } from "preact";
import { formatCount } from "../web/format.ts";

/** Props of {@linkcode NewEventsNotice}. */
export interface NewEventsNoticeProps {
  /** Events waiting. */
  count: number;
  /** Show them (and go to the newest row). */
  onShow: () => void;
}

/**
 * "N new events" while some wait; nothing otherwise.
 *
 * @example
 * ```tsx
 * import { NewEventsNotice } from "./NewEventsNotice.tsx";
 * const notice = <NewEventsNotice count={12} onShow={() => {}} />;
 * ```
 */
export function NewEventsNotice({ count, onShow }: NewEventsNoticeProps): JSX.Element | null {
  if (count === 0) return null;
  return (
    <button type="button" class="new-events" data-testid="new-events" onClick={onShow}>
      ↑ {formatCount(count)} new {count === 1 ? "event" : "events"}: show
    </button>
  );
}
