/**
 * Live follow for many readers at once: one follower per followed session,
 * shared by all its subscribers (fan-out), new events coalesced into batches
 * (at most `batchRows` events each and one batch per `batchMs`, the first
 * after a quiet spell sent at once), and a bounded
 * buffer per subscriber. A subscriber that falls further behind than its
 * buffer is ended ("overflowed"), so a slow reader costs a bounded amount of
 * memory and resumes from the last batch it took instead. A subscriber that
 * starts behind the shared follower catches up with a follower of its own,
 * pulled only as fast as it reads, then joins the shared batches.
 *
 * @module
 */
import { resolve } from "node:path";
import { clearImmediate, setImmediate } from "node:timers";
import { DEFAULT_LOG_DIR, sessionFilePath } from "../execution/log_root.ts";
import { followExecution } from "./follow.ts";
import { followStart } from "./follow_start.ts";
import { getExecutionSummary } from "./summary.ts";
import type { ExecutionSummary, FollowItem } from "./types.ts";

/** An event as the follower yields it. */
export type FollowEventItem = Extract<FollowItem, { type: "event" }>;

/** What a subscriber receives: new events, a reset, or a fresh summary. */
export interface FollowBatch {
  /** New events, oldest first (empty for a reset or a summary). */
  events: FollowEventItem[];
  /** Logical offset just after the last line the batch covers: resume from here. */
  end: number;
  /**
   * The active file was truncated or replaced and reading restarted at its
   * start (`end`: 0 before any rotation, else the logical start of the active
   * file, after the closed segments, which were not replaced).
   */
  reset: "truncated" | "replaced" | null;
  /** The whole-session summary after this point (at most one per `summaryMs`), or `null`. */
  summary: ExecutionSummary | null;
  /** Bytes of the file the batch covers: its weight in a subscriber's buffer. */
  bytes: number;
}

/** Options of {@linkcode FollowHub}. */
export interface FollowHubOptions {
  /**
   * The log root.
   * @default {"logs/execution"}
   */
  baseDir?: string;
  /**
   * Shortest time between two batches, in milliseconds: the longest a new
   * event waits for more to share its batch (one after a quiet spell waits
   * for nothing).
   * @default {100}
   */
  batchMs?: number;
  /**
   * Most events in one batch.
   * @default {500}
   */
  batchRows?: number;
  /**
   * Most bytes (of the file) a subscriber may have waiting; beyond them it is ended.
   * @default {8388608}
   */
  maxBufferedBytes?: number;
  /**
   * Subscribers catching up with a follower of their own at once; others wait their turn.
   * @default {4}
   */
  maxCatchUps?: number;
  /**
   * Fewest milliseconds between two summaries sent while the file grows (0: none).
   * @default {1000}
   */
  summaryMs?: number;
  /**
   * Longest wait of a follower between two looks at the file (see `followExecution`).
   * @default {250}
   */
  pollIntervalMs?: number;
}

/** Options of {@linkcode FollowHub.subscribe}. */
export interface FollowSubscribeOptions {
  /**
   * Byte offset to continue from (the `end` of the last batch taken). Absent
   * or `null`: from where the shared follower is now.
   */
  from?: number | null;
}

/** Settings of a hub with every default filled in. */
interface HubSettings {
  baseDir: string;
  batchMs: number;
  batchRows: number;
  maxBufferedBytes: number;
  maxCatchUps: number;
  summaryMs: number;
  pollIntervalMs: number | undefined;
}

/** A counting semaphore: the catch-up slots. */
class Slots {
  #free: number;
  #waiting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolveTake) => this.#waiting.push(resolveTake));
  }

  /** Give a slot back (to the next waiter, if any). */
  give(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}

/**
 * Bytes handed out in one turn of the event loop (a batch's file bytes times
 * its subscribers): the rest of a broadcast goes on in the next turns (see
 * `SessionFeed.#broadcast`). A lone append reaches 100 subscribers in one
 * turn; a 150 KB batch reaches about 13 per turn.
 */
