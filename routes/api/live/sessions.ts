/**
 * `GET /api/live/sessions`: every session in the log root, newest first.
 *
 * @module
 */
import { listSessions } from "../../../live/sessions.ts";
import type { Handlers } from "../../../web/route.ts";

/** Answers `{sessions, count}` (none when the log root does not exist yet). */
export const handler: Handlers = {
  async GET(ctx) {
    const sessions = await listSessions(ctx.state.logDir);
    return Response.json({ sessions, count: sessions.length }, {
      headers: { "cache-control": "no-store" },
    });
  },
};
