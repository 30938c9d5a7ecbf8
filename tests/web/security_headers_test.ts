import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { CONTENT_SECURITY_POLICY } from "../../web/security_headers.ts";
import { appendEvents, demoEvents, withLogDir } from "../routes/fixtures.ts";

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
