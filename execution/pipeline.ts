/**
 * The execution pipeline: turns a target position into at most one order,
 * through the gates and (in paper and backtest mode) the broker adapter, and
 * records every decision through an optional event emitter.
 *
 * @module
 */
import type {
  BrokerAdapter,
  ExecutionContext,
  ExecutionResult,
  Fill,
  Gate,
  GateDecision,
  Order,
  OrderIntent,
  OrderSide,
} from "./types.ts";
import type { ExecutionEvent, ExecutionEventEmitter } from "./events.ts";
import { NullEmitter } from "./emitters.ts";
import { EMIT_TIMED, type TimedEventSink, timedSink } from "./timed_emit.ts";
import type { EventKind } from "./event_kinds.ts";
import { nowEpochMicros, WireClock } from "./wire_time.ts";
import { formatPythonRepr } from "./python_format.ts";
import { threeDigits } from "./decimal_texts.ts";
import { InvalidSessionIdError, isValidSessionId } from "./session_id.ts";

/**
 * Options of {@linkcode ExecutionPipeline}.
 *
 * @example
 * ```ts
 * import { type ExecutionPipelineOptions, PriceSanityGate, SimulatedBrokerAdapter } from "@peak-trade/execution";
 * const options: ExecutionPipelineOptions = { gates: [new PriceSanityGate()], adapter: new SimulatedBrokerAdapter() };
 * ```
 */
export interface ExecutionPipelineOptions {
  /** Gates, evaluated in this order; the first block stops the run. */
  gates: Iterable<Gate>;
  /**
   * Executes orders in `paper` and `backtest` mode. Without one, orders that
   * pass the gates are only planned.
   * @default {undefined}
   */
  adapter?: BrokerAdapter;
  /**
   * Receives `intent`, `gate`, `order`, `fill` and `error` events. Without one
   * (or with a {@linkcode NullEmitter}, which drops them) no event object is
   * built.
   * @default {undefined}
   */
  emitter?: ExecutionEventEmitter;
}

/**
 * Name of the pipeline's own input checks in decisions and `gate` events.
 *
 * @example
 * ```ts
 * import { ExecutionPipeline, INPUT_VALIDATION_GATE } from "@peak-trade/execution";
 * const result = await new ExecutionPipeline({ gates: [] }).execute(NaN, 0, { mode: "paper", symbol: "X", price: 1 });
 * console.log(result.gateDecisions[0].gate === INPUT_VALIDATION_GATE); // true
 * ```
 */
export const INPUT_VALIDATION_GATE = "InputValidation";

/**
 * Machine code of an adapter that threw, rejected or returned an unusable fill.
 *
 * @example
 * ```ts
 * import { ADAPTER_FAILED, type ExecutionResult } from "@peak-trade/execution";
 * function brokerDown(result: ExecutionResult): boolean {
 *   return result.code === ADAPTER_FAILED;
 * }
 * ```
 */
export const ADAPTER_FAILED = "ADAPTER_FAILED";

/**
 * Runs one rebalancing step: `desiredDelta = target − current`; zero is a
 * no-op; otherwise an intent for `|delta|` goes through the gates in order
 * (each gate's `modifiedQty` is handed to the next), then becomes an order,
 * which the adapter fills in paper and backtest mode. Never throws: invalid
 * input is a block (`INPUT_INVALID`, `PRICE_INVALID`), an adapter failure is
 * `status: "failed"`.
 *
 * @example
 * ```ts
 * import {
 *   ExecutionPipeline, LotSizeGate, MemoryEmitter, MinNotionalGate,
 *   PriceSanityGate, ResearchOnlyGate, SimulatedBrokerAdapter,
 * } from "@peak-trade/execution";
 * const events = new MemoryEmitter();
 * const pipeline = new ExecutionPipeline({
 *   gates: [new PriceSanityGate(), new ResearchOnlyGate(), new LotSizeGate(), new MinNotionalGate()],
 *   adapter: new SimulatedBrokerAdapter(),
 *   emitter: events,
 * });
 * const result = await pipeline.execute(0.5, 0.1, { mode: "paper", symbol: "BTC-USD", price: 100_000 });
 * console.log(result.status, result.totalNotional); // "filled" 40008
 * console.log(events.events.length); // 7: intent, 4 gates, order, fill
 * ```
 */
export class ExecutionPipeline {
  readonly #gates: readonly Gate[];
  readonly #adapter: BrokerAdapter | undefined;
  readonly #emitter: ExecutionEventEmitter | undefined;
  /** The emitter's fast path (it formats timestamps itself), or `null`. */
  readonly #timed: TimedEventSink | null;
  #orderCounter = 0;
  readonly #clock = new WireClock();
  /** The last session id found valid: a session's executions check it once. */
  #validSession: string | undefined = undefined;
  /** The last symbol, its form in client ids (`/` replaced), and the ids' prefix up to the thousands. */
  #clientSymbol = "";
  #clientSymbolSafe = "";
  #clientThousands = -1;
  #clientPrefix = "";

