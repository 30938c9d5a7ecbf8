import assert from "node:assert/strict";
import { ClientLimiter } from "../../web/client_limiter.ts";

Deno.test("a client gets its attempts per window, then waits until the oldest leaves it", () => {
  let now = 0;
  const limiter = new ClientLimiter({ limit: 2, windowMs: 10_000, now: () => now });
  assert.equal(limiter.attempt("a").allowed, true);
  now = 4_000;
  assert.equal(limiter.attempt("a").allowed, true);
  now = 5_000;
  assert.deepEqual(limiter.attempt("a"), { allowed: false, retryAfterSeconds: 5 });
  assert.equal(limiter.attempt("b").allowed, true, "clients are counted apart");
  now = 10_001;
  assert.equal(limiter.attempt("a").allowed, true, "the first attempt left the window");
});

Deno.test("the limiter remembers a bounded number of clients", () => {
  const limiter = new ClientLimiter({ limit: 1, windowMs: 60_000, maxClients: 100 });
  for (let i = 0; i < 1_000; i++) limiter.attempt(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(limiter.size, 100);
});

Deno.test("a limiter without a positive limit or window is refused", () => {
  assert.throws(() => new ClientLimiter({ limit: 0, windowMs: 1 }), RangeError);
  assert.throws(() => new ClientLimiter({ limit: 1, windowMs: 0 }), RangeError);
});
