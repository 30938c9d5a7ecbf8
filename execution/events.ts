/**
 * The execution event wire format: one JSON object per line with the keys
 * `ts, session_id, symbol, mode, kind, payload, seq`, in that order.
 *
 * The zod schemas here are the single source of truth for what this product
 * writes. Readers are more lenient (they also read files written by the
 * original); see `live/`.
 *
 * @module
 */
import { z } from "zod";
import { SESSION_ID_PATTERN } from "./session_id.ts";
import type { EventKind } from "./event_kinds.ts";
import { WIRE_TIMESTAMP_PATTERN } from "./wire_time.ts";

/** A finite number: `NaN` and `±Infinity` never reach the wire. */
const finite: z.ZodNumber = z.number().refine(Number.isFinite, {
  message: "expected a finite number",
});
const side: z.ZodEnum<{ buy: "buy"; sell: "sell" }> = z.enum(["buy", "sell"]);
/** A payload object: the listed keys are checked, extra keys are kept. */
type Payload<Shape extends z.core.$ZodLooseShape> = z.ZodObject<Shape, z.core.$loose>;

/**
 * Payload of an `intent` event: what was asked, before any gate looked at it.
 *
 * @example
 * ```ts
 * import { IntentPayloadSchema } from "@peak-trade/execution";
 * IntentPayloadSchema.parse({ side: "buy", quantity: 0.4, current_price: 100000, strategy_key: null });
 * ```
 */
export const IntentPayloadSchema: Payload<{
  side: typeof side;
  quantity: z.ZodNullable<z.ZodNumber>;
  current_price: z.ZodNullable<z.ZodNumber>;
  strategy_key: z.ZodNullable<z.ZodString>;
}> = z.looseObject({
  side,
  quantity: finite.nullable(),
  current_price: finite.nullable(),
  strategy_key: z.string().nullable(),
});

/**
 * Payload of a `gate` event: one decision of one gate, passes included.
 *
 * @example
 * ```ts
 * import { GatePayloadSchema } from "@peak-trade/execution";
 * GatePayloadSchema.parse({
 *   gate_name: "LotSize", passed: true, code: "LOT_SIZE_OK",
 *   reason: "Rounded 0.400000 → 0.400000", modified_qty: null,
 * });
 * ```
 */
export const GatePayloadSchema: Payload<{
  gate_name: z.ZodString;
  passed: z.ZodBoolean;
  code: z.ZodString;
  reason: z.ZodString;
  modified_qty: z.ZodNullable<z.ZodNumber>;
}> = z.looseObject({
  gate_name: z.string(),
  passed: z.boolean(),
  code: z.string(),
  reason: z.string(),
  modified_qty: finite.nullable(),
});

/**
 * Payload of an `order` event: the order that passed every gate.
 *
 * @example
 * ```ts
 * import { OrderPayloadSchema } from "@peak-trade/execution";
 * OrderPayloadSchema.parse({
 *   client_id: "exec_BTC-USD_1_a1b2c3", side: "buy", quantity: 0.4,
 *   order_type: "market", price: 100000, notional: 40000,
 * });
 * ```
 */
export const OrderPayloadSchema: Payload<{
  client_id: z.ZodString;
  side: typeof side;
  quantity: z.ZodNumber;
  order_type: z.ZodEnum<{ market: "market"; limit: "limit" }>;
  price: z.ZodNumber;
  notional: z.ZodNumber;
}> = z.looseObject({
  client_id: z.string(),
  side,
  quantity: finite,
  order_type: z.enum(["market", "limit"]),
  price: finite,
  notional: finite,
});

/**
 * Payload of a `fill` event.
 *
 * @example
 * ```ts
 * import { FillPayloadSchema } from "@peak-trade/execution";
 * FillPayloadSchema.parse({
 *   client_id: "exec_BTC-USD_1_a1b2c3", side: "buy", filled_quantity: 0.4,
 *   fill_price: 100020, fill_notional: 40008, fill_fee: 0,
 * });
 * ```
 */
export const FillPayloadSchema: Payload<{
  client_id: z.ZodString;
  side: typeof side;
  filled_quantity: z.ZodNumber;
  fill_price: z.ZodNumber;
  fill_notional: z.ZodNumber;
  fill_fee: z.ZodNumber;
}> = z.looseObject({
  client_id: z.string(),
  side,
  filled_quantity: finite,
  fill_price: finite,
  fill_notional: finite,
  fill_fee: finite,
});

/**
 * Payload of an `error` event (an adapter failure, or the logger's own
 * `TELEMETRY_DROPPED` report).
 *
 * @example
 * ```ts
 * import { ErrorPayloadSchema } from "@peak-trade/execution";
 * ErrorPayloadSchema.parse({ error: "venue down", code: "ADAPTER_FAILED", stacktrace: null });
 * ```
 */