  /** Create a pipeline; see {@linkcode ExecutionPipelineOptions}. */
  constructor(options: ExecutionPipelineOptions) {
    this.#gates = [...options.gates];
    this.#adapter = options.adapter;
    // A NullEmitter drops every event: build none (exactly NullEmitter, not a subclass that may
    // record something).
    const emitter = options.emitter;
    this.#emitter = emitter !== undefined && emitter.constructor === NullEmitter
      ? undefined
      : emitter;
    this.#timed = timedSink(this.#emitter);
  }

  /** The gates, in evaluation order. */
  get gates(): readonly Gate[] {
    return this.#gates;
  }

  /** The broker adapter, if any. */
  get adapter(): BrokerAdapter | undefined {
    return this.#adapter;
  }

  /**
   * Move the position in `ctx.symbol` from `current` to `target`; see the
   * class description. Resolves with the result; never rejects.
   */
  execute(target: number, current: number, ctx: ExecutionContext): Promise<ExecutionResult> {
    // Not an async function: one would allocate a frame for all of #run's locals on every call
    // (a third of a plain execution); only an adapter that returns a promise needs one.
    try {
      const outcome = this.#run(target, current, ctx);
      return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The execution, synchronous up to an adapter that answers with a promise. */
  #run(
    target: number,
    current: number,
    ctx: ExecutionContext,
  ): ExecutionResult | Promise<ExecutionResult> {
    const context: ExecutionContext = ctx.ts === undefined ? { ...ctx, ts: new Date() } : ctx;
    const emitter = this.#emitter;
    const desiredDelta = target - current;
    const result: ExecutionResult = {
      context,
      desiredDelta,
      gateDecisions: [],
      orders: [],
      fills: [],
      blocked: false,
      blockReason: "",
      status: "noop",
      code: null,
      error: null,
      success: true,
      totalFilledQty: 0,
      totalNotional: 0,
      totalFees: 0,
    };

    const sessionId = context.sessionId;
    const inputProblem = describeInvalidInput(
      target,
      current,
      context.symbol,
      sessionId === this.#validSession ? undefined : sessionId,
    );
    if (inputProblem === null) this.#validSession = sessionId;
    if (inputProblem === null && desiredDelta === 0) return result;

    // Python's comparison makes NaN a sell; keep that for the intent record.
    const side: OrderSide = desiredDelta > 0 ? "buy" : "sell";
    const intent: OrderIntent = {
      symbol: context.symbol,
      side,
      quantity: Math.abs(desiredDelta),
      price: context.price,
      orderType: "market",
    };
    if (emitter !== undefined) {
      this.#emit(context, "intent", {
        side,
        quantity: finiteOrNull(intent.quantity),
        current_price: finiteOrNull(context.price),
        strategy_key: context.strategyKey ?? null,
      });
    }
    if (inputProblem !== null) {
      return this.#block(result, {
        gate: INPUT_VALIDATION_GATE,
        passed: false,
        code: "INPUT_INVALID",
        reason: inputProblem,
        modifiedQty: null,
      });
    }

    const gates = this.#gates;
    // One slot per gate (a push into [] reserves 17), cut short when a gate blocks.
    const decisions: GateDecision[] = gates.length === 0
      ? result.gateDecisions
      : new Array(gates.length);
    result.gateDecisions = decisions;
    // The length is read at each step: a gate may change `pipeline.gates` while it runs.
    let i = 0;
    for (; i < gates.length; i++) {
      const gate = gates[i];
      let decision: GateDecision;
      try {
        decision = gate.check(intent, context);
        if (decision === null || typeof decision !== "object") {
          throw new TypeError(`check() returned ${decision === null ? "null" : typeof decision}`);
        }
      } catch (err) {
        // A custom gate that throws fails closed instead of escaping execute().
        decision = {
          gate: gate.name,
          passed: false,
          code: "GATE_FAILED",
          reason: `Gate raised: ${errorMessage(err)}`,
          modifiedQty: null,
        };
      }
      // Fail closed: only an explicit `passed: true` lets the intent through.
      if (decision.passed !== true) {
        decisions.length = i;
        return this.#block(result, decision);
      }
      decisions[i] = decision;
      if (emitter !== undefined) this.#emitDecision(context, decision);
      const modified = decision.modifiedQty;
      if (modified !== null && modified !== undefined) intent.quantity = modified;
    }
    // No empty slots for gates removed meanwhile.
    if (decisions.length !== i) decisions.length = i;

    // Final checks of the pipeline itself, so that an empty or custom gate
    // list can never send an order with an unusable price or quantity.
    const finalProblem = describeInvalidOrder(intent.quantity, context.price);
    if (finalProblem !== null) return this.#block(result, finalProblem);

    const symbol = context.symbol;
    const order: Order = {
      clientId: this.#nextClientId(symbol),
      symbol,
      side,
      quantity: intent.quantity,
      price: context.price,
      orderType: "market",
      notional: Math.abs(intent.quantity * context.price),
    };
    // A one-element array, not a push into the empty one (which would reserve 16 slots).
    result.orders = [order];
    if (emitter !== undefined) {
      this.#emit(context, "order", {
        client_id: order.clientId,
        side,
        quantity: order.quantity,
        order_type: order.orderType,
        price: order.price,
        notional: order.notional,
      });
    }

    const adapter = this.#adapter;
    if (adapter === undefined || (context.mode !== "paper" && context.mode !== "backtest")) {
      result.status = "planned";
      return result;
    }

    let outcome: Fill | Promise<Fill>;
    try {
      outcome = adapter.executeOrder(order, context);
    } catch (err) {
      return this.#fail(result, err);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (fill) => this.#filled(result, fill),
        (err) => this.#fail(result, err),
      );
    }
    return this.#filled(result, outcome);
  }

  /** Record the adapter's fill (or fail when it is unusable). */
  #filled(result: ExecutionResult, fill: Fill): ExecutionResult {
    const fillProblem = describeInvalidFill(fill);
    if (fillProblem !== null) return this.#fail(result, new Error(fillProblem));
    const emitter = this.#emitter;
    result.fills = [fill];
    result.status = "filled";
    result.totalFilledQty = fill.quantity;
    result.totalNotional = fill.notional;
    result.totalFees = fill.fee;
    if (emitter !== undefined) {
      this.#emit(result.context, "fill", {
        client_id: fill.clientId,
        side: fill.side,
        filled_quantity: fill.quantity,
        fill_price: fill.price,
        fill_notional: fill.notional,
        fill_fee: fill.fee,
      });
    }
    return result;
  }

  #block(result: ExecutionResult, decision: GateDecision): ExecutionResult {
    result.gateDecisions.push(decision);
    if (this.#emitter !== undefined) this.#emitDecision(result.context, decision);
    result.blocked = true;
    result.success = false;
    result.status = "blocked";
    result.code = decision.code;
    result.blockReason = `${decision.gate}: ${decision.reason}`;
    return result;
  }

  #fail(result: ExecutionResult, err: unknown): ExecutionResult {
    const message = errorMessage(err);
    result.blocked = true;
    result.success = false;
    result.status = "failed";
    result.code = ADAPTER_FAILED;
    result.error = message;
    result.blockReason = `Execution failed: ${message}`;
    if (this.#emitter !== undefined) {
      this.#emit(result.context, "error", {
        error: message,
        code: ADAPTER_FAILED,
        stacktrace: err instanceof Error && typeof err.stack === "string" ? err.stack : null,
      });
    }
    return result;
  }

  #emitDecision(context: ExecutionContext, decision: GateDecision): void {
    this.#emit(context, "gate", {
      gate_name: decision.gate,
      passed: decision.passed,
      code: decision.code,
      reason: decision.reason,
      modified_qty: finiteOrNull(decision.modifiedQty),
    });
  }

  #emit(context: ExecutionContext, kind: EventKind, payload: Record<string, unknown>): void {
    try {
      const timed = this.#timed;
      if (timed !== null) {
        // Each event keeps its own clock reading; the emitter formats it as it writes.
        timed[EMIT_TIMED](
          nowEpochMicros(),
          context.sessionId ?? "default",
          typeof context.symbol === "string" ? context.symbol : String(context.symbol ?? ""),
          context.mode,
          kind,
          payload,
        );
        return;
      }
      const event = {
        ts: this.#clock.now(),
        session_id: context.sessionId ?? "default",
        symbol: typeof context.symbol === "string" ? context.symbol : String(context.symbol ?? ""),
        mode: context.mode,
        kind,
        payload,
      } as ExecutionEvent;
      this.#emitter!.emit(event);
    } catch {
      // Telemetry must never disturb execution; emitters count their own failures.
    }
  }

  #nextClientId(symbol: string): string {
    const counter = ++this.#orderCounter;
    const thousands = Math.floor(counter / 1000);
    if (symbol !== this.#clientSymbol || thousands !== this.#clientThousands) {
      if (symbol !== this.#clientSymbol) {
        this.#clientSymbol = symbol;
        this.#clientSymbolSafe = symbol.includes("/") ? symbol.replaceAll("/", "_") : symbol;
      }
      this.#clientThousands = thousands;
      this.#clientPrefix = thousands === 0
        ? `exec_${this.#clientSymbolSafe}_`
        : `exec_${this.#clientSymbolSafe}_${thousands}`;
    }
    // Masked: even a replaced Math.random outside [0, 1) indexes the tables below in range.
    const random = (Math.random() * 0x1000000) & 0xffffff;
    const below = counter - thousands * 1000;
    // Three joins: the prefix (up to the counter's thousands) and its last three digits, then
    // "_" and three hex digits, then three more.
    const last = thousands === 0 ? String(below) : threeDigits(below);
    const high = random >>> 12;
    const low = random & 0xfff;
    return this.#clientPrefix + last + (UNDERSCORE_HEX[high] ??= `_${hexTriple(high)}`) +
      (HEX[low] ??= hexTriple(low));
  }
}

