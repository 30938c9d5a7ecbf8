import assert from "node:assert/strict";
import { Hono } from "hono";
import { Histogram, Registry } from "prom-client";
import { requestDuration, type RequestLabel, UNMATCHED_ROUTE } from "../../web/request_metrics.ts";

function setUp(): { app: Hono; registry: Registry } {
  const registry = new Registry();
  const histogram: Histogram<RequestLabel> = new Histogram({
    name: "test_request_duration_seconds",
    help: "Request duration.",
    labelNames: ["route", "method", "status_class"],
    registers: [registry],
  });
  const app = new Hono();
  app.use(requestDuration(histogram));
  // A middleware that refuses one path, as the token check does.
  app.use(async (c, next) => {
    if (c.req.path.endsWith("/locked")) return c.json({ error: "unauthorized" }, 401);
    await next();
  });
  app.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/items/:id/locked", (c) => c.text("never"));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.onError((_err, c) => c.json({ error: "internal_error" }, 500));
  return { app, registry };
}

/** Observations per "METHOD route status_class", read from the exposition text. */
async function counts(registry: Registry): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const pattern =
    /^test_request_duration_seconds_count\{route="([^"]*)",method="([^"]*)",status_class="([^"]*)"\} (\d+)$/gm;
  for (const m of (await registry.metrics()).matchAll(pattern)) {
    out.set(`${m[2]} ${m[1]} ${m[3]}`, Number(m[4]));
  }
  return out;
}

Deno.test("requests are observed under their route pattern, method and status class", async () => {
  const { app, registry } = setUp();
  await app.request("/items/a1");
  await app.request("/items/b2");
  await app.request("/items/b2", { method: "HEAD" });
  assert.deepEqual(
    await counts(registry),
    new Map([["GET /items/:id 2xx", 2], ["HEAD /items/:id 2xx", 1]]),
  );
});

Deno.test("a request refused by a middleware still carries the route it asked for", async () => {
  const { app, registry } = setUp();
  assert.equal((await app.request("/items/a1/locked")).status, 401);
  assert.deepEqual(await counts(registry), new Map([["GET /items/:id/locked 4xx", 1]]));
});

Deno.test("unmatched paths share one route label and errors are 5xx", async () => {
  const { app, registry } = setUp();
  await app.request("/nope/1");
  await app.request("/nope/2");
  await app.request("/boom");
  await app.request("/items/x", { method: "BREW" });
  assert.deepEqual(
    await counts(registry),
    new Map([
      [`GET ${UNMATCHED_ROUTE} 4xx`, 2],
      ["GET /boom 5xx", 1],
      [`other ${UNMATCHED_ROUTE} 4xx`, 1],
    ]),
  );
});