const DELIVERY_TURN_BYTES = 2 * 1024 * 1024;
/** What a batch weighs for that budget at least (a reset or a summary covers no bytes). */
const DELIVERY_MIN_BYTES = 4096;

/** The shared follower of one session and its subscribers. */
class SessionFeed {
  readonly sessionId: string;
  readonly subscribers: Set<FollowSubscription> = new Set();
  /** Where the next batch starts: new subscribers join here. `null` until known. */
  position: number | null = null;
  #hub: HubSettings;
  #onIdle: () => void;
  #stop = new AbortController();
  #pending: FollowEventItem[] = [];
  #pendingStart = 0;
  /** The pending flush: a timer, or an immediate when the batch may go out now. */
  #timer: { cancel(): void } | null = null;
  /** When the last batch went out (performance.now()). */
  #lastFlushAt = -Infinity;
  #lastSummaryAt = -Infinity;
  #summaryRunning = false;
  #summaryImmediate: ReturnType<typeof setImmediate> | null = null;
  #closed = false;
  /** Batches being handed out, oldest first, each to the subscribers it was broadcast to. */
  #deliveries: { batch: FollowBatch; to: FollowSubscription[]; next: number }[] = [];
  #deliveryImmediate: ReturnType<typeof setImmediate> | null = null;
  /** File bytes of the batches being handed out (the follower waits above `maxBufferedBytes`). */
  deliveryBytes = 0;
  /** The follower's wait for the hand-out to catch up. */
  #onDelivered: (() => void) | null = null;

  constructor(sessionId: string, hub: HubSettings, onIdle: () => void) {
    this.sessionId = sessionId;
    this.#hub = hub;
    this.#onIdle = onIdle;
    void this.#run();
  }

  async #run(): Promise<void> {
    let failure: unknown = null;
    try {
      const path = sessionFilePath(this.#hub.baseDir, this.sessionId);
      const start = await followStart(path) ?? 0;
      if (this.#closed) return;
      this.position = start;
      this.#pendingStart = start;
      for (const sub of this.subscribers) sub.attach(start);
      const follower = followExecution(this.sessionId, {
        baseDir: this.#hub.baseDir,
        from: start,
        signal: this.#stop.signal,
        pollIntervalMs: this.#hub.pollIntervalMs,
      });
      for await (const item of follower) {
        if (this.deliveryBytes > this.#hub.maxBufferedBytes) {
          // A burst is read faster than it is handed out: read on once the hand-out caught up,
          // so the feed holds a bounded backlog, as each subscriber does.
          await new Promise<void>((resolve) => this.#onDelivered = resolve);
        }
        if (item.type === "reset") {
          this.#flush();
          this.#broadcast({
            events: [],
            end: item.end,
            reset: item.reason,
            summary: null,
            bytes: 0,
          });
          this.position = item.end;
          this.#pendingStart = item.end;
          continue;
        }
        this.#pending.push(item);
        if (this.#pending.length >= this.#hub.batchRows) {
          this.#flush();
        } else if (this.#timer === null) {
          // At most one batch per batchMs, but the first after a quiet spell goes out at once
          // (once the lines of this read are taken): a lone append reaches every subscriber in
          // a few milliseconds, a steady stream still shares its batches.
          // An immediate, not a timer of 0 ms: timers are clamped to a millisecond or more and
          // fire late on a busy machine (2 ms and more here), an immediate runs as soon as this
          // turn's microtasks (the rest of this read's lines) are done.
          const wait = this.#lastFlushAt + this.#hub.batchMs - performance.now();
          if (wait <= 0) {
            const immediate = setImmediate(() => this.#flush());
            this.#timer = { cancel: () => clearImmediate(immediate) };
          } else {
            const timer = setTimeout(() => this.#flush(), wait);
            this.#timer = { cancel: () => clearTimeout(timer) };
          }
        }
      }
    } catch (err) {
      failure = err;
    } finally {
      this.#flush();
      this.#closed = true;
      this.#cancelSummary();
      this.#deliverAll();
      for (const sub of this.subscribers) sub.finish(failure);
      this.subscribers.clear();
      this.#onIdle();
    }
  }

  /** Send the events waiting as one batch. */
  #flush(): void {
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#pending.length === 0) return;
    this.#lastFlushAt = performance.now();
    const events = this.#pending;
    const end = events[events.length - 1].end;
    this.#pending = [];
    const batch: FollowBatch = {
      events,
      end,
      reset: null,
      summary: null,
      bytes: end - this.#pendingStart,
    };
    this.#pendingStart = end;
    this.position = end;
    this.#broadcast(batch);
    this.#maybeSummarise();
  }

  /**
   * Hand `batch` to every subscriber, about {@linkcode DELIVERY_TURN_BYTES}
   * per turn of the event loop: what each hand-out sets off (the message, the
   * write, the guard's copy) is then spread over several turns, and a request
   * that arrives meanwhile (`/healthz`) waits for one slice, not for all 200
   * streams of a busy session. Every subscriber gets its batches in order.
   */
  #broadcast(batch: FollowBatch): void {
    const idle = this.#deliveries.length === 0;
    this.#deliveries.push({ batch, to: [...this.subscribers], next: 0 });
    this.deliveryBytes += batch.bytes;
    // The first slice at once: a session with few viewers gets its batch with no delay.
    if (idle) this.#deliverSlice();
  }

