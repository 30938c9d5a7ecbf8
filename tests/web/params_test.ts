import assert from "node:assert/strict";
import { DEFAULT_TIMELINE_LIMIT, TimelineQueryError } from "../../live/timeline_query.ts";
import { HttpError } from "../../web/errors.ts";
import {
  parseOffset,
  parseSessionId,
  parseTimelineParams,
  timelineQueryHttpError,
} from "../../web/params.ts";

/** The HttpError `fn` throws. */
function httpErrorOf(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected an HttpError, got ${err}`);
    return err;
  }
  assert.fail("expected an HttpError");
}

Deno.test("a refused timeline filter becomes a 400 invalid_<field> with the query module's message", () => {
  const err = timelineQueryHttpError(new TimelineQueryError("symbol", "expected at most 128"));
  assert.equal(err.status, 400);
  assert.equal(err.code, "invalid_symbol");
  assert.equal(err.message, "symbol: expected at most 128");
});

Deno.test("timeline params are read from repeated kinds, symbol, bounds and limit", () => {
  const query = parseTimelineParams(
    new URLSearchParams("kind=fill&kind=gate,fill&symbol=%20BTC-USD%20&since=2026-11-25&limit=7"),
  );
  assert.deepEqual(query.kinds, ["fill", "gate"]);
  assert.equal(query.symbol, "BTC-USD");
  assert.equal(query.since, "2026-11-25");
  assert.equal(query.until, null);
  assert.equal(query.limit, 7);
});

Deno.test("timeline params refuse each bad filter with a 400 naming it", () => {
  const cases: Record<string, string> = {
    "kind=%3Cx%3E": "invalid_kind",
    [`symbol=${"S".repeat(129)}`]: "invalid_symbol",
    "since=yesterday": "invalid_since",
    "until=later": "invalid_until",
    "limit=1001": "invalid_limit",
    "since=2026-11-26&until=2026-11-25": "invalid_since",
  };
  for (const [search, code] of Object.entries(cases)) {
    const err = httpErrorOf(() => parseTimelineParams(new URLSearchParams(search)));
    assert.equal(err.status, 400, search);
    assert.equal(err.code, code, search);
    assert.ok(err.message.startsWith(`${code.slice("invalid_".length)}: `), err.message);
  }
});

Deno.test("timeline params leave limit unread when asked (a stream has none)", () => {
  const query = parseTimelineParams(new URLSearchParams("limit=abc"), { readLimit: false });
  assert.equal(query.limit, DEFAULT_TIMELINE_LIMIT);
  assert.equal(
    httpErrorOf(() => parseTimelineParams(new URLSearchParams("limit=abc"))).code,
    "invalid_limit",
  );
});

Deno.test("a byte offset is a non-negative integer, named in the refusal", () => {
  assert.equal(parseOffset("before", " 1024 "), 1024);
  assert.equal(parseOffset("before", ""), null);
  assert.equal(parseOffset("from", undefined), null);
  for (const raw of ["-1", "1.5", "abc", "1".repeat(16)]) {
    const err = httpErrorOf(() => parseOffset("Last-Event-ID", raw));
    assert.equal(err.code, "invalid_last_event_id", raw);
    assert.match(err.message, /^Last-Event-ID must be a byte offset/);
  }
});

Deno.test("a session id is refused with 400 invalid_session_id saying what is allowed", () => {
  assert.equal(parseSessionId("paper-1"), "paper-1");
  const err = httpErrorOf(() => parseSessionId("../x"));
  assert.equal(err.code, "invalid_session_id");
  assert.match(err.message, /A-Z a-z 0-9/);
});
