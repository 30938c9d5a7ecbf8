/**
 * `GET /api/live/sessions`: every session in the log root, newest first.
 *
 * @module
 */
import { listSessions } from "../../../live/sessions.ts";
import type { SessionInfo } from "../../../live/types.ts";
import type { Handlers } from "../../../web/route.ts";

/**
 * The sessions of a log root, or none when the log root does not exist yet.
 *
 * @example
 * ```ts
 * import { loadSessions } from "./sessions.ts";
 * const sessions = await loadSessions("logs/execution");
 * ```
 */
export async function loadSessions(logDir: string): Promise<SessionInfo[]> {
  try {
    return await listSessions(logDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/**
 * Answers `{sessions, count}`.
 *
 * @example
 * ```ts
 * import { handler } from "./sessions.ts";
 * console.log(typeof handler.GET); // "function"
 * ```
 */
export const handler: Handlers = {
  async GET(ctx) {
    const sessions = await loadSessions(ctx.state.logDir);
    return Response.json({ sessions, count: sessions.length }, {
      headers: { "cache-control": "no-store" },
    });
  },
};
