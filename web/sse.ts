/**
 * Server-Sent Events plumbing: turns an async iterator into a `text/event-stream`
 * body with a comment heartbeat, and releases the iterator, its watcher and
 * the heartbeat timer when the client goes away.
 *
 * @module
 */

const encoder = new TextEncoder();
let openStreams = 0;

/**
 * Number of event streams currently open (reported by `/healthz`; tests use
 * it to see that streams are released).
 *
 * @example
 * ```ts
 * import { openEventStreamCount } from "./sse.ts";
 * console.log(openEventStreamCount()); // 0
 * ```
 */
export function openEventStreamCount(): number {
  return openStreams;
}

/**
 * One message of an event stream.
 *
 * @example
 * ```ts
 * import type { SseMessage } from "./sse.ts";
 * const message: SseMessage = { event: "execution", id: "1024", data: "{}" };
 * ```
 */
export interface SseMessage {
  /** Event type (`event:` field). */
  event: string;
  /** Event id (`id:` field); the browser sends it back as `Last-Event-ID`. */
  id: string;
  /** Payload; must not contain line breaks (JSON.stringify output never does). */
  data: string;
}

/**
 * Options of {@linkcode createEventStream}.
 *
 * @example
 * ```ts
 * import type { EventStreamOptions } from "./sse.ts";
 * const options: EventStreamOptions = { heartbeatMs: 15_000, retryMs: 2_000 };
 * ```
 */
export interface EventStreamOptions {
  /**
   * Interval of the `: heartbeat` comment that keeps proxies from closing the stream.
   * @default {15000}
   */
  heartbeatMs?: number;
  /**
   * Reconnection delay suggested to the browser (`retry:` field).
   * @default {2000}
   */
  retryMs?: number;
  /** Aborts the stream (e.g. the request's signal, aborted when the client disconnects). */
  signal?: AbortSignal;
  /** Called once when the stream is released, however it ends (stop the source here). */
  onClose?: () => void;
}

function encodeMessage(message: SseMessage): Uint8Array<ArrayBuffer> {
  return encoder.encode(`event: ${message.event}\nid: ${message.id}\ndata: ${message.data}\n\n`);
}

/**
 * Build an event-stream body from `messages`. The source is pulled only as
 * fast as the client reads; cancelling the body, aborting `signal` or the
 * source ending closes the stream, stops the heartbeat and calls
 * `messages.return()` so the source releases its file watcher.
 *
 * @example
 * ```ts
 * import { createEventStream } from "./sse.ts";
 * async function* once() {
 *   yield { event: "execution", id: "10", data: "{}" };
 * }
 * const body = createEventStream(once());
 * const res = new Response(body, { headers: { "content-type": "text/event-stream" } });
 * ```
 */
export function createEventStream(
  // Bytes are a message already encoded (and shared between clients): sent as they are.
  messages: AsyncIterator<SseMessage | Uint8Array<ArrayBuffer>>,
  options: EventStreamOptions = {},
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const { heartbeatMs = 15_000, retryMs = 2_000, signal, onClose } = options;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let released = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array<ArrayBuffer>> | null = null;

  const release = (): void => {
    if (released) return;
    released = true;
    openStreams--;
    clearInterval(heartbeat);
    signal?.removeEventListener("abort", onAbort);
    onClose?.();
    void messages.return?.().catch(() => {});
  };
  const onAbort = (): void => {
    const controller = controllerRef;
    release();
    try {
      controller?.close();
    } catch {
      // Already closed or errored: nothing left to release.
    }
  };

  openStreams++;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controllerRef = controller;
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      controller.enqueue(encoder.encode(`retry: ${retryMs}\n: connected\n\n`));
      heartbeat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": heartbeat\n\n"));
        } catch {
          release();
        }
      }, heartbeatMs);
    },
    async pull(controller) {
      if (released) return;
      let next: IteratorResult<SseMessage | Uint8Array<ArrayBuffer>>;
      try {
        next = await messages.next();
      } catch (err) {
        release();
        controller.error(err);
        return;
      }
      if (released) return;
      if (next.done) {
        release();
        controller.close();
        return;
      }
      const value = next.value;
      controller.enqueue(value instanceof Uint8Array ? value : encodeMessage(value));
    },
    cancel() {
      release();
    },
  });
}
