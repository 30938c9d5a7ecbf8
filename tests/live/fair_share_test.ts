import assert from "node:assert/strict";
import { WORK_SLICE_MS, yieldIfBusy } from "../../live/fair_share.ts";

Deno.test("after a stretch of work longer than a slice, a read lets a queued task run first", async () => {
  let ran = false;
  setTimeout(() => ran = true, 0);
  const busySince = performance.now() - WORK_SLICE_MS - 1;
  const next = await yieldIfBusy(busySince);
  assert.equal(ran, true, "the queued task ran before the read went on");
  assert.ok(next > busySince, "the next stretch is measured from now");
});

Deno.test("within a slice, a read goes on without giving up its turn", async () => {
  const since = performance.now();
  assert.equal(await yieldIfBusy(since), since);
});
