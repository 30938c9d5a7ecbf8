/**
 * `POST /api/telemetry/alerts/snooze` (`rule`, `ttl` required such as
 * `30m`): no notifications of the rule until the snooze ends. Needs the
 * token (when one is configured) and a same-origin request.
 *
 * @module
 */
import { handleAlertAction, ttlField } from "../../../../web/alert_action.ts";
import type { Handlers } from "../../../../web/route.ts";
import { snooze } from "../../../../ops/operator_actions.ts";

/** Records the snooze. */
export const handler: Handlers = {
  POST: (ctx) =>
    handleAlertAction(ctx, async (fields) => {
      const ttl = ttlField(fields, true)!;
      const telemetry = ctx.state.telemetry;
      const entry = await snooze(telemetry.store, (fields.rule ?? "").trim(), ttl, telemetry.now());
      return { notice: "snoozed", body: { snooze: entry } };
    }),
};
