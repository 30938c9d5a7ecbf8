import assert from "node:assert/strict";
import { createApp } from "../../web/app.ts";
import { appendEvents, wireEvent, withLogDir } from "./fixtures.ts";

Deno.test("a blocked gate row shows its code and reason without opening the payload; passes do not", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [
      wireEvent("s1", 1, "gate", "BTC-USD", {
        gate_name: "MinNotional",
        passed: false,
        code: "NOTIONAL_BELOW_MIN",
        reason: "Notional $5.00 below min $10.00 <b>",
        modified_qty: null,
      }),
      wireEvent("s1", 2, "gate", "BTC-USD", {
        gate_name: "PriceSanity",
        passed: true,
        code: "PRICE_OK",
        reason: "Price OK",
        modified_qty: null,
      }),
      // The original's shape: `decision` instead of `passed`.
      wireEvent("s1", 3, "gate", "ETH-USD", { gate: "Legacy", decision: "BLOCK", reason: "old" }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    const reasons = [...html.matchAll(/<span class="block-reason">([^<]*)<\/span>/g)].map((m) =>
      m[1]
    );
    assert.deepEqual(reasons, [
      "old",
      "NOTIONAL_BELOW_MIN: Notional $5.00 below min $10.00 &lt;b>",
    ]);
  });
});

Deno.test("the fills and fees cards show dollar amounts as the descriptions and the CLI do", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [
      wireEvent("s1", 1, "fill", "BTC-USD", {
        client_id: "c1",
        side: "buy",
        filled_quantity: 0.5,
        fill_price: 100_010,
        fill_notional: 50_005,
        fill_fee: 1.25,
      }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    assert.match(html, /<span class="card-note">notional \$50,005\.00<\/span>/);
    assert.match(html, /<span class="card-label">Fees<\/span><span class="card-value">\$1\.2500</);
  });
});

Deno.test("the timeline table has an accessible name", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [wireEvent("s1", 1, "intent", "BTC-USD")]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    assert.match(html, /<table class="timeline" aria-label="Execution events, newest first">/);
  });
});
