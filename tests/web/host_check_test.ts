import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { withLogDir } from "../routes/fixtures.ts";

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

Deno.test("a malformed Host answers 400 invalid_host and logs one line, no stack trace", async () => {
  await withLogDir(async (dir) => {
    const lines: string[] = [];
    const app = createApp({
      logDir: dir,
      refusals: new RefusalLog({ write: (l) => lines.push(l) }),
    });
    const env = { remoteAddr: { transport: "tcp", hostname: "192.0.2.7", port: 5000 } };
    for (const host of ["127.0.0.1:99999", "127.0.0.1 evil.com", "evil.com@127.0.0.1"]) {
      const res = await app.request("/healthz", { headers: { host } }, env);
      assert.equal(res.status, 400, host);
      assert.equal((await res.json()).error, "invalid_host", host);
    }
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.match(line, /^dashboard: refused 400 invalid_host from 192\.0\.2\.7: /);
      assert.doesNotMatch(line, /\n|\bat /);
    }
  });
});

Deno.test("a request whose target names another host than its Host header is refused", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, refusals: new RefusalLog({ write: () => {} }) });
    // What Deno.serve builds for `GET http://evil.example/healthz` sent with `Host: 127.0.0.1`.
    const res = await app.request("http://evil.example/healthz", {
      headers: { host: "127.0.0.1" },
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, "absolute_form_refused");
  });
});

Deno.test("with a token, userinfo in Host is still refused", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({
      logDir: dir,
      token: "t0ken",
      refusals: new RefusalLog({ write: () => {} }),
    });
    const res = await app.request("/api/live/sessions", {
      headers: { host: "evil.com@127.0.0.1", authorization: "Bearer t0ken" },
    });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });
});