  #deliverSlice(): void {
    this.#deliveryImmediate = null;
    let budget = DELIVERY_TURN_BYTES;
    while (budget > 0 && this.#deliveries.length > 0) {
      const delivery = this.#deliveries[0];
      const weight = Math.max(delivery.batch.bytes, DELIVERY_MIN_BYTES);
      while (budget > 0 && delivery.next < delivery.to.length) {
        delivery.to[delivery.next++].offer(delivery.batch);
        budget -= weight;
      }
      if (delivery.next === delivery.to.length) {
        this.#deliveries.shift();
        this.deliveryBytes -= delivery.batch.bytes;
      }
    }
    if (this.#deliveries.length > 0) {
      this.#deliveryImmediate = setImmediate(() => this.#deliverSlice());
    }
    if (this.deliveryBytes <= this.#hub.maxBufferedBytes) this.#delivered();
  }

  /** Hand out what is still being delivered, now (before the subscribers are finished). */
  #deliverAll(): void {
    if (this.#deliveryImmediate !== null) clearImmediate(this.#deliveryImmediate);
    this.#deliveryImmediate = null;
    for (const delivery of this.#deliveries) {
      for (let i = delivery.next; i < delivery.to.length; i++) delivery.to[i].offer(delivery.batch);
    }
    this.#deliveries = [];
    this.deliveryBytes = 0;
    this.#delivered();
  }

