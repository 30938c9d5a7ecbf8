/**
 * `POST /api/telemetry/alerts/ack` (`dedupe_key`, optional `ttl` such as
 * `2h`): acknowledge a firing or pending alert until it resolves or for the
 * `ttl`. Needs the token (when one is configured) and a same-origin request;
 * a form of the console is redirected back to it.
 *
 * @module
 */
import { HttpError } from "../../../../web/errors.ts";
import { handleAlertAction, ttlField } from "../../../../web/alert_action.ts";
import type { Handlers } from "../../../../web/route.ts";
import { acknowledge } from "../../../../ops/operator_actions.ts";

/** Records the ack; 404 `not_firing` when no such alert fires or waits. */
export const handler: Handlers = {
  POST: (ctx) =>
    handleAlertAction(ctx, async (fields) => {
      const key = (fields.dedupe_key ?? "").trim();
      const ttl = ttlField(fields, false);
      const telemetry = ctx.state.telemetry;
      const { items } = await telemetry.store.readInstances();
      const active = items.some((i) =>
        i.dedupe_key === key && (i.state === "firing" || i.state === "pending")
      );
      if (!active) {
        throw new HttpError(
          404,
          "not_firing",
          `no alert with dedupe_key ${JSON.stringify(key.slice(0, 64))} is firing or pending`,
        );
      }
      const ack = await acknowledge(telemetry.store, key, ttl, telemetry.now());
      return { notice: "acked", body: { ack } };
    }),
};
