import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { tokenFormatProblem, TokenGuard, tokenProblem } from "../../web/auth.ts";
import { FailureBudget } from "../../web/failure_budget.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { appendEvents, demoEvents, withLogDir } from "../routes/fixtures.ts";

const TOKEN = "correct-horse-battery";

Deno.test("without a configured token every route answers without credentials", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (const path of ["/", "/api/live/sessions", "/api/live/execution/s1", "/healthz"]) {
      const res = await app.request(path);
      await res.body?.cancel();
      assert.equal(res.status, 200, path);
    }
  });
});

Deno.test("with a token the API answers 401 JSON without it and with a wrong one", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: TOKEN });
    for (
      const path of [
        "/api/live/sessions",
        "/api/live/execution/s1",
        "/api/live/execution/s1/summary",
        "/api/live/execution/s1/stream",
        "/healthz",
      ]
    ) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer wrong" },
        { authorization: TOKEN },
      ];
      for (const headers of attempts) {
        const res = await app.request(path, { headers });
        assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
        const body = await res.json();
        assert.equal(body.error, "unauthorized");
        assert.match(body.detail, /token/);
      }
    }
  });
});

Deno.test("with a token every route answers 200 to the right bearer token", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const app = createApp({ logDir: dir, token: TOKEN });
    const headers = { authorization: `Bearer ${TOKEN}` };
    for (
      const path of [
        "/",
        "/live/execution/s1",
        "/api/live/sessions",
        "/api/live/execution/s1",
        "/api/live/execution/s1/summary",
        "/healthz",
      ]
    ) {
      const res = await app.request(path, { headers });
      await res.body?.cancel();
      assert.equal(res.status, 200, path);
    }
  });
});

Deno.test("a token that cannot travel in a bearer header is refused when the app is made", () => {
  for (const token of ["", "two words", "tab\tbed", "caf\u00e9", "x".repeat(4097)]) {
    assert.throws(() => new TokenGuard(token), RangeError, JSON.stringify(token));
    assert.throws(() => createApp({ logDir: "logs", token }), RangeError);
  }
});

Deno.test("static assets load without the token so the login page is styled", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir, token: TOKEN }).request("/static/styles.css");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/css/);
    await res.body?.cancel();
  });
});

/** A Hono environment as Deno.serve (or the connection guard) gives it: the client's address. */
function fromClient(hostname: string): { remoteAddr: Deno.NetAddr } {
  return { remoteAddr: { transport: "tcp", hostname, port: 50000 } };
}

Deno.test("past the failure budget, wrong bearer tokens are answered 429 with Retry-After", async () => {
  await withLogDir(async (dir) => {
    const lines: string[] = [];
    const app = createApp({
      logDir: dir,
      token: TOKEN,
      authFailures: new FailureBudget({ freeFailures: 2, now: () => 0 }),
      refusals: new RefusalLog({ write: (line) => lines.push(line) }),
    });
    const attacker = fromClient("192.0.2.66");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.request("/api/live/sessions", {
        headers: { authorization: `Bearer guess-${i}` },
      }, attacker);
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal((await res.json()).error, "too_many_failures");
      } else await res.body?.cancel();
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.equal(lines.length, 1, "the lockout is logged once");
    assert.match(lines[0], /192\.0\.2\.66: wrong bearer token, locked 1 s/);
  });
});

Deno.test("during a lockout even the right bearer token is not checked, so there is no oracle", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({
      logDir: dir,
      token: TOKEN,
      authFailures: new FailureBudget({ freeFailures: 0, now: () => 0 }),
      refusals: new RefusalLog({ write: () => {} }),
    });
    const client = fromClient("192.0.2.66");
    const wrong = await app.request(
      "/healthz",
      { headers: { authorization: "Bearer no" } },
      client,
    );
    await wrong.body?.cancel();
    const right = await app.request("/healthz", {
      headers: { authorization: `Bearer ${TOKEN}` },
    }, client);
    await right.body?.cancel();
    assert.equal(right.status, 429);
    const other = await app.request("/healthz", {
      headers: { authorization: `Bearer ${TOKEN}` },
    }, fromClient("192.0.2.67"));
    await other.body?.cancel();
    assert.equal(other.status, 200, "another client is not locked out");
  });
});

Deno.test("a locked-out address with a valid login cookie still gets its pages", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({
      logDir: dir,
      token: TOKEN,
      authFailures: new FailureBudget({ freeFailures: 0, now: () => 0 }),
      refusals: new RefusalLog({ write: () => {} }),
    });
    const client = fromClient("192.0.2.66");
    const wrong = await app.request(
      "/healthz",
      { headers: { authorization: "Bearer no" } },
      client,
    );
    await wrong.body?.cancel();
    // A browser that logged in earlier from another address (the cookie is signed with a key of
    // this app's process, so it comes from the app's own login).
    const login = await app.request("/login", {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN, next: "/" }),
    }, fromClient("192.0.2.99"));
    await login.body?.cancel();
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const res = await app.request("/api/live/sessions", { headers: { cookie } }, client);
    await res.body?.cancel();
    assert.equal(res.status, 200);
  });
});

Deno.test("wrong tokens at the login form share the budget and answer 429 with Retry-After", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({
      logDir: dir,
      token: TOKEN,
      authFailures: new FailureBudget({ freeFailures: 1, now: () => 0 }),
      refusals: new RefusalLog({ write: () => {} }),
    });
    const client = fromClient("192.0.2.66");
    const statuses: number[] = [];
    for (const token of ["a", "b", TOKEN]) {
      const res = await app.request("/login", {
        method: "POST",
        body: new URLSearchParams({ token, next: "/" }),
      }, client);
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get("retry-after"), "1");
        assert.match(await res.text(), /Too many wrong tokens from your address/);
      } else await res.body?.cancel();
    }
    assert.deepEqual(statuses, [401, 401, 429]);
  });
});

Deno.test("a dashboard token shorter than 16 characters is refused at startup, with how to make one", () => {
  assert.match(tokenProblem("a") ?? "", /at least 16 characters \(got 1\).*openssl rand -hex 32/);
  assert.equal(tokenProblem("0123456789abcdef"), null);
  assert.equal(tokenFormatProblem("a"), null, "the app itself takes any sendable token");
});