  #delivered(): void {
    const resolve = this.#onDelivered;
    this.#onDelivered = null;
    resolve?.();
  }

  /** After a batch, at most once per `summaryMs`: a fresh summary for every subscriber. */
  #maybeSummarise(): void {
    const every = this.#hub.summaryMs;
    if (every <= 0 || this.#summaryRunning || performance.now() - this.#lastSummaryAt < every) {
      return;
    }
    this.#summaryRunning = true;
    this.#lastSummaryAt = performance.now();
    // After the batch: its subscribers take it in this turn's microtasks and their streams
    // write it, before the summary's own synchronous work (opening and reading the session)
    // holds the thread; new events first, the summary a turn later.
    const immediate = setImmediate(() => this.#summarise());
    this.#summaryImmediate = immediate;
  }

  /** Drop a summary scheduled but not started (the feed is closing). */
  #cancelSummary(): void {
    if (this.#summaryImmediate === null) return;
    clearImmediate(this.#summaryImmediate);
    this.#summaryImmediate = null;
    this.#summaryRunning = false;
  }

  #summarise(): void {
    this.#summaryImmediate = null;
    if (this.#closed || this.position === null) {
      this.#summaryRunning = false;
      return;
    }
    getExecutionSummary(this.sessionId, { baseDir: this.#hub.baseDir }).then((summary) => {
      if (this.#closed || this.position === null) return;
      this.#broadcast({ events: [], end: this.position, reset: null, summary, bytes: 0 });
    }, () => {
      // A summary that cannot be read now is sent with a later batch.
    }).finally(() => {
      this.#summaryRunning = false;
    });
  }

  /** Stop following (the last subscriber left, or the hub closes). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelSummary();
    this.#stop.abort();
    if (this.position === null) {
      // Never started following: nothing else will report the end.
      for (const sub of this.subscribers) sub.finish(null);
      this.subscribers.clear();
      this.#onIdle();
    }
  }
}

/** Why a subscription ended. */
export type FollowSubscriptionEnd = "open" | "closed" | "overflowed" | "failed";

/**
 * One subscriber of a {@linkcode FollowHub}: an async iterator of batches.
 * It ends when the file's follower stops, when the hub closes, when the
 * consumer calls `return()`, or when it fell behind by more than the hub's
 * buffer (`state` is then `"overflowed"`; resume from the last batch's `end`).
 */
export class FollowSubscription implements AsyncIterableIterator<FollowBatch> {
  #feed: SessionFeed;
  #hub: HubSettings;
  #slots: Slots;
  #from: number | null;
  #queue: FollowBatch[] = [];
  #queuedBytes = 0;
  /** The end of the last batch handed out (events up to it are never handed out again). */
  #cursor: number | null = null;
  /** Where this subscriber joined the shared batches; `null` until the feed knows it. */
  #joinedAt: number | null = null;
  #phase: "waiting" | "catching-up" | "live" = "waiting";
  #catchUp: CatchUp | null = null;
  #state: FollowSubscriptionEnd = "open";
  #failure: unknown = null;
  /** The feed stopped: nothing more will be queued. */
  #feedDone = false;
  /** The next reset handed out ends this subscription (its client starts again at 0). */
  #resetEnds = false;
  /** A reset that ends this subscription was handed out. */
  #ending = false;
  #wake: (() => void) | null = null;
  #busy: Promise<unknown> = Promise.resolve();
  #leave: (sub: FollowSubscription) => void;

  /** Created by {@linkcode FollowHub.subscribe}. */
  constructor(
    feed: SessionFeed,
    hub: HubSettings,
    slots: Slots,
    from: number | null,
    leave: (sub: FollowSubscription) => void,
  ) {
    this.#feed = feed;
    this.#hub = hub;
    this.#slots = slots;
    this.#from = from;
    this.#leave = leave;
  }

  /** Why the subscription ended, or `"open"`. */
  get state(): FollowSubscriptionEnd {
    return this.#state;
  }

  /** The offset after the last batch handed out, or `null` before the first. */
  get cursor(): number | null {
    return this.#cursor;
  }

  /** The feed knows where it starts: shared batches from now on continue from `position`. */
  attach(position: number): void {
    this.#joinedAt = position;
    this.#onJoined(position);
    this.#signal();
  }

  #onJoined: (position: number) => void = () => {};
  /**
   * Resolves with the offset where this subscriber joined the shared
   * follower, once known (it never resolves when the feed fails first).
   */
  readonly joined: Promise<number> = new Promise((resolveJoined) => {
    this.#onJoined = resolveJoined;
  });

  /** A shared batch: queue it, or end this subscriber when its buffer would overflow. */
  offer(batch: FollowBatch): void {
    if (this.#state !== "open") return;
    this.#queue.push(batch);
    this.#queuedBytes += batch.bytes;
    // One batch is always allowed, however large: a reader that keeps up is never cut off.
    if (this.#queue.length > 1 && this.#queuedBytes > this.#hub.maxBufferedBytes) {
      this.#queue = [];
      this.#queuedBytes = 0;
      this.#end("overflowed");
    }
    this.#signal();
  }

  /** The feed stopped: end after what is queued (with `failure` when it failed). */
  finish(failure: unknown): void {
    if (this.#state !== "open") return;
    this.#failure = failure;
    this.#feedDone = true;
    this.#signal();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<FollowBatch> {
    return this;
  }

  next(): Promise<IteratorResult<FollowBatch>> {
    // Calls are served one at a time, in order.
    const result = this.#busy.then(() => this.#next());
    this.#busy = result.catch(() => undefined);
    return result;
  }

  return(): Promise<IteratorResult<FollowBatch>> {
    this.#end("closed");
    return Promise.resolve({ done: true, value: undefined });
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #waitForSignal(): Promise<void> {
    return new Promise((resolveWait) => this.#wake = resolveWait);
  }

  #end(state: FollowSubscriptionEnd): void {
    if (this.#state !== "open") return;
    this.#state = state;
    this.#catchUp?.close();
    this.#catchUp = null;
    this.#leave(this);
    this.#signal();
  }

  async #next(): Promise<IteratorResult<FollowBatch>> {
    while (true) {
      if (this.#state !== "open") return { done: true, value: undefined };
      if (this.#ending) {
        this.#end("closed");
        continue;
      }
      if (this.#phase === "waiting") {
        if (this.#joinedAt === null) {
          if (this.#feedDone) return this.#finished();
          await this.#waitForSignal();
          continue;
        }
        this.#startPhase(this.#joinedAt);
        continue;
      }
      if (this.#phase === "catching-up" && this.#catchUp !== null) {
        const batch = await this.#catchUp.next();
        if (this.#state !== "open") return { done: true, value: undefined };
        if (batch === null) {
          this.#catchUp.close();
          this.#catchUp = null;
          this.#phase = "live";
          continue;
        }
        // The file this subscriber was reading is gone: after the reset it starts again at the
        // active file's start.
        if (batch.reset !== null) this.#resetEnds = true;
        return this.#handOut(batch);
      }
      const batch = this.#takeQueued();
      if (batch !== null) return this.#handOut(batch);
      if (this.#feedDone) return this.#finished();
      await this.#waitForSignal();
    }
  }

  /** Decide how to start once the feed's position is known. */
  #startPhase(joinedAt: number): void {
    const from = this.#from ?? joinedAt;
    this.#cursor = this.#from;
    if (from === joinedAt) {
      this.#phase = "live";
      return;
    }
    if (from > joinedAt) {
      // Ahead of the shared follower (its last batch is not out yet): skip what it sends up
      // to `from`, unless the file is shorter than that, which only a replaced file explains.
      this.#phase = "live";
      void this.#checkAhead(from);
      return;
    }
    // Behind the shared follower (or ahead of it, which a replaced file explains): read the
    // gap with a follower of our own, which also reports the reset of a replaced file.
    this.#phase = "catching-up";
    this.#catchUp = new CatchUp(this.#feed.sessionId, from, joinedAt, this.#hub, this.#slots);
  }

  /** The file ends before `from`: the client read another file; it starts again at 0. */
  async #checkAhead(from: number): Promise<void> {
    let end: number | null;
    try {
      end = await followStart(sessionFilePath(this.#hub.baseDir, this.#feed.sessionId));
    } catch {
      return; // unreadable now: the feed reports it
    }
    if (end !== null && end >= from) return;
    if (this.#state !== "open") return;
    this.#queue.unshift({ events: [], end: 0, reset: "replaced", summary: null, bytes: 0 });
    this.#resetEnds = true;
    this.#signal();
  }

  /** The next queued batch with the events after the cursor (a reset always). */
  #takeQueued(): FollowBatch | null {
    while (this.#queue.length > 0) {
      const batch = this.#queue.shift()!;
      this.#queuedBytes -= batch.bytes;
      if (batch.reset !== null || batch.summary !== null) return batch;
      const cursor = this.#cursor;
      if (cursor === null || batch.events.length === 0 || batch.events[0].end > cursor) {
        return batch;
      }
      if (batch.end <= cursor) continue;
      // Straddles the cursor: only its later events are new here.
      const events = batch.events.filter((e) => e.end > cursor);
      return { ...batch, events };
    }
    return null;
  }

  #handOut(batch: FollowBatch): IteratorResult<FollowBatch> {
    if (batch.reset !== null && this.#resetEnds) this.#ending = true;
    if (batch.reset !== null) this.#cursor = batch.end;
    else if (batch.summary === null) this.#cursor = batch.end;
    return { done: false, value: batch };
  }

  #finished(): IteratorResult<FollowBatch> {
    const failure = this.#failure;
    this.#end(failure === null ? "closed" : "failed");
    if (failure !== null) throw failure;
    return { done: true, value: undefined };
  }
}

/**
 * The catch-up of one subscriber: its own follower from `from`, read in
 * batches only as fast as the subscriber takes them, until it reaches the
 * lines the shared follower covers (`until`).
 */
class CatchUp {
  #items: AsyncIterableIterator<FollowItem> | null = null;
  #stop = new AbortController();
  #sessionId: string;
  #from: number;
  #until: number;
  #hub: HubSettings;
  #slots: Slots;
  #slotHeld = false;
  /** A `next()` of the follower still outstanding from the last batch. */
  #pendingItem: Promise<IteratorResult<FollowItem>> | null = null;
  #done = false;
  #reset: FollowBatch | null = null;

  constructor(sessionId: string, from: number, until: number, hub: HubSettings, slots: Slots) {
    this.#sessionId = sessionId;
    this.#from = from;
    this.#until = until;
    this.#hub = hub;
    this.#slots = slots;
  }

  /** The next catch-up batch, or `null` once the shared batches take over. */
  async next(): Promise<FollowBatch | null> {
    if (this.#reset !== null) {
      const reset = this.#reset;
      this.#reset = null;
      this.#done = true;
      return reset;
    }
    if (this.#done) return null;
    if (this.#items === null) {
      await this.#slots.take();
      if (this.#done) {
        this.#slots.give();
        return null;
      }
      this.#slotHeld = true;
      this.#items = followExecution(this.#sessionId, {
        baseDir: this.#hub.baseDir,
        from: this.#from,
        signal: this.#stop.signal,
        pollIntervalMs: this.#hub.pollIntervalMs,
      });
    }
    const events: FollowEventItem[] = [];
    let deadline: Promise<"late"> | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (events.length < this.#hub.batchRows) {
        const pending = this.#pendingItem ?? this.#items.next();
        this.#pendingItem = pending;
        const next = deadline === null ? await pending : await Promise.race([pending, deadline]);
        if (next === "late") break;
        this.#pendingItem = null;
        if (next.done) {
          this.#done = true;
          break;
        }
        const item = next.value;
        if (item.type === "reset") {
          this.#reset = { events: [], end: item.end, reset: item.reason, summary: null, bytes: 0 };
          break;
        }
        if (item.end > this.#until) {
          // The shared batches hold this event and everything after it.
          this.#done = true;
          break;
        }
        events.push(item);
        if (item.end === this.#until) {
          this.#done = true;
          break;
        }
        deadline ??= new Promise((resolveLate) => {
          timer = setTimeout(() => resolveLate("late"), this.#hub.batchMs);
        });
      }
    } finally {
      clearTimeout(timer);
    }
    if (this.#done) this.close();
    if (events.length === 0) return this.#reset !== null ? this.next() : null;
    const end = events[events.length - 1].end;
    return { events, end, reset: null, summary: null, bytes: 0 };
  }

  /** Stop the follower and give the slot back. */
  close(): void {
    this.#done = true;
    this.#stop.abort();
    void this.#items?.return?.();
    if (this.#slotHeld) {
      this.#slotHeld = false;
      this.#slots.give();
    }
  }
}

/**
 * Live follow shared between many readers: {@linkcode FollowHub.subscribe}
 * gives each reader a {@linkcode FollowSubscription} of batches, and every
 * subscriber of one session shares one follower.
 *
 * @example
 * ```ts
 * import { FollowHub } from "./follow_hub.ts";
 * const hub = new FollowHub({ baseDir: "logs/execution" });
 * const subscription = hub.subscribe("demo");
 * setTimeout(() => subscription.return(), 1_000);
 * for await (const batch of subscription) console.log(batch.events.length, batch.end);
 * hub.close();
 * ```
 */
export class FollowHub {
  #settings: HubSettings;
  #feeds = new Map<string, SessionFeed>();
  #slots: Slots;
  #closed = false;

  /** A hub over `options.baseDir`. */
  constructor(options: FollowHubOptions = {}) {
    this.#settings = {
      baseDir: options.baseDir ?? DEFAULT_LOG_DIR,
      batchMs: options.batchMs ?? 100,
      batchRows: options.batchRows ?? 500,
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      maxCatchUps: options.maxCatchUps ?? 4,
      summaryMs: options.summaryMs ?? 1000,
      pollIntervalMs: options.pollIntervalMs,
    };
    this.#slots = new Slots(this.#settings.maxCatchUps);
  }

  /** Sessions followed now. */
  get feedCount(): number {
    return this.#feeds.size;
  }

  /**
   * File bytes of the batches still being handed out to subscribers, over
   * all sessions: at most about `maxBufferedBytes` per followed session (a
   * burst is read on only as fast as it is handed out).
   */
  get deliveryBacklogBytes(): number {
    let n = 0;
    for (const feed of this.#feeds.values()) n += feed.deliveryBytes;
    return n;
  }

  /** Subscribers over all sessions. */
  get subscriberCount(): number {
    let n = 0;
    for (const feed of this.#feeds.values()) n += feed.subscribers.size;
    return n;
  }

  /**
   * Follow `sessionId` from `options.from` (or from where its shared follower
   * is). Throws `InvalidSessionIdError` for an invalid id and `RangeError`
   * for a `from` that is not a byte offset.
   */
  subscribe(sessionId: string, options: FollowSubscribeOptions = {}): FollowSubscription {
    const from = options.from ?? null;
    if (from !== null && (!Number.isSafeInteger(from) || from < 0)) {
      throw new RangeError(`from: expected a byte offset (an integer ≥ 0), got ${from}`);
    }
    const key = resolve(sessionFilePath(this.#settings.baseDir, sessionId));
    if (this.#closed) throw new Error("the follow hub is closed");
    let feed = this.#feeds.get(key);
    if (feed === undefined) {
      const created: SessionFeed = new SessionFeed(sessionId, this.#settings, () => {
        if (this.#feeds.get(key) === created) this.#feeds.delete(key);
      });
      feed = created;
      this.#feeds.set(key, feed);
    }
    const joined = feed;
    const sub = new FollowSubscription(joined, this.#settings, this.#slots, from, (leaving) => {
      joined.subscribers.delete(leaving);
      if (joined.subscribers.size === 0) {
        if (this.#feeds.get(key) === joined) this.#feeds.delete(key);
        joined.close();
      }
    });
    joined.subscribers.add(sub);
    if (joined.position !== null) sub.attach(joined.position);
    return sub;
  }

  /** End every subscription and follower (a shutdown). */
  close(): void {
    this.#closed = true;
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
  }
}
