import assert from "node:assert/strict";
import {
  compileTimelineFilter,
  DEFAULT_TIMELINE_LIMIT,
  isTimelineFiltered,
  matchesTimelineQuery,
  MAX_PAGE_LIMIT,
  parseSymbolMatch,
  parseTimelineKinds,
  parseTimelineLimit,
  parseTimelineNames,
  parseTimelineQuery,
  parseTimelineRange,
  parseTimelineSwitch,
  parseTimelineSymbol,
  timelineFilterKey,
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
    symbolMatch: "exact",
    symbolIgnoreCase: false,
    blocked: false,
    gates: [],
    codes: [],
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

const gateEvent = (name: string, passed: boolean, code: string) => ({
  kind: "gate",
  symbol: "BTC-USD",
  ts_micros: 1,
  payload: { gate_name: name, passed, code, reason: "r" },
});

Deno.test("symbol match modes: exact by default, prefix and substring, optionally ignoring case", () => {
  const event = { kind: "fill", symbol: "ETH-USD", ts_micros: null };
  const matches = (input: Parameters<typeof parseTimelineQuery>[0]) =>
    compileTimelineFilter(parseTimelineQuery(input))(event);
  assert.equal(matches({ symbol: "ETH" }), false);
  assert.equal(matches({ symbol: "ETH-USD" }), true);
  assert.equal(matches({ symbol: "ETH", symbolMatch: "prefix" }), true);
  assert.equal(matches({ symbol: "USD", symbolMatch: "prefix" }), false);
  assert.equal(matches({ symbol: "h-u", symbolMatch: "substring" }), false);
  assert.equal(matches({ symbol: "h-u", symbolMatch: "substring", symbolIgnoreCase: "1" }), true);
  assert.equal(matches({ symbol: "eth-usd", symbolIgnoreCase: true }), true);
  assert.equal(
    compileTimelineFilter(parseTimelineQuery({ symbol: "E", symbolMatch: "prefix" }))({
      kind: "fill",
      symbol: null,
      ts_micros: null,
    }),
    false,
    "an event without a symbol never passes a symbol filter",
  );
});

Deno.test("an unknown symbol match mode or switch text is refused, naming the parameter", () => {
  assert.equal(parseSymbolMatch(" Substring "), "substring");
  assert.equal(fieldOf(() => parseSymbolMatch("fuzzy")), "symbol_match");
  assert.equal(fieldOf(() => parseTimelineSwitch("maybe", "blocked")), "blocked");
  assert.equal(fieldOf(() => parseTimelineQuery({ symbolIgnoreCase: "perhaps" })), "symbol_ci");
  assert.equal(parseTimelineSwitch("ON", "blocked"), true);
  assert.equal(parseTimelineSwitch("off", "blocked"), false);
});

Deno.test("blocked keeps only gate decisions that did not pass, in either payload shape", () => {
  const blocked = compileTimelineFilter(parseTimelineQuery({ blocked: "true" }));
  assert.equal(blocked(gateEvent("LotSize", false, "QTY_ROUNDS_TO_ZERO")), true);
  assert.equal(blocked(gateEvent("LotSize", true, "OK")), false);
  assert.equal(
    blocked({
      kind: "gate",
      symbol: null,
      ts_micros: 1,
      payload: { gate: "X", decision: "BLOCK" },
    }),
    true,
  );
  assert.equal(blocked({ kind: "fill", symbol: null, ts_micros: 1, payload: {} }), false);
  assert.equal(
    blocked({ kind: "gate", symbol: null, ts_micros: 1 }),
    false,
    "no payload: no match",
  );
});

Deno.test("gate and code filters keep the named gates and reason codes only", () => {
  const byGate = compileTimelineFilter(parseTimelineQuery({ gates: ["LotSize,MinNotional"] }));
  assert.equal(byGate(gateEvent("LotSize", true, "OK")), true);
  assert.equal(byGate(gateEvent("PriceSanity", false, "PRICE_INVALID")), false);
  const byCode = compileTimelineFilter(parseTimelineQuery({ codes: ["QTY_ROUNDS_TO_ZERO"] }));
  assert.equal(byCode(gateEvent("LotSize", false, "QTY_ROUNDS_TO_ZERO")), true);
  assert.equal(byCode(gateEvent("LotSize", false, "QTY_BELOW_MIN")), false);
  // An error carries a code too, so a code filter finds it.
  assert.equal(
    byCode({ kind: "error", symbol: null, ts_micros: 1, payload: { code: "QTY_ROUNDS_TO_ZERO" } }),
    true,
  );
  const all = compileTimelineFilter(
    parseTimelineQuery({ blocked: "1", gates: ["LotSize"], codes: ["QTY_ROUNDS_TO_ZERO"] }),
  );
  assert.equal(all(gateEvent("LotSize", false, "QTY_ROUNDS_TO_ZERO")), true);
  assert.equal(all(gateEvent("LotSize", true, "QTY_ROUNDS_TO_ZERO")), false);
  assert.equal(all(gateEvent("MinNotional", false, "QTY_ROUNDS_TO_ZERO")), false);
});

Deno.test("gate names and codes are repeatable, comma-separated and checked", () => {
  assert.deepEqual(parseTimelineNames([" LotSize , MinNotional", "LotSize"], "gate"), [
    "LotSize",
    "MinNotional",
  ]);
  assert.equal(fieldOf(() => parseTimelineNames(["Lot Size"], "gate")), "gate");
  assert.equal(fieldOf(() => parseTimelineNames(["<x>"], "code")), "code");
  assert.equal(fieldOf(() => parseTimelineQuery({ codes: ["a;b"] })), "code");
});

Deno.test("the filter key is equal for equal filters and differs for different ones", () => {
  const key = (input: Parameters<typeof parseTimelineQuery>[0]) =>
    timelineFilterKey(parseTimelineQuery(input));
  assert.equal(key({ kinds: ["fill,gate"] }), key({ kinds: ["gate", "fill"] }));
  assert.equal(
    key({ symbol: "ETH", symbolIgnoreCase: "1" }),
    key({ symbol: "eth", symbolIgnoreCase: "1" }),
  );
  assert.notEqual(key({ symbol: "ETH" }), key({ symbol: "eth" }));
  assert.notEqual(key({ blocked: "1" }), key({}));
  assert.notEqual(key({ gates: ["LotSize"] }), key({ codes: ["LotSize"] }));
});

Deno.test("a query filters when any filter is set, and not for the defaults", () => {
  assert.equal(isTimelineFiltered(parseTimelineQuery({ limit: "5" })), false);
  assert.equal(isTimelineFiltered(parseTimelineQuery({ codes: ["X"] })), true);
  assert.equal(isTimelineFiltered(parseTimelineQuery({ symbol: "BTC" })), true);
});
