/**
 * Small emitters: one that drops everything, one that fans out, one that
 * keeps events in memory (for tests and embedding).
 *
 * @module
 */
import type { ExecutionEvent, ExecutionEventEmitter } from "./events.ts";

/**
 * An emitter that does nothing.
 *
 * @example
 * ```ts
 * import { ExecutionPipeline, NullEmitter, PriceSanityGate } from "@peak-trade/execution";
 * const pipeline = new ExecutionPipeline({ gates: [new PriceSanityGate()], emitter: new NullEmitter() });
 * ```
 */
export class NullEmitter implements ExecutionEventEmitter {
  /** Drop the event. */
  emit(_event: ExecutionEvent): void {}
}

/**
 * Forwards every event to several emitters. One that throws does not stop the
 * others; its failures are counted per emitter in `failures`.
 *
 * @example
 * ```ts
 * import { CompositeEmitter, JsonlExecutionLogger, MemoryEmitter } from "@peak-trade/execution";
 * const memory = new MemoryEmitter();
 * const both = new CompositeEmitter([new JsonlExecutionLogger(), memory]);
 * ```
 */
export class CompositeEmitter implements ExecutionEventEmitter {
  readonly #emitters: readonly ExecutionEventEmitter[];
  /** Failures per emitter index (an emit, flush or close that threw or rejected). */
  readonly failures: number[];

  /** Fan out to `emitters`, in order. */
  constructor(emitters: Iterable<ExecutionEventEmitter>) {
    this.#emitters = [...emitters];
    this.failures = this.#emitters.map(() => 0);
  }

  /** Give the event to each emitter in turn. */
  emit(event: ExecutionEvent): void {
    for (let i = 0; i < this.#emitters.length; i++) {
      try {
        this.#emitters[i].emit(event);
      } catch {
        this.failures[i]++;
      }
    }
  }

  /** Flush every emitter; a failing one does not stop the others. */
  async flush(): Promise<void> {
    await this.#each((e) => e.flush?.());
  }

  /** Close every emitter; a failing one does not stop the others. */
  async close(): Promise<void> {
    await this.#each((e) => e.close?.());
  }

  async #each(step: (e: ExecutionEventEmitter) => Promise<void> | undefined): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.#emitters.map((e) => Promise.resolve().then(() => step(e))),
    );
    outcomes.forEach((o, i) => {
      if (o.status === "rejected") this.failures[i]++;
    });
  }
}

/**
 * Keeps every event in memory, with `seq` assigned per session as a file
 * logger would. Useful in tests and for embedding.
 *
 * @example
 * ```ts
 * import { ExecutionPipeline, MemoryEmitter, PriceSanityGate } from "@peak-trade/execution";
 * const memory = new MemoryEmitter();
 * const pipeline = new ExecutionPipeline({ gates: [new PriceSanityGate()], emitter: memory });
 * await pipeline.execute(1, 0, { mode: "live", symbol: "BTC-USD", price: 100 });
 * console.log(memory.events.map((e) => e.kind)); // ["intent", "gate", "order"]
 * ```
 */
export class MemoryEmitter implements ExecutionEventEmitter {
  /** Events in emission order. */
  readonly events: ExecutionEvent[] = [];
  readonly #seq = new Map<string, number>();

  /** Store a copy of the event with its `seq`. */
  emit(event: ExecutionEvent): void {
    const seq = (this.#seq.get(event.session_id) ?? 0) + 1;
    this.#seq.set(event.session_id, seq);
    this.events.push({ ...event, seq });
  }
}
