import assert from "node:assert/strict";
import { createApp } from "../../web/app.ts";
import { withLogDir } from "./fixtures.ts";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

Deno.test("a browser opening a page with an invalid session id gets an HTML error page with a way back", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/live/execution/-x", { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const html = await res.text();
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>Bad request<\/title>/);
    assert.match(html, /<a class="back" href="\/">← Sessions<\/a>/);
    assert.match(html, /role="alert"/);
    assert.match(html, /invalid session id &quot;-x&quot;: use 1-128 characters/);
    assert.match(html, /<code>invalid_session_id<\/code>/);
    assert.doesNotMatch(html, /<script/, "no script on an error page");
  });
});

Deno.test("a browser on an unknown page gets an HTML 404 that escapes the path", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/nope%3Cb%3E", { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Page not found<\/title>/);
    assert.match(html, /no route for GET \/nope/);
    assert.doesNotMatch(html, /<b>/);
  });
});

Deno.test("API paths and non-browser clients keep the JSON {error, detail} answers", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    for (
      const [path, accept, status] of [
        ["/api/live/execution/-x", BROWSER_ACCEPT, 400],
        ["/api/nope", BROWSER_ACCEPT, 404],
        ["/live/execution/-x", "application/json", 400],
        ["/live/execution/-x", "*/*", 400],
        ["/nope", "", 404],
      ] as const
    ) {
      const res = await app.request(path, { headers: accept === "" ? {} : { accept } });
      assert.equal(res.status, status, path);
      assert.match(
        res.headers.get("content-type") ?? "",
        /^application\/json/,
        `${path} ${accept}`,
      );
      const body = await res.json();
      assert.equal(typeof body.error, "string");
      assert.equal(typeof body.detail, "string");
    }
  });
});
