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

Deno.test("an answer that became ready while the event loop stalled is returned, not timed out", async () => {
  // The stall outlasts the deadline, and after it the due timer runs before the read that
  // completed meanwhile is delivered: the answer must still count as in time.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  try {
    const deadline = new AnswerDeadline(50);
    const buf = new Uint8Array(16);
    const answer = deadline.within(
      server.read(buf).then((n) => new Response(new TextDecoder().decode(buf.subarray(0, n ?? 0)))),
    );
    await client.write(new TextEncoder().encode("ready"));
    const end = performance.now() + 200;
    while (performance.now() < end) {
      // Busy: the event loop stalls (the fault under test, not a wait for something).
    }
    const res = await answer;
    assert.equal(res.status, 200, "answered in time, not 503 request_timeout");
    assert.equal(await res.text(), "ready");
  } finally {
    client.close();
    server.close();
    listener.close();
  }
});
