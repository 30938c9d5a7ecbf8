import assert from "node:assert/strict";
import {
  DEFAULT_TIMELINE_LIMIT,
  matchesTimelineQuery,
  MAX_PAGE_LIMIT,
  parseTimelineKinds,
  parseTimelineLimit,
  parseTimelineQuery,
  parseTimelineRange,
  parseTimelineSymbol,
  TimelineQueryError,
  unknownTimelineKinds,
} from "../../live/timeline_query.ts";

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof TimelineQueryError, `expected a TimelineQueryError, got ${err}`);
    assert.ok(err.message.startsWith(`${err.field}: `), err.message);
    return err.field;
  }
  assert.fail("expected a TimelineQueryError");
}

Deno.test("kinds are repeatable, comma-separated, trimmed and deduplicated in order", () => {
  assert.deepEqual(parseTimelineKinds(["fill", " gate , order", "fill", ","]), [
    "fill",
    "gate",
    "order",
  ]);
});

Deno.test("a kind that cannot be a kind is refused, naming the field", () => {
  assert.equal(fieldOf(() => parseTimelineKinds(["fill;drop"])), "kind");
  assert.equal(fieldOf(() => parseTimelineKinds(["x".repeat(65)])), "kind");
});

Deno.test("kinds this product never writes are reported, with the lower-case hint", () => {
  assert.deepEqual(unknownTimelineKinds(["fill", "Gate", "custom"]), [
    { kind: "Gate", suggestion: "gate" },
    { kind: "custom", suggestion: null },
  ]);
});

Deno.test("a blank symbol means no symbol filter; a long one is refused", () => {
  assert.equal(parseTimelineSymbol(""), null);
  assert.equal(parseTimelineSymbol("   "), null);
  assert.equal(parseTimelineSymbol(undefined), null);
  assert.equal(parseTimelineSymbol(" ETH-USD "), "ETH-USD");
  assert.equal(fieldOf(() => parseTimelineSymbol("S".repeat(129))), "symbol");
});

Deno.test("the limit defaults to 200 and is a whole number from 1 to the maximum", () => {
  assert.equal(DEFAULT_TIMELINE_LIMIT, 200);
  assert.equal(parseTimelineLimit(undefined), 200);
  assert.equal(parseTimelineLimit(""), 200);
  assert.equal(parseTimelineLimit("1000", MAX_PAGE_LIMIT), 1000);
  assert.equal(parseTimelineLimit(5000), 5000, "no maximum unless one is given");
  for (const bad of ["0", "-1", "1.5", "abc", "1001", "9".repeat(16)]) {
    assert.equal(fieldOf(() => parseTimelineLimit(bad, MAX_PAGE_LIMIT)), "limit", bad);
  }
});

Deno.test("since and until are read as instants, and since after until is refused", () => {
  const range = parseTimelineRange("2026-11-25T10:30:00+01:00", "2026-11-25T09:30:00.000001Z");
  assert.equal(range.since, 1_795_599_000_000_000);
  assert.equal(range.until, 1_795_599_000_000_001);
  assert.deepEqual(parseTimelineRange("", null), { since: null, until: null });
  assert.equal(fieldOf(() => parseTimelineRange("2026-11-26", "2026-11-25")), "since");
  assert.equal(fieldOf(() => parseTimelineRange("yesterday", null)), "since");
  assert.equal(fieldOf(() => parseTimelineRange(null, "tomorrow")), "until");
});

Deno.test("a whole query is validated and keeps the bounds as typed", () => {
  const query = parseTimelineQuery({
    kinds: ["gate,fill"],
    symbol: "BTC-USD",
    since: " 2026-11-25 ",
    limit: 20,
  });
  assert.deepEqual(query, {
    kinds: ["gate", "fill"],
    symbol: "BTC-USD",
    since: "2026-11-25",
    until: null,
    sinceMicros: 1_795_564_800_000_000,
    untilMicros: null,
    limit: 20,
  });
  assert.equal(fieldOf(() => parseTimelineQuery({ limit: "2000" }, { maxLimit: 1000 })), "limit");
});

Deno.test("matching keeps events of the kinds, the symbol and the time range only", () => {
  const query = parseTimelineQuery({
    kinds: ["fill"],
    symbol: "BTC-USD",
    since: "2026-11-25T00:00:00Z",
    until: "2026-11-25T23:59:59Z",
  });
  const at = 1_795_599_045_000_000; // 2026-11-25T09:30:45Z
  assert.equal(
    matchesTimelineQuery(query, { kind: "fill", symbol: "BTC-USD", ts_micros: at }),
    true,
  );
  assert.equal(
    matchesTimelineQuery(query, { kind: "gate", symbol: "BTC-USD", ts_micros: at }),
    false,
  );
  assert.equal(
    matchesTimelineQuery(query, { kind: "fill", symbol: "ETH-USD", ts_micros: at }),
    false,
  );
  assert.equal(
    matchesTimelineQuery(query, { kind: "fill", symbol: "BTC-USD", ts_micros: null }),
    false,
    "an event without a readable time never passes a time bound",
  );
  assert.equal(
    matchesTimelineQuery(query, { kind: "fill", symbol: "BTC-USD", ts_micros: at + 86_400e6 }),
    false,
  );
});
