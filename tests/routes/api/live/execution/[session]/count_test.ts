import assert from "node:assert/strict";
import { createApp } from "../../../../../../server/app.ts";
import { appendEvents, demoEvents, withLogDir } from "../../../../fixtures.ts";

Deno.test("the count API counts the whole session's events that the filters match", async () => {
  await withLogDir(async (dir) => {
    // demoEvents: gates at seq 2, 7, 12, …; odd seqs are blocked (LOT_SIZE_BELOW_MIN).
    await appendEvents(dir, "s1", demoEvents("s1", 40));
    const app = createApp({ logDir: dir });
    const blocked = await (await app.request(
      "/api/live/execution/s1/count?blocked=1&gate=LotSize&code=LOT_SIZE_BELOW_MIN",
    )).json();
    assert.deepEqual(blocked, { session_id: "s1", found: true, matching: 4, total: 40 });
    const eth = await (await app.request(
      "/api/live/execution/s1/count?symbol=eth&symbol_match=prefix&symbol_ci=1",
    )).json();
    assert.equal(eth.matching, 20);
    const bad = await app.request("/api/live/execution/s1/count?symbol_match=fuzzy");
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, "invalid_symbol_match");
  });
});
