import assert from "node:assert/strict";
import { answerWithin } from "../../server/request_deadline.ts";

Deno.test("an answer ready in time is returned as it is", async () => {
  const res = await answerWithin(Promise.resolve(new Response("ok")), 10_000);
  assert.equal(await res.text(), "ok");
});

Deno.test("an answer not ready within the deadline becomes 503 request_timeout with Retry-After", async () => {
  const late = Promise.withResolvers<Response>();
  let reported = 0;
  const res = await answerWithin(late.promise, 20, () => reported++);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "5");
  assert.equal((await res.json()).error, "request_timeout");
  assert.equal(reported, 1);
  // The late answer is dropped: its body is cancelled, so a stream it holds is released.
  const cancelled = Promise.withResolvers<void>();
  late.resolve(new Response(new ReadableStream({ cancel: () => cancelled.resolve() })));
  await cancelled.promise;
});
