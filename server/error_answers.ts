/**
 * How the dashboard answers errors: JSON `{error, detail}` for every error a
 * handler throws, and, for a browser asking for a page, an HTML error page
 * with a way back instead of raw JSON.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { InvalidSessionIdError } from "../execution/session_id.ts";
import { SessionLogChangedError } from "../live/log_changed_error.ts";
import { TimelineQueryError } from "../live/timeline_query.ts";
import { escapeHtml, renderDocument } from "../web/document.ts";
import { HttpError, jsonError } from "../web/errors.ts";
import { timelineQueryHttpError } from "../web/params.ts";
import type { RefusalLog } from "../web/refusal_log.ts";
import { ASSET_VERSION } from "./render_page.ts";

/** Titles of the HTML error pages, by status. */
const ERROR_TITLES: Readonly<Record<number, string>> = {
  400: "Bad request",
  404: "Page not found",
  500: "Server error",
  503: "Try again shortly",
};

/**
 * The JSON answer for an error thrown while handling a request: the status
 * and code of an {@linkcode HttpError}, 400 for bad input the library
 * refused, 503 (retry) for a log that kept changing under every read, and
 * an opaque 500 for anything else (logged here).
 *
 * @example
 * ```ts
 * import { errorAnswer } from "./error_answers.ts";
 * console.log(errorAnswer(new RangeError("limit: expected 1 to 1000")).status); // 400
 * ```
 */
export function errorAnswer(err: unknown, refusals?: RefusalLog): Response {
  const known = err instanceof TimelineQueryError ? timelineQueryHttpError(err) : err;
  if (known instanceof HttpError) return jsonError(known.status, known.code, known.message);
  if (known instanceof InvalidSessionIdError) {
    return jsonError(400, "invalid_session_id", known.message);
  }
  // The live module answers other bad input (a negative `before`, say) with a RangeError.
  if (known instanceof RangeError) return jsonError(400, "bad_request", known.message);
  // A log truncated or rotated during every read attempt: a passing condition, so retry later.
  if (known instanceof SessionLogChangedError) {
    return jsonError(503, "session_log_changed", known.message, { "retry-after": "1" });
  }
  // Out of file descriptors: a passing condition under load, not a bug; no stack trace.
  if (isOutOfFileDescriptors(known)) {
    const line = "503 server_busy: out of file descriptors while answering";
    if (refusals === undefined) console.error(`dashboard: refused ${line}`);
    else refusals.refused(line);
    return jsonError(
      503,
      "server_busy",
      "the server has too many files and connections open right now; retry shortly",
      { "retry-after": "5" },
    );
  }
  console.error("dashboard: unhandled error", err);
  return jsonError(
    500,
    "internal_error",
    "the server failed to answer; the error is in its log, and retrying may help",
  );
}

/** Whether `err` is the system's "too many open files" (EMFILE, or ENFILE for the whole system). */
function isOutOfFileDescriptors(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** Whether `req` is a browser asking for a page (not the API). */
function wantsHtmlPage(req: Request): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (new URL(req.url).pathname.startsWith("/api/")) return false;
  return (req.headers.get("accept") ?? "").includes("text/html");
}

/** `res` as an HTML error page when it is a JSON error answer; otherwise `res` itself. */
async function asHtmlErrorPage(res: Response): Promise<Response> {
  const contentType = res.headers.get("content-type") ?? "";
  if (!contentType.startsWith("application/json")) return res;
  let detail = "";
  let code = "";
  try {
    const body = await res.clone().json() as { error?: unknown; detail?: unknown };
    detail = typeof body.detail === "string" ? body.detail : "";
    code = typeof body.error === "string" ? body.error : "";
  } catch {
    return res;
  }
  const title = ERROR_TITLES[res.status] ?? `Error ${res.status}`;
  const body = `<main class="page"><header class="page-header">` +
    `<a class="back" href="/">← Sessions</a><h1>${escapeHtml(title)}</h1></header>` +
    `<div class="error" role="alert"><p>${escapeHtml(detail)}</p>` +
    (code === ""
      ? ""
      : `<p class="error-code">HTTP ${res.status} · <code>${escapeHtml(code)}</code></p>`) +
    `</div></main>`;
  const headers = new Headers(res.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.delete("content-length");
  return new Response(
    renderDocument({ title, body, islands: [], assetVersion: ASSET_VERSION }),
    { status: res.status, headers },
  );
}

/**
 * Middleware: a browser asking for a page (not the API) gets an HTML error
 * page with a way back instead of raw JSON; API clients and scripts keep
 * `{error, detail}`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { htmlErrorPages } from "./error_answers.ts";
 * const app = new Hono();
 * app.use(htmlErrorPages());
 * ```
 */
export function htmlErrorPages(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!c.res.ok && wantsHtmlPage(c.req.raw)) c.res = await asHtmlErrorPage(c.res);
  };
}
