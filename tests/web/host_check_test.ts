import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
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
