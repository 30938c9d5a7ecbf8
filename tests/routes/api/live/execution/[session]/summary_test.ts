import assert from "node:assert/strict";
import { createApp } from "../../../../../../server/app.ts";
import { appendEvents, demoEvents, withLogDir } from "../../../../fixtures.ts";

Deno.test("summary API covers the whole session", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10));
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1/summary");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.session_id, "s1");
    assert.equal(body.found, true);
    assert.equal(body.event_count, 10);
    assert.deepEqual(body.kind_counts, { error: 2, fill: 2, gate: 2, intent: 2, order: 2 });
    assert.deepEqual(body.symbols, ["BTC-USD", "ETH-USD"]);
  });
});