export const ErrorPayloadSchema: Payload<{
  error: z.ZodString;
  code: z.ZodString;
  stacktrace: z.ZodNullable<z.ZodString>;
}> = z.looseObject({
  error: z.string(),
  code: z.string(),
  stacktrace: z.string().nullable(),
});

/** The fields every event has, before `kind` and `payload`. */
type EnvelopeShape = {
  ts: z.ZodString;
  session_id: z.ZodString;
  symbol: z.ZodString;
  mode: z.ZodString;
};
const envelope: EnvelopeShape = {
  ts: z.string().regex(WIRE_TIMESTAMP_PATTERN, {
    message: "expected UTC RFC 3339 with 6 fractional digits and +00:00",
  }),
  session_id: z.string().regex(SESSION_ID_PATTERN, { message: "invalid session id" }),
  symbol: z.string(),
  mode: z.string(),
};
/** Assigned by the writer; optional before the event is written. */
const seq: z.ZodOptional<z.ZodNumber> = z.number().int().nonnegative().optional();

/** The schema of one event kind: the envelope, a literal `kind`, its payload and `seq`. */
type EventOf<Kind extends EventKind, PayloadSchema extends z.core.$ZodType> = z.ZodObject<
  EnvelopeShape & { kind: z.ZodLiteral<Kind>; payload: PayloadSchema; seq: typeof seq },
  z.core.$strip
>;

/**
 * Schema of one execution event as this product writes it. Key order on the
 * wire is `ts, session_id, symbol, mode, kind, payload, seq`.
 *
 * @example
 * ```ts
 * import { ExecutionEventSchema } from "@peak-trade/execution";
 * const event = ExecutionEventSchema.parse({
 *   ts: "2026-11-25T09:30:45.123456+00:00", session_id: "s1", symbol: "BTC-USD",
 *   mode: "paper", kind: "intent",
 *   payload: { side: "buy", quantity: 1, current_price: 100000, strategy_key: null },
 *   seq: 1,
 * });
 * console.log(event.kind); // "intent"
 * ```
 */
export const ExecutionEventSchema: z.ZodDiscriminatedUnion<[
  EventOf<"intent", typeof IntentPayloadSchema>,
  EventOf<"gate", typeof GatePayloadSchema>,
  EventOf<"order", typeof OrderPayloadSchema>,
  EventOf<"fill", typeof FillPayloadSchema>,
  EventOf<"error", typeof ErrorPayloadSchema>,
], "kind"> = z.discriminatedUnion("kind", [
  z.object({ ...envelope, kind: z.literal("intent"), payload: IntentPayloadSchema, seq }),
  z.object({ ...envelope, kind: z.literal("gate"), payload: GatePayloadSchema, seq }),
  z.object({ ...envelope, kind: z.literal("order"), payload: OrderPayloadSchema, seq }),
  z.object({ ...envelope, kind: z.literal("fill"), payload: FillPayloadSchema, seq }),
  z.object({ ...envelope, kind: z.literal("error"), payload: ErrorPayloadSchema, seq }),
]);

/**
 * One execution event (see {@linkcode ExecutionEventSchema}). `seq` is
 * assigned by the logger when the event is written.
 *
 * @example
 * ```ts
 * import type { ExecutionEvent } from "@peak-trade/execution";
 * const event: ExecutionEvent = {
 *   ts: "2026-11-25T09:30:45.123456+00:00", session_id: "s1", symbol: "BTC-USD",
 *   mode: "paper", kind: "error",
 *   payload: { error: "venue down", code: "ADAPTER_FAILED", stacktrace: null },
 * };
 * ```
 */
export type ExecutionEvent = z.infer<typeof ExecutionEventSchema>;

/**
 * Receives execution events. `emit()` must be synchronous, cheap and must not
 * throw into the pipeline; `flush()` and `close()` are awaitable where the
 * emitter buffers.
 *
 * @example
 * ```ts
 * import type { ExecutionEvent, ExecutionEventEmitter } from "@peak-trade/execution";
 * class ConsoleEmitter implements ExecutionEventEmitter {
 *   emit(event: ExecutionEvent): void {
 *     console.log(event.kind, event.symbol);
 *   }
 * }
 * ```
 */
export interface ExecutionEventEmitter {
  /** Record one event. Never throws. */
  emit(event: ExecutionEvent): void;
  /** Resolve once everything emitted so far has been handed to its destination. */
  flush?(): Promise<void>;
  /** Flush, then release files and timers. */
  close?(): Promise<void>;
}
