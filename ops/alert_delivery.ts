/**
 * Delivering queued notifications: the outbox is claimed under the state
 * lock (a lease, so two processes never send the same delivery), sent
 * without the lock (a slow webhook never blocks an evaluation or an ack),
 * and the outcomes recorded under the lock again. A failed delivery stays
 * queued and is retried with a growing delay, up to a day; every attempt's
 * outcome goes to the history.
 *
 * @module
 */
import type { AlertSinkName, WebhookSettings } from "../execution/alerts_config.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { AlertNotification, HistoryEntry, QueuedDelivery } from "./alert_model.ts";
import type { AlertStore } from "./alert_store.ts";
import { postWebhook, type WebhookHooks } from "./webhook_sink.ts";

/** First wait before a queued delivery is tried again; doubles per attempt. */
const OUTBOX_RETRY_MS = 30_000;
/** Longest wait between tries. */
const OUTBOX_MAX_RETRY_MS = 3_600_000;
/** A delivery still failing this long after it was queued is given up (and recorded so). */
export const OUTBOX_MAX_AGE_MS = 24 * 3_600_000;

/**
 * How the sinks deliver.
 *
 * @example
 * ```ts
 * import type { SinkDrivers } from "./alert_delivery.ts";
 * const drivers: SinkDrivers = { console: (n) => console.log(n.title), webhook: null };
 * ```
 */
export interface SinkDrivers {
  /** Prints a notification (the console sink). */
  console: (notification: AlertNotification) => void;
  /** The webhook's settings, or `null` when the webhook is off. */
  webhook: WebhookSettings | null;
  /** Test hooks of the webhook. */
  webhookHooks?: WebhookHooks;
}

/**
 * One delivery's outcome in this run.
 *
 * @example
 * ```ts
 * import type { DeliveryOutcome } from "./alert_delivery.ts";
 * const outcome: DeliveryOutcome = {
 *   alert_id: "1", rule_id: "execution_errors", sink: "webhook", status: "failed", error: "HTTP 500",
 * };
 * ```
 */
export interface DeliveryOutcome {
  /** The notification. */
  alert_id: string;
  /** Its rule. */
  rule_id: string;
  /** The sink. */
  sink: AlertSinkName;
  /** `sent`, `failed` (queued for another try) or `gave_up`. */
  status: "sent" | "failed" | "gave_up";
  /** Why it failed. */
  error: string | null;
}

function micros(iso: string | null): number {
  return iso === null ? -Infinity : parseTimestampMicros(iso) ?? -Infinity;
}

function iso(ms: number): string {
  return formatWireTimestamp(new Date(ms));
}

/**
 * The outbox entries for the non-store sinks of a notification.
 *
 * @example
 * ```ts
 * import { queueFor } from "./alert_delivery.ts";
 * console.log(queueFor({ id: "1" } as never, ["console", "store"], Date.now()).length); // 1
 * ```
 */
export function queueFor(
  notification: AlertNotification,
  sinks: readonly AlertSinkName[],
  nowMs: number,
): QueuedDelivery[] {
  return sinks.filter((s) => s !== "store").map((sink) => ({
    id: crypto.randomUUID(),
    sink,
    alert: notification,
    attempts: 0,
    queued_at: iso(nowMs),
    next_attempt_at: iso(nowMs),
    lease_until: null,
    last_error: null,
  }));
}

function leaseMs(webhook: WebhookSettings | null): number {
  if (webhook === null) return 60_000;
  let waits = 0;
  for (let i = 0; i < webhook.retries; i++) waits += webhook.backoff * 2 ** i;
  return webhook.timeout * (webhook.retries + 1) + waits + 60_000;
}

async function send(
  delivery: QueuedDelivery,
  drivers: SinkDrivers,
): Promise<{ ok: boolean; error: string | null }> {
  if (delivery.sink === "console") {
    try {
      drivers.console(delivery.alert);
      return { ok: true, error: null };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  if (delivery.sink === "webhook") {
    if (drivers.webhook === null) return { ok: false, error: "the webhook sink is not enabled" };
    const outcome = await postWebhook(delivery.alert, drivers.webhook, drivers.webhookHooks);
    return { ok: outcome.ok, error: outcome.error };
  }
  return { ok: true, error: null };
}

/**
 * Deliver every queued notification that is due at `nowMs` (`now` is asked
 * again after sending, for the records).
 *
 * @example
 * ```ts ignore
 * import { deliverOutbox } from "./alert_delivery.ts";
 * const outcomes = await deliverOutbox(store, { console: (n) => console.log(n.title), webhook: null });
 * ```
 */
export async function deliverOutbox(
  store: AlertStore,
  drivers: SinkDrivers,
  now: () => number = Date.now,
): Promise<DeliveryOutcome[]> {
  const claimedAt = now();
  const claimed = await store.withLock(async () => {
    const { items } = await store.readOutbox();
    const due: QueuedDelivery[] = [];
    const until = iso(claimedAt + leaseMs(drivers.webhook));
    for (const d of items) {
      // A process without the webhook (a run restricted to the console) leaves its deliveries.
      if (d.sink === "webhook" && drivers.webhook === null) continue;
      if (micros(d.next_attempt_at) > claimedAt * 1000) continue;
      if (d.lease_until !== null && micros(d.lease_until) > claimedAt * 1000) continue;
      d.lease_until = until;
      due.push(d);
    }
    if (due.length > 0) await store.writeOutbox(items);
    return due;
  });
  if (claimed.length === 0) return [];
  const results = new Map<string, { ok: boolean; error: string | null }>();
  for (const delivery of claimed) results.set(delivery.id, await send(delivery, drivers));
  const doneAt = now();
  return await store.withLock(async () => {
    const { items } = await store.readOutbox();
    const kept: QueuedDelivery[] = [];
    const history: HistoryEntry[] = [];
    const outcomes: DeliveryOutcome[] = [];
    for (const d of items) {
      const result = results.get(d.id);
      if (result === undefined) {
        kept.push(d);
        continue;
      }
      const attempt = d.attempts + 1;
      let status: DeliveryOutcome["status"];
      if (result.ok) status = "sent";
      else if (doneAt * 1000 - micros(d.queued_at) >= OUTBOX_MAX_AGE_MS * 1000) status = "gave_up";
      else {
        status = "failed";
        kept.push({
          ...d,
          attempts: attempt,
          lease_until: null,
          last_error: result.error,
          next_attempt_at: iso(
            doneAt + Math.min(OUTBOX_MAX_RETRY_MS, OUTBOX_RETRY_MS * 2 ** (attempt - 1)),
          ),
        });
      }
      history.push({
        type: "delivery",
        recorded_at: iso(doneAt),
        alert_id: d.alert.id,
        sink: d.sink,
        status,
        attempt,
        error: result.error,
      });
      outcomes.push({
        alert_id: d.alert.id,
        rule_id: d.alert.rule_id,
        sink: d.sink,
        status,
        error: result.error,
      });
    }
    await store.writeOutbox(kept);
    await store.appendHistory(history);
    return outcomes;
  });
}
