import assert from "node:assert/strict";
import { boundForDisplay, boundForQuery } from "../../web/time_zone.ts";
import { parseTimestampMicros } from "../../execution/wire/timestamps.ts";

Deno.test("in local time a bound without an offset is read as local time", () => {
  const sent = boundForQuery("2026-11-25 10:30:05.000250", "local");
  const local = new Date(2026, 10, 25, 10, 30, 5);
  assert.equal(parseTimestampMicros(sent), local.getTime() * 1000 + 250);
});

Deno.test("in UTC, or with an explicit offset, a bound is sent as typed", () => {
  assert.equal(boundForQuery(" 2026-11-25 10:30 ", "utc"), "2026-11-25 10:30");
  assert.equal(boundForQuery("2026-11-25T10:30+02:00", "local"), "2026-11-25T10:30+02:00");
  assert.equal(boundForQuery("yesterday", "local"), "yesterday");
  assert.equal(boundForQuery("", "local"), "");
});

Deno.test("a bound shown in local time reads back as the same instant", () => {
  const bound = "2026-11-25T09:30:45.123456+00:00";
  const shown = boundForDisplay(bound, "local");
  assert.match(shown, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.123456$/);
  assert.equal(parseTimestampMicros(boundForQuery(shown, "local")), parseTimestampMicros(bound));
  assert.equal(boundForDisplay(bound, "utc"), bound);
  assert.equal(boundForDisplay("not a time", "local"), "not a time");
});
