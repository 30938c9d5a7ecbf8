/**
 * `GET /api/live/execution/:session`: the original's response shape
 * `{session_id, timeline, summary, filters, count}` plus the paging cursor
 * `next_before` and `follow_from`, the stream offset that continues this
 * answer with no gap. Filters (`kind`, repeatable; `symbol`; `since`; `until`)
 * apply before `limit` (1–1000, default 200); `before` pages to older rows.
 *
 * @module
 */
import { getExecutionSummary } from "../../../../live/summary.ts";
import { getExecutionTimeline } from "../../../../live/timeline.ts";
import { sessionFilePath } from "../../../../execution/log_root.ts";
import { followOffset } from "../../../../web/follow_offset.ts";
import { fileVersion, ResponseCache } from "../../../../web/response_cache.ts";
import type { Handlers } from "../../../../web/route.ts";
import {
  parseKinds,
  parseLimit,
  parseOffset,
  parseSessionId,
  parseSymbol,
  parseTimeBound,
} from "../../../../web/params.ts";

/** Answers per (log root, session, filters), valid while the session file is unchanged. */
const cache = new ResponseCache();
/** Answers being computed, by request and file version. */
const inFlight = new Map<string, Promise<string>>();

async function statVersion(path: string): Promise<string | null> {
  try {
    // lstat: a link is no session file (the readers treat it as absent), so never followed here.
    return fileVersion(await Deno.lstat(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function jsonResponse(body: string): Response {
  return new Response(body, {
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/**
 * Answers the timeline page and the whole-session summary.
 *
 * @example
 * ```ts
 * import { handler } from "./[session].ts";
 * console.log(typeof handler.GET); // "function"
 * ```
 */
export const handler: Handlers = {
  async GET(ctx) {
    const sessionId = parseSessionId(ctx.params.session);
    const query = ctx.url.searchParams;
    const limit = parseLimit(query);
    const kinds = parseKinds(query);
    const symbol = parseSymbol(query);
    const since = parseTimeBound(query, "since");
    const until = parseTimeBound(query, "until");
    const before = parseOffset("before", query.get("before"));
    const baseDir = ctx.state.logDir;
    const path = sessionFilePath(baseDir, sessionId);
    const key = JSON.stringify([baseDir, sessionId, limit, kinds, symbol, since, until, before]);
    const version = await statVersion(path);
    if (version === null) return jsonResponse(await answer());
    const cached = cache.get(key, version);
    if (cached !== undefined) return jsonResponse(cached);
    // Concurrent requests for the same answer at the same file version share one read.
    const flightKey = `${key}\u0000${version}`;
    let flight = inFlight.get(flightKey);
    if (flight === undefined) {
      flight = answer().then(async (body) => {
        // Cache only when the file did not change while it was read.
        if (version === await statVersion(path)) cache.set(key, version, body);
        return body;
      }).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    const body = await flight;

    async function answer(): Promise<string> {
      // The summary first: the page then covers every line before `follow_from`.
      const summary = await getExecutionSummary(sessionId, { baseDir });
      const page = await getExecutionTimeline(sessionId, {
        baseDir,
        limit,
        kinds,
        symbol: symbol ?? undefined,
        since: since ?? undefined,
        until: until ?? undefined,
        before: before ?? undefined,
      });
      return JSON.stringify({
        session_id: sessionId,
        timeline: page.timeline,
        summary,
        filters: {
          kind: kinds.length === 0 ? null : kinds.join(","),
          kinds,
          symbol,
          since,
          until,
          before,
          limit,
        },
        count: page.timeline.length,
        next_before: page.next_before,
        follow_from: await followOffset(path, summary),
      });
    }
    return jsonResponse(body);
  },
};
