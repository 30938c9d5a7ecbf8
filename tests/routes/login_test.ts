import assert from "node:assert/strict";
import { safeNextPath } from "../../routes/login.tsx";
import { createApp } from "../../server/app.ts";
import { AUTH_COOKIE_NAME } from "../../web/auth.ts";
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
    assert.match(cookie, new RegExp(`^${AUTH_COOKIE_NAME}=[0-9a-f]{64};`));
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
