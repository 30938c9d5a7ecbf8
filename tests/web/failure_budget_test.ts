import assert from "node:assert/strict";
import { clientKey, FailureBudget } from "../../web/failure_budget.ts";

function budgetAt(options: { freeFailures?: number; maxLockoutMs?: number; maxClients?: number }) {
  const clock = { now: 0 };
  const budget = new FailureBudget({ ...options, now: () => clock.now });
  return { budget, clock };
}

Deno.test("the free failures cost nothing; each failure past them doubles the lockout", () => {
  const { budget } = budgetAt({ freeFailures: 3 });
  const lockouts = Array.from({ length: 6 }, () => budget.fail("192.0.2.7"));
  assert.deepEqual(lockouts, [0, 0, 0, 1, 2, 4]);
  assert.equal(budget.retryAfterSeconds("192.0.2.7"), 4);
});

Deno.test("the lockout stops at its maximum", () => {
  const { budget } = budgetAt({ freeFailures: 0, maxLockoutMs: 8000 });
  const lockouts = Array.from({ length: 40 }, () => budget.fail("192.0.2.7"));
  assert.deepEqual(lockouts.slice(0, 5), [1, 2, 4, 8, 8]);
  assert.equal(lockouts.at(-1), 8);
});

Deno.test("a lockout passes with time, and a client quiet long enough starts afresh", () => {
  const { budget, clock } = budgetAt({ freeFailures: 1 });
  budget.fail("192.0.2.7");
  budget.fail("192.0.2.7");
  assert.equal(budget.retryAfterSeconds("192.0.2.7"), 1);
  clock.now = 1000;
  assert.equal(budget.retryAfterSeconds("192.0.2.7"), 0);
  assert.equal(budget.fail("192.0.2.7"), 2, "the count survives the lockout");
  clock.now += 15 * 60_000;
  assert.equal(budget.fail("192.0.2.7"), 0, "forgotten after 15 minutes without failures");
});

Deno.test("the right token clears a client's failures; other clients are not affected", () => {
  const { budget } = budgetAt({ freeFailures: 0 });
  budget.fail("192.0.2.7");
  assert.equal(budget.retryAfterSeconds("192.0.2.8"), 0);
  budget.succeed("192.0.2.7");
  assert.equal(budget.retryAfterSeconds("192.0.2.7"), 0);
  assert.equal(budget.size, 0);
});

Deno.test("the table of clients is bounded, forgetting the oldest failures first", () => {
  const { budget } = budgetAt({ freeFailures: 0, maxClients: 3 });
  for (let i = 1; i <= 5; i++) budget.fail(`192.0.2.${i}`);
  assert.equal(budget.size, 3);
  assert.equal(budget.retryAfterSeconds("192.0.2.1"), 0);
  assert.equal(budget.retryAfterSeconds("192.0.2.5"), 1);
});

Deno.test("IPv6 clients are counted per /64, IPv4 clients per address", () => {
  assert.equal(clientKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  assert.equal(clientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(clientKey("[2001:db8:1:2:3:4:5:6]"), "2001:db8:1:2::/64");
  assert.equal(clientKey("192.0.2.7"), "192.0.2.7");
  assert.equal(clientKey("::ffff:192.0.2.7"), "::ffff:192.0.2.7");
  const { budget } = budgetAt({ freeFailures: 0 });
  budget.fail("2001:db8:1:2::1");
  assert.equal(budget.retryAfterSeconds("2001:db8:1:2::99"), 1, "same /64");
  assert.equal(budget.retryAfterSeconds("2001:db8:1:3::1"), 0, "another /64");
});
