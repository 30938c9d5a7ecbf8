/**
 * The shared shape of the routes that act on alerts (ack, snooze,
 * unsnooze): refuse cross-site requests, read the small body, act, and
 * answer a script with JSON and the dashboard's own forms with a redirect
 * back to the console (a fixed notice code in the query, never input).
 *
 * @module
 */
import { parseDuration } from "../execution/duration.ts";
import { OperatorActionError } from "../ops/operator_actions.ts";
import { HttpError, jsonError } from "./errors.ts";
import { readFormFields } from "./form_body.ts";
import type { RouteContext } from "./route.ts";
import { assertSameOrigin } from "./same_origin.ts";

/**
 * The notices the console shows after a form action (the only values its
 * `notice` parameter takes).
 *
 * @example
 * ```ts
 * import { ALERT_ACTION_NOTICES } from "./alert_action.ts";
 * console.log(ALERT_ACTION_NOTICES.acked);
 * ```
 */
export const ALERT_ACTION_NOTICES: Readonly<Record<string, string>> = {
  acked: "Alert acknowledged.",
  snoozed: "Rule snoozed.",
  unsnoozed: "Snooze lifted.",
  not_firing: "That alert is no longer firing: nothing to acknowledge.",
  invalid_ttl: "The duration was not understood: use 30m, 2h or 7d.",
  invalid_request: "The action could not be done as asked.",
};

/**
 * What an action did: its notice code and the JSON answer's body.
 *
 * @example
 * ```ts
 * import type { ActionDone } from "./alert_action.ts";
 * const done: ActionDone = { notice: "acked", body: { dedupe_key: "x" } };
 * ```
 */
export interface ActionDone {
  /** A key of {@linkcode ALERT_ACTION_NOTICES}. */
  notice: string;
  /** Answered to scripts as `{ok: true, ...body}`. */
  body: Record<string, unknown>;
}

/**
 * A duration field (`ttl`), or `null` when it is absent or empty and not
 * required; a 400 `invalid_ttl` otherwise.
 *
 * @example
 * ```ts
 * import { ttlField } from "./alert_action.ts";
 * console.log(ttlField({ ttl: "30m" }, true)); // 1800000
 * ```
 */
export function ttlField(fields: Record<string, string>, required: boolean): number | null {
  const raw = (fields.ttl ?? "").trim();
  if (raw === "") {
    if (required) throw new HttpError(400, "invalid_ttl", "ttl is required (such as 30m, 2h, 7d)");
    return null;
  }
  try {
    return parseDuration(raw);
  } catch (err) {
    throw new HttpError(400, "invalid_ttl", `ttl: ${(err as Error).message}`);
  }
}

function isFormPost(req: Request): boolean {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  return type.startsWith("application/x-www-form-urlencoded") &&
    (req.headers.get("accept") ?? "").includes("text/html");
}

function back(notice: string): Response {
  return new Response(null, {
    status: 303,
    headers: { location: `/live/telemetry?notice=${notice}#alerts`, "cache-control": "no-store" },
  });
}

/**
 * Handle an alert action: same-origin check, body, `act`, answer.
 *
 * @example
 * ```ts ignore
 * export const handler: Handlers = {
 *   POST: (ctx) => handleAlertAction(ctx, async (fields) => ({ notice: "acked", body: {} })),
 * };
 * ```
 */
export async function handleAlertAction(
  ctx: RouteContext<never>,
  act: (fields: Record<string, string>) => Promise<ActionDone>,
): Promise<Response> {
  assertSameOrigin(ctx.req);
  const form = isFormPost(ctx.req);
  try {
    const done = await act(await readFormFields(ctx.req));
    if (form) return back(done.notice);
    return Response.json({ ok: true, ...done.body }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    const known = err instanceof OperatorActionError
      ? new HttpError(400, "invalid_request", err.message)
      : err;
    if (!(known instanceof HttpError) || known.status >= 500) throw err;
    if (form) return back(known.code in ALERT_ACTION_NOTICES ? known.code : "invalid_request");
    return jsonError(known.status, known.code, known.message);
  }
}
