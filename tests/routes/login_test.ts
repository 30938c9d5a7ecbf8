import assert from "node:assert/strict";
import { FailureBudget } from "../../web/failure_budget.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { safeNextPath } from "../../routes/login.tsx";
import { createApp } from "../../server/app.ts";
import { AUTH_COOKIE_NAME, TokenGuard } from "../../web/auth.ts";
import { appendEvents, demoEvents, withLogDir } from "./fixtures.ts";

const TOKEN = "correct-horse-battery";

Deno.test("with a token an unauthenticated page request gets the login form with 401", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: TOKEN });
    const res = await app.request("/live/execution/s1?kind=fill");
    assert.equal(res.status, 401);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.match(html, /<form method="post" action="\/login"/);
    assert.match(html, /name="next" value="\/live\/execution\/s1\?kind=fill"/);
    assert.ok(!html.includes(TOKEN));
  });
});

Deno.test("logging in with the right token sets an HttpOnly SameSite=Strict cookie that opens pages", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const app = createApp({ logDir: dir, token: TOKEN });
    const login = await app.request("/login", {
      method: "POST",
      body: new URLSearchParams({ token: TOKEN, next: "/live/execution/s1" }),
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get("location"), "/live/execution/s1");
    const cookie = login.headers.get("set-cookie") ?? "";
    assert.match(cookie, new RegExp(`^${AUTH_COOKIE_NAME}=v1\\.\\d+\\.[A-Za-z0-9_-]{43};`));
    assert.match(cookie, /Max-Age=43200/, "a login lasts 12 hours by default");
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN), "the cookie never carries the token itself");
    const pair = cookie.split(";")[0];
    const page = await app.request("/live/execution/s1", { headers: { cookie: pair } });
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const api = await app.request("/api/live/execution/s1", { headers: { cookie: pair } });
    assert.equal(api.status, 200);
    await api.body?.cancel();
  });
});

Deno.test("logging in with a wrong token answers 401 with the form and no cookie", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: TOKEN });
    const res = await app.request("/login", {
      method: "POST",
      body: new URLSearchParams({ token: "nope", next: "/" }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("set-cookie"), null);
    assert.match(await res.text(), /That token is wrong/);
    const forged = await app.request("/", {
      headers: { cookie: `${AUTH_COOKIE_NAME}=${"0".repeat(64)}` },
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
  });
});

Deno.test("the login redirect only goes to same-origin paths", () => {
  assert.equal(safeNextPath("/live/execution/s1?kind=fill"), "/live/execution/s1?kind=fill");
  for (
    const bad of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
      null,
    ]
  ) {
    assert.equal(safeNextPath(bad), "/", String(bad));
  }
});

Deno.test("the login redirect percent-encodes what a Location header cannot carry", () => {
  assert.equal(safeNextPath("/\x7f"), "/%7F");
  assert.equal(safeNextPath("/\u20ac"), "/%E2%82%AC");
  assert.equal(safeNextPath("/a b?c=d e"), "/a%20b?c=d%20e");
  assert.equal(safeNextPath("/\u0000x"), "/%00x");
  assert.equal(safeNextPath("/\tx"), "/x", "tabs and newlines are dropped by the URL parser");
  assert.equal(safeNextPath("/x#frag"), "/x");
});

Deno.test("without a token /login redirects to next with the security headers", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (
      const init of [
        { method: "GET" },
        { method: "POST", body: new URLSearchParams({ next: "/live/execution/s1" }) },
      ]
    ) {
      const path = init.method === "GET" ? "/login?next=%2Flive%2Fexecution%2Fs1" : "/login";
      const res = await app.request(path, init);
      await res.body?.cancel();
      assert.equal(res.status, 303, init.method);
      assert.equal(res.headers.get("location"), "/live/execution/s1");
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
  });
});

Deno.test("a login cookie expires after its lifetime and carries its issue time", async () => {
  let now = Date.UTC(2026, 10, 25, 9, 0, 0);
  const guard = new TokenGuard(TOKEN, { loginTtlSeconds: 3_600, now: () => now });
  const value = (await guard.loginCookie(false)).split(";")[0].split("=")[1];
  assert.equal(value.split(".")[1], String(now / 1000));
  assert.equal(await guard.checkCookie(value), true);
  now += 3_599_000;
  assert.equal(await guard.checkCookie(value), true);
  now += 1_000;
  assert.equal(await guard.checkCookie(value), false, "expired after an hour");
});

Deno.test("a login cookie is signed with this process's key: another guard or a forged time fails", async () => {
  const guard = new TokenGuard(TOKEN);
  const value = (await guard.loginCookie(false)).split(";")[0].split("=")[1];
  assert.equal(await new TokenGuard(TOKEN).checkCookie(value), false, "a restart logs out");
  const [, issued, signature] = value.split(".");
  assert.equal(await guard.checkCookie(`v1.${Number(issued) + 10}.${signature}`), false);
  assert.equal(await guard.checkCookie(`v1.${issued}.${"A".repeat(43)}`), false);
  assert.equal(await guard.checkCookie("v1.x.y"), false);
});

Deno.test("logging out expires the cookie and returns to the login form", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: TOKEN });
    const res = await app.request("/logout", { method: "POST" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    assert.match(
      res.headers.get("set-cookie") ?? "",
      new RegExp(`^${AUTH_COOKIE_NAME}=; .*Max-Age=0`),
    );
    assert.equal((await app.request("/logout")).status, 404, "GET cannot log anyone out");
  });
});

Deno.test("login attempts beyond the failure budget per address answer 429 with Retry-After", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({
      logDir: dir,
      token: TOKEN,
      authFailures: new FailureBudget({ freeFailures: 3, now: () => 0 }),
      refusals: new RefusalLog({ write: () => {} }),
    });
    const from = (hostname: string) => ({ remoteAddr: { hostname, port: 1, transport: "tcp" } });
    const attempt = (hostname: string) =>
      app.request(
        "/login",
        { method: "POST", body: new URLSearchParams({ token: "guess", next: "/" }) },
        from(hostname),
      );
    // Three free failures, and the fourth one still answered: then the address waits.
    for (let i = 0; i < 4; i++) assert.equal((await attempt("10.0.0.7")).status, 401);
    const refused = await attempt("10.0.0.7");
    assert.equal(refused.status, 429);
    const retry = Number(refused.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    await refused.body?.cancel();
    assert.equal((await attempt("10.0.0.8")).status, 401, "another address is not limited");
  });
});

Deno.test("state-changing requests from another origin are refused with 403", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: TOKEN });
    const post = (headers: Record<string, string>) =>
      app.request("http://127.0.0.1:8000/login", {
        method: "POST",
        headers,
        body: new URLSearchParams({ token: TOKEN, next: "/" }),
      });
    assert.equal((await post({ origin: "http://evil.example" })).status, 403);
    assert.equal((await post({ "sec-fetch-site": "cross-site" })).status, 403);
    assert.equal((await post({ origin: "null" })).status, 403);
    assert.equal((await post({ origin: "http://127.0.0.1:8000" })).status, 303);
    assert.equal((await post({ "sec-fetch-site": "same-origin" })).status, 303);
    assert.equal((await post({})).status, 303, "no browser headers: not a cross-site page");
    const logout = await app.request("http://127.0.0.1:8000/logout", {
      method: "POST",
      headers: { origin: "http://evil.example" },
    });
    assert.equal(logout.status, 403);
  });
});