/**
 * The random part of client ids in halves, "000" to "fff" and "_000" to
 * "_fff" (six lowercase hex digits in all), each made the first time it is
 * needed.
 */
const HEX: (string | undefined)[] = new Array(4096);
const UNDERSCORE_HEX: (string | undefined)[] = new Array(4096);

function hexTriple(i: number): string {
  return i.toString(16).padStart(3, "0");
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function describeNumber(value: unknown): string {
  if (typeof value === "number") return formatPythonRepr(value);
  if (value === undefined || value === null) return "None";
  return `${JSON.stringify(String(value))} (not a number)`;
}

/** Why the input cannot be executed, or null when positions are finite and the symbol a string. */
function describeInvalidInput(
  target: unknown,
  current: unknown,
  symbol: unknown,
  sessionId: unknown,
): string | null {
  // An order whose decisions cannot be recorded is not sent (fail closed).
  if (sessionId !== undefined && !isValidSessionId(sessionId)) {
    // The session-id rule's own message, capitalised like the pipeline's other reasons.
    const message = new InvalidSessionIdError(sessionId).message;
    return message[0].toUpperCase() + message.slice(1);
  }
  if (typeof symbol !== "string" || symbol === "") {
    return `Invalid symbol: expected a non-empty string, got ${
      symbol === "" ? "an empty string" : symbol === null ? "null" : typeof symbol
    }`;
  }
  if (typeof target !== "number" || !Number.isFinite(target)) {
    return `Invalid target position: ${describeNumber(target)}`;
  }
  if (typeof current !== "number" || !Number.isFinite(current)) {
    return `Invalid current position: ${describeNumber(current)}`;
  }
  return null;
}

/** The pipeline's own last check before an order is created. */
function describeInvalidOrder(quantity: unknown, price: unknown): GateDecision | null {
  if (typeof price !== "number" || !(price > 0) || price === Infinity) {
    return {
      gate: INPUT_VALIDATION_GATE,
      passed: false,
      code: "PRICE_INVALID",
      reason: `Invalid price: ${describeNumber(price)}`,
      modifiedQty: null,
    };
  }
  if (typeof quantity !== "number" || !Number.isFinite(quantity) || quantity < 0) {
    return {
      gate: INPUT_VALIDATION_GATE,
      passed: false,
      code: "INPUT_INVALID",
      reason: `Invalid quantity: ${describeNumber(quantity)}`,
      modifiedQty: null,
    };
  }
  if (!Number.isFinite(quantity * price)) {
    return {
      gate: INPUT_VALIDATION_GATE,
      passed: false,
      code: "INPUT_INVALID",
      reason: `Notional of ${describeNumber(quantity)} at ${describeNumber(price)} is not finite`,
      modifiedQty: null,
    };
  }
  return null;
}

/** A fill the pipeline cannot record faithfully (non-finite numbers) is an adapter failure. */
function describeInvalidFill(fill: Fill): string | null {
  if (fill === null || typeof fill !== "object") return "adapter returned no fill";
  // Checked one by one: this runs on every fill, so no array of fields is built.
  if (!isFiniteNumber(fill.quantity)) return invalidFillField("quantity", fill.quantity);
  if (!isFiniteNumber(fill.price)) return invalidFillField("price", fill.price);
  if (!isFiniteNumber(fill.notional)) return invalidFillField("notional", fill.notional);
  if (!isFiniteNumber(fill.fee)) return invalidFillField("fee", fill.fee);
  return null;
}

function isFiniteNumber(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value);
}

function invalidFillField(name: string, value: unknown): string {
  return `adapter returned a fill with an invalid ${name}: ${describeNumber(value)}`;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
