// The webhook sink against a real local HTTP server: success, timeout, 500 then a retry,
// no retry for a client error, and what the request carries.
import assert from "node:assert/strict";
import { defaultAlertsSettings, type WebhookSettings } from "../../execution/alerts_config.ts";
import type { AlertNotification } from "../../ops/alert_model.ts";
import { postWebhook, webhookHeaders } from "../../ops/webhook_sink.ts";

const NOTIFICATION: AlertNotification = {
  id: "n1",
  timestamp_utc: "2026-11-25T12:00:00.000000+00:00",
  source: "peak-trade.execution",
  rule_id: "execution_errors",
  severity: "critical",
  state: "firing",
  repeat: false,
  title: "2 execution error(s) in the recent window",
  body:
    "2 execution error(s) in the health window (most in paper-1: 2); the rule fires at 1 or more.",
  labels: { rule_id: "execution_errors", severity: "critical" },
  dedupe_key: "execution_errors",
  value: 2,
  threshold: 1,
  active_since: null,
  fired_at: null,
  resolved_at: null,
};

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

/** A local server answering with `answer(n)` for the n-th request (0-based). */
async function withServer(
  answer: (n: number, req: Request) => Promise<Response> | Response,
  body: (url: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname,
      headers: req.headers,
      body: await req.text(),
    });
    return await answer(n++, req);
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}/hook/s3cret-path`, seen);
  } finally {
    await server.shutdown();
  }
}

function settings(url: string, extra: Partial<WebhookSettings> = {}): WebhookSettings {
  return { ...defaultAlertsSettings().webhook, enabled: true, url, ...extra };
}

const noWait = { sleep: () => Promise.resolve() };

Deno.test("success: one POST of the notification as JSON, with the configured headers", async () => {
  await withServer(() => new Response("ok"), async (url, seen) => {
    const outcome = await postWebhook(
      NOTIFICATION,
      settings(url, { headers: { "X-Token": "abc", "content-type": "text/plain" } }),
      noWait,
    );
    assert.deepEqual(outcome, { ok: true, attempts: 1, error: null });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, "POST");
    assert.equal(seen[0].headers.get("content-type"), "application/json");
    assert.equal(seen[0].headers.get("x-token"), "abc");
    assert.deepEqual(JSON.parse(seen[0].body), NOTIFICATION);
    assert.doesNotMatch(seen[0].body, /logs\/|\/tmp\/|\.jsonl|\.alerts/, "no paths or internals");
  });
});

Deno.test("a 500 is retried after the backoff, and the retry succeeds", async () => {
  await withServer(
    (n) => new Response(null, { status: n === 0 ? 500 : 204 }),
    async (url, seen) => {
      const waits: number[] = [];
      const outcome = await postWebhook(NOTIFICATION, settings(url, { backoff: 250 }), {
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      });
      assert.deepEqual(outcome, { ok: true, attempts: 2, error: null });
      assert.equal(seen.length, 2);
      assert.deepEqual(waits, [250]);
    },
  );
});

Deno.test("retries wait longer each time and give up after the configured number", async () => {
  await withServer(() => new Response("", { status: 503 }), async (url, seen) => {
    const waits: number[] = [];
    const outcome = await postWebhook(NOTIFICATION, settings(url, { retries: 3, backoff: 100 }), {
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.attempts, 4);
    assert.equal(seen.length, 4);
    assert.deepEqual(waits, [100, 200, 400]);
    assert.match(outcome.error ?? "", /^HTTP 503 from 127\.0\.0\.1:\d+$/);
  });
});

Deno.test("a client error (404) is not retried", async () => {
  await withServer(() => new Response("", { status: 404 }), async (url, seen) => {
    const outcome = await postWebhook(NOTIFICATION, settings(url), noWait);
    assert.deepEqual([outcome.ok, outcome.attempts, seen.length], [false, 1, 1]);
  });
});

Deno.test("a server that never answers times out, and the error names the host, not the URL", async () => {
  const release = Promise.withResolvers<void>();
  try {
    await withServer(async () => {
      await release.promise;
      return new Response("late");
    }, async (url) => {
      const outcome = await postWebhook(
        NOTIFICATION,
        settings(url, { timeout: 200, retries: 1 }),
        noWait,
      );
      assert.equal(outcome.ok, false);
      assert.equal(outcome.attempts, 2);
      assert.match(outcome.error ?? "", /^no answer from 127\.0\.0\.1:\d+ within 200 ms$/);
      release.resolve();
    });
  } finally {
    release.resolve();
  }
});

Deno.test("an unreachable server fails without leaking the URL's path", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  const outcome = await postWebhook(
    NOTIFICATION,
    settings(`http://127.0.0.1:${port}/hook/s3cret-path?token=xyz`, { retries: 0 }),
    noWait,
  );
  assert.equal(outcome.ok, false);
  assert.match(outcome.error ?? "", /^cannot reach 127\.0\.0\.1:\d+/);
  assert.doesNotMatch(outcome.error ?? "", /s3cret|token=/);
});

Deno.test("Content-Type is always JSON whatever the configured headers say", () => {
  const headers = webhookHeaders({ "Content-Type": "text/html", Authorization: "Bearer t" });
  assert.equal(headers.get("content-type"), "application/json");
  assert.equal(headers.get("authorization"), "Bearer t");
});
