/**
 * `GET /api/live/execution/:session/stream`: Server-Sent Events, one
 * `execution` event per line appended to the session file, with `id:` = the
 * byte offset just after the line. A reconnecting browser sends that id back
 * as `Last-Event-ID` and the stream resumes right after the last event it
 * received: no gap, no duplicate. `?from=<offset>` does the same for a first
 * connection. A `reset` event reports a truncated or replaced file.
 * The timeline's filters (`kind`, `symbol`, `since`, `until`) apply to the
 * stream as to a page, so a filtered view receives only its events; `limit`
 * bounds a page, not a stream, and is not read.
 *
 * @module
 */
import { sessionFilePath } from "../../../../../execution/log_root.ts";
import { followExecution } from "../../../../../live/follow.ts";
import { followStart } from "../../../../../live/follow_start.ts";
import { matchesTimelineQuery, type TimelineQuery } from "../../../../../live/timeline_query.ts";
import type { FollowItem } from "../../../../../live/types.ts";
import { jsonError } from "../../../../../web/errors.ts";
import { parseOffset, parseSessionId, parseTimelineParams } from "../../../../../web/params.ts";
import type { Handlers } from "../../../../../web/route.ts";
import {
  createEventStream,
  openEventStreamCount,
  type SseMessage,
} from "../../../../../web/sse.ts";

/** No caching, no transformation (compression) by proxies, no proxy buffering. */
const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  "x-accel-buffering": "no",
};

/** The follower's items as SSE messages: events that match `query`, and every reset. */
async function* toMessages(
  items: AsyncIterator<FollowItem>,
  query: TimelineQuery,
): AsyncGenerator<SseMessage> {
  try {
    while (true) {
      const next = await items.next();
      if (next.done) return;
      const item = next.value;
      if (item.type === "event" && !matchesTimelineQuery(query, item.event)) continue;
      yield item.type === "event"
        ? {
          event: "execution",
          id: String(item.end),
          data: JSON.stringify({ ...item.row, end: item.end }),
        }
        : { event: "reset", id: String(item.end), data: JSON.stringify({ reason: item.reason }) };
    }
  } finally {
    await items.return?.();
  }
}

/**
 * Streams new events until the client goes away; its follower, file watcher
 * and heartbeat timer are released then.
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
    const stop = new AbortController();
    const items = followExecution(sessionId, {
      baseDir: ctx.state.logDir,
      from: start,
      signal: stop.signal,
    });
    const body = createEventStream(toMessages(items, query), {
      // A client going away cancels the body (that releases the stream); the request's
      // own signal is not used, so Deno.serve's legacy abort semantics do not matter here.
      signal: ctx.state.shutdown,
      onClose: () => stop.abort(),
    });
    return new Response(body, { headers: EVENT_STREAM_HEADERS });
  },
};
