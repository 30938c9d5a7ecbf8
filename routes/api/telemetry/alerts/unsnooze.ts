/**
 * `POST /api/telemetry/alerts/unsnooze` (`rule`): lift a rule's snooze.
 * Needs the token (when one is configured) and a same-origin request.
 *
 * @module
 */
import { handleAlertAction } from "../../../../web/alert_action.ts";
import type { Handlers } from "../../../../web/route.ts";
import { unsnooze } from "../../../../ops/operator_actions.ts";

/** Lifts the snooze; `removed` says whether there was one. */
export const handler: Handlers = {
  POST: (ctx) =>
    handleAlertAction(ctx, async (fields) => {
      const rule = (fields.rule ?? "").trim();
      const telemetry = ctx.state.telemetry;
      const removed = await unsnooze(telemetry.store, rule, telemetry.now());
      return { notice: "unsnoozed", body: { rule_id: rule, removed } };
    }),
};
