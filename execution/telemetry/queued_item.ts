/**
 * What a session's queue holds: the encoded line prefix of each event (see
 * `encodeLinePrefix`), and markers of the events dropped at the memory cap.
 *
 * @module
 */

/** A run of events lost to the buffer cap, kept in the queue where the gap is. */
export class DropMarker {
  /** Events dropped in this run. */
  count = 1;
  /** The symbol and mode of the first dropped event, for the `TELEMETRY_DROPPED` line. */
  constructor(readonly symbol: string, readonly mode: string) {}
}

/** The line prefix of an event with a character above U+007F (encoded on its own, see `BatchEncoder`). */
export class NonAsciiLine {
  /** Wrap a line prefix that is not pure ASCII. */
  constructor(readonly text: string) {}
  /** Its size in UTF-16 code units, as the memory cap counts it. */
  get length(): number {
    return this.text.length;
  }
}

/**
 * A queued event, its line prefix as a plain string when it is pure ASCII;
 * or a run of drops.
 */
export type QueuedItem = string | NonAsciiLine | DropMarker;
