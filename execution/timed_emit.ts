/**
 * The pipeline's fast path into an emitter that formats timestamps itself
 * (the JSONL logger): the event's time is handed over as epoch microseconds
 * and its fields one by one, so no `ts` string and no event object is built
 * only to be written as bytes and dropped. Internal: not exported from
 * `mod.ts`; every other emitter gets `emit(event)`.
 *
 * @module
 */
import type { EventKind } from "./event_kinds.ts";

/** The key of {@linkcode TimedEventSink}'s method. */
export const EMIT_TIMED: unique symbol = Symbol("peak-trade.emitTimed");

/**
 * An emitter that takes an event as its fields, with its time in epoch
 * microseconds; the result must be what `emit()` of the same event with
 * `ts: formatWireTimestamp(micros)` would give.
 */
export interface TimedEventSink {
  /** Record one event. Never throws. */
  [EMIT_TIMED](
    micros: number,
    sessionId: string,
    symbol: string,
    mode: string,
    kind: EventKind,
    payload: Record<string, unknown>,
  ): void;
}

/** The emitter's timed method, if it has one. */
export function timedSink(emitter: object | undefined): TimedEventSink | null {
  return emitter !== undefined &&
      typeof (emitter as Partial<TimedEventSink>)[EMIT_TIMED] === "function"
    ? emitter as TimedEventSink
    : null;
}
