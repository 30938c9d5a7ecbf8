import assert from "node:assert/strict";
import { AnswerDeadline } from "../../server/request_deadline.ts";

Deno.test("an answer ready in time is returned as it is, and the timer stops", async () => {
  const deadline = new AnswerDeadline(10_000);
  const res = await deadline.within(Promise.resolve(new Response("ok")));
  assert.equal(await res.text(), "ok");
  // No timer is left behind: the test's sanitizer would report a leaked interval.
});

Deno.test("an answer not ready within the deadline becomes 503 request_timeout with Retry-After", async () => {
  const deadline = new AnswerDeadline(20);
  const late = Promise.withResolvers<Response>();
  let reported = 0;
  const res = await deadline.within(late.promise, () => reported++);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "5");
  assert.equal((await res.json()).error, "request_timeout");
  assert.equal(reported, 1);
  // The late answer is dropped: its body is cancelled, so a stream it holds is released.
  const cancelled = Promise.withResolvers<void>();
  late.resolve(new Response(new ReadableStream({ cancel: () => cancelled.resolve() })));
  await cancelled.promise;
});

Deno.test("a stuck request does not hold back the answers of requests after it", async () => {
  const deadline = new AnswerDeadline(30);
  const stuck = deadline.within(new Promise<Response>(() => {}));
  const answered = await deadline.within(Promise.resolve(new Response("fine")));
  assert.equal(await answered.text(), "fine");
  assert.equal((await stuck).status, 503);
});

Deno.test("a handler that throws passes its error on", async () => {
  const deadline = new AnswerDeadline(10_000);
  await assert.rejects(deadline.within(Promise.reject(new Error("boom"))), /boom/);
});
