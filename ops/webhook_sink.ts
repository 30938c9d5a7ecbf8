/**
 * The webhook sink: an HTTP POST of the notification as JSON, with a timeout
 * per attempt and retries with exponential backoff inside one delivery.
 * Configured headers are sent too, but `Content-Type` is always
 * `application/json` (set last, so no header can replace it). Failure
 * messages name the host, never the URL (it may carry a secret).
 *
 * @module
 */
import type { WebhookSettings } from "../execution/alerts_config.ts";
import type { AlertNotification } from "./alert_model.ts";

/**
 * The outcome of one delivery (with its retries).
 *
 * @example
 * ```ts
 * import type { WebhookOutcome } from "./webhook_sink.ts";
 * const outcome: WebhookOutcome = { ok: false, attempts: 4, error: "HTTP 500 from hooks.example" };
 * ```
 */
export interface WebhookOutcome {
  /** Whether an attempt got a 2xx answer. */
  ok: boolean;
  /** Attempts made. */
  attempts: number;
  /** The last failure, or `null`. */
  error: string | null;
}

/**
 * Hooks for tests: the fetch to use and how to wait.
 *
 * @example
 * ```ts
 * import type { WebhookHooks } from "./webhook_sink.ts";
 * const hooks: WebhookHooks = { sleep: () => Promise.resolve() };
 * ```
 */
export interface WebhookHooks {
  /**
   * Sends the request.
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * Waits between attempts.
   * @default {setTimeout}
   */
  sleep?: (ms: number) => Promise<void>;
}

/** Answers worth another attempt: the server's trouble, not the request's. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the webhook";
  }
}

/**
 * The headers of a webhook request: the configured ones, then
 * `Content-Type: application/json`, which nothing replaces.
 *
 * @example
 * ```ts
 * import { webhookHeaders } from "./webhook_sink.ts";
 * const headers = webhookHeaders({ "X-Token": "t", "content-type": "text/plain" });
 * console.log(headers.get("content-type")); // "application/json"
 * ```
 */
export function webhookHeaders(custom: Readonly<Record<string, string>>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(custom)) headers.set(name, value);
  headers.set("user-agent", "peak-trade-alerts");
  headers.set("content-type", "application/json");
  return headers;
}

/**
 * POST `notification` to the configured URL: each attempt times out after
 * `timeout`; a network error, a timeout, a 5xx, 408 or 429 is retried up to
 * `retries` times, waiting `backoff`, then twice that, and so on.
 *
 * @example
 * ```ts ignore
 * import { postWebhook } from "./webhook_sink.ts";
 * const outcome = await postWebhook(notification, settings.webhook);
 * if (!outcome.ok) console.error(outcome.error);
 * ```
 */
export async function postWebhook(
  notification: AlertNotification,
  settings: WebhookSettings,
  hooks: WebhookHooks = {},
): Promise<WebhookOutcome> {
  if (settings.url === null) return { ok: false, attempts: 0, error: "no webhook url configured" };
  const send = hooks.fetch ?? fetch;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const body = JSON.stringify(notification);
  const host = hostOf(settings.url);
  let error: string | null = null;
  let attempts = 0;
  for (let attempt = 0; attempt <= settings.retries; attempt++) {
    if (attempt > 0) await sleep(settings.backoff * 2 ** (attempt - 1));
    attempts++;
    let again = true;
    try {
      const res = await send(settings.url, {
        method: "POST",
        headers: webhookHeaders(settings.headers),
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(settings.timeout),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts, error: null };
      error = `HTTP ${res.status} from ${host}`;
      again = retryable(res.status);
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      error = name === "TimeoutError"
        ? `no answer from ${host} within ${settings.timeout} ms`
        : `cannot reach ${host}: ${
          (err instanceof Error ? err.message.split("\n")[0] : String(err))
            // Error texts may quote the URL, which may hold a secret: keep only its host.
            .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, host)
        }`;
    }
    if (!again) break;
  }
  return { ok: false, attempts, error };
}
