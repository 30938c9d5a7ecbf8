import assert from "node:assert/strict";
import { createApp } from "../../../../../../server/app.ts";
import { appendEvents, demoEvents, withLogDir } from "../../../../fixtures.ts";

Deno.test("the series API answers buckets whose kind counts add up to the session", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 30)); // one event per second
    const res = await createApp({ logDir: dir }).request(
      "/api/live/execution/s1/series?bucket=10s",
    );
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.found, true);
    assert.equal(body.bucket_ms, 10_000);
    const total = Object.values(body.kinds as Record<string, number[]>).flat()
      .reduce((a, b) => a + b, 0);
    assert.equal(total, 30);
    assert.deepEqual(body.gates.LotSize.decisions.reduce((a: number, b: number) => a + b), 6);
  });
});

Deno.test("the series API narrows to since/until and refuses a bad bucket or range", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 30));
    const app = createApp({ logDir: dir });
    const narrow = await (await app.request(
      "/api/live/execution/s1/series?bucket=1s&since=2026-11-25T09:30:05Z&until=2026-11-25T09:30:09Z",
    )).json();
    assert.equal(narrow.t.length, 5);
    const badBucket = await app.request("/api/live/execution/s1/series?bucket=fortnight");
    assert.equal(badBucket.status, 400);
    assert.equal((await badBucket.json()).error, "invalid_bucket");
    const tooFine = await app.request(
      "/api/live/execution/s1/series?bucket=1ms&since=2026-11-25T09:00Z&until=2026-11-25T10:00Z",
    );
    assert.equal(tooFine.status, 400);
    const swapped = await app.request(
      "/api/live/execution/s1/series?since=2026-11-25T10:00Z&until=2026-11-25T09:00Z",
    );
    assert.equal((await swapped.json()).error, "invalid_since");
  });
});

Deno.test("the series API answers found: false for a session with no file", async () => {
  await withLogDir(async (dir) => {
    const body = await (await createApp({ logDir: dir }).request(
      "/api/live/execution/none/series",
    )).json();
    assert.equal(body.found, false);
    assert.deepEqual(body.t, []);
  });
});
