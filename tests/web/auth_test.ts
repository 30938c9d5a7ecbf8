import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { TokenGuard } from "../../web/auth.ts";
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
