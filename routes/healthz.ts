/**
 * `GET /healthz`: liveness and readiness of the dashboard: whether the log
 * root is readable, and how many event streams are open.
 *
 * @module
 */
import type { Handlers } from "../web/route.ts";
import { openEventStreamCount } from "../web/sse.ts";

/**
 * Answers `{status, log_dir_readable, open_streams}`; 503 when the log root
 * cannot be read (it may not exist yet: that is `ok` with `log_dir_exists: false`).
 */
export const handler: Handlers = {
  async GET(ctx) {
    let exists = true;
    let readable = true;
    try {
      await Deno.stat(ctx.state.logDir);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) exists = false;
      else readable = false;
    }
    return Response.json(
      {
        status: readable ? "ok" : "degraded",
        log_dir_exists: exists,
        log_dir_readable: readable,
        open_streams: openEventStreamCount(),
      },
      { status: readable ? 200 : 503, headers: { "cache-control": "no-store" } },
    );
  },
};
