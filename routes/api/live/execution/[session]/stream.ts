/**
 * `GET /api/live/execution/:session/stream`: Server-Sent Events of the lines
 * appended to the session file, in batches: `event: batch` with `id:` = the
 * byte offset just after the last line the batch covers and
 * `data: {"rows": [...], "end": <offset>}` (rows oldest first, each with its
 * `end`), at most ~500 rows or ~100 ms per message. A reconnecting browser
 * sends the last id back as `Last-Event-ID` and the stream resumes right
 * after it: no gap, no duplicate. `?from=<offset>` does the same for a first
 * connection. `event: reset` reports a truncated or replaced file;
 * `event: summary` carries the whole-session summary about once a second
 * while the file grows. The timeline's filters apply to the rows as to a
 * page (a batch whose rows were all filtered out still moves the id on);
 * `limit` bounds a page, not a stream, and is not read.
 *
 * Every stream of one session shares one follower (the app's follow hub);
 * a client that falls more than the hub's buffer behind is disconnected and
 * reconnects from its last id.
 *
 * @module
 */
import { sessionFilePath } from "../../../../../execution/log_root.ts";
import { followStart } from "../../../../../live/follow_start.ts";
import type { FollowEventItem, FollowSubscription } from "../../../../../live/follow_hub.ts";
import {
  compileTimelineFilter,
  timelineFilterKey,
  type TimelineQuery,
} from "../../../../../live/timeline_query.ts";
import { jsonError } from "../../../../../web/errors.ts";
import { parseOffset, parseSessionId, parseTimelineParams } from "../../../../../web/params.ts";
import type { Handlers } from "../../../../../web/route.ts";
import { createEventStream, openEventStreamCount } from "../../../../../web/sse.ts";
import { batchMessage } from "../../../../../web/sse_batch.ts";

const STREAM_TARGET = /^\/api\/live\/execution\/[^/?#]+\/stream(?:\?|$)/;

/**
 * Whether a request target (path and query, as sent) names this route: the
 * connection guard hands such requests to the app in its own process and
 * writes the stream itself (`guardWritesStreams`).
 *
 * @example
 * ```ts
 * import { isLiveStreamTarget } from "./stream.ts";
 * console.log(isLiveStreamTarget("/api/live/execution/s1/stream?kind=fill")); // true
 * console.log(isLiveStreamTarget("/api/live/execution/s1")); // false
 * ```
 */
export function isLiveStreamTarget(target: string): boolean {
  return STREAM_TARGET.test(target);
}

/** No caching, no transformation (compression) by proxies, no proxy buffering. */
const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  "x-accel-buffering": "no",
};

/** The subscription's batches as encoded messages, seen through the query's filters. */
async function* toMessages(
  batches: FollowSubscription,
  query: TimelineQuery,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const key = timelineFilterKey(query);
  const matches = compileTimelineFilter(query);
  const shows = (item: FollowEventItem): boolean => matches(item.event);
  try {
    for await (const batch of batches) yield batchMessage(batch, key, shows);
  } finally {
    await batches.return();
  }
}

/**
 * Streams new events until the client goes away (its subscription and
 * heartbeat timer are released then, and the session's follower when it was
 * the last), or until it falls too far behind.
 */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const lastEventId = parseOffset("Last-Event-ID", ctx.req.headers.get("last-event-id"));
    const from = lastEventId ?? parseOffset("from", ctx.url.searchParams.get("from"));
    const query = parseTimelineParams(ctx.url.searchParams, { readLimit: false });
    // HEAD: the headers only; a stream nobody reads would hold its follower until shutdown.
    if (ctx.req.method === "HEAD") return new Response(null, { headers: EVENT_STREAM_HEADERS });
    if (openEventStreamCount() >= ctx.state.maxEventStreams) {
      return jsonError(
        503,
        "too_many_streams",
        `${ctx.state.maxEventStreams} live-follow streams are open already: close other ` +
          "dashboard tabs or retry in a moment",
        { "retry-after": "5" },
      );
    }
    // Without a position, follow starts where the complete lines end now (the CLI's rule);
    // a session with no file yet is followed from its first byte once it appears.
    const start = from ?? await followStart(sessionFilePath(ctx.state.logDir, sessionId)) ?? 0;
    const batches = ctx.state.followHub.subscribe(sessionId, { from: start });
    const body = createEventStream(toMessages(batches, query), {
      // A client going away cancels the body (that releases the stream); the request's
      // own signal is not used, so Deno.serve's legacy abort semantics do not matter here.
      signal: ctx.state.shutdown,
      onClose: () => void batches.return(),
    });
    return new Response(body, { headers: EVENT_STREAM_HEADERS });
  },
};
