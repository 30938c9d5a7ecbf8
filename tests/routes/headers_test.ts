import assert from "node:assert/strict";
import { createApp } from "../../web/app.ts";
import { CONTENT_SECURITY_POLICY } from "../../web/security_headers.ts";
import { appendEvents, demoEvents, withLogDir } from "./fixtures.ts";

Deno.test("the CSP allows only same-origin scripts and no inline script", () => {
  assert.match(CONTENT_SECURITY_POLICY, /^default-src 'self'/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
});

Deno.test("pages, API answers, errors and 404s all carry the security headers", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const app = createApp({ logDir: dir });
    for (
      const path of [
        "/",
        "/live/execution/s1",
        "/api/live/execution/s1",
        "/nope",
        "/api/live/execution/a%00",
      ]
    ) {
      const res = await app.request(path);
      await res.body?.cancel();
      assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
    }
  });
});

Deno.test("API answers are not cached", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1");
    await res.body?.cancel();
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
  });
});

Deno.test("without a token only loopback Host names are answered (DNS rebinding)", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (const host of ["localhost", "127.0.0.1:8000", "[::1]:8000"]) {
      const res = await app.request(`http://${host}/api/live/sessions`);
      await res.body?.cancel();
      assert.equal(res.status, 200, host);
    }
    const rebound = await app.request("http://attacker.example/api/live/sessions");
    assert.equal(rebound.status, 403);
    const body = await rebound.json();
    assert.equal(body.error, "host_not_allowed");
    assert.match(body.detail, /--token/);
  });
});

Deno.test("with a token any Host is answered once the token is given", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: "t0ken" });
    const res = await app.request("http://dashboard.example/api/live/sessions", {
      headers: { authorization: "Bearer t0ken" },
    });
    await res.body?.cancel();
    assert.equal(res.status, 200);
  });
});
