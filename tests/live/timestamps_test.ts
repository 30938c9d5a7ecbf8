import assert from "node:assert/strict";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import {
  normalizeTimestamp,
  parseTimeBound,
  parseTimestampMicros,
} from "../../execution/wire/timestamps.ts";

const BASE = Date.UTC(2026, 10, 25, 9, 30, 45) * 1000; // 2026-11-25T09:30:45Z in micros

Deno.test("parseTimestampMicros reads the wire form exactly, microseconds included", () => {
  assert.equal(parseTimestampMicros("2026-11-25T09:30:45.123456+00:00"), BASE + 123_456);
});

Deno.test("parseTimestampMicros takes Z, +00:00 and naive timestamps as the same UTC instant", () => {
  for (const text of ["2026-11-25T09:30:45Z", "2026-11-25T09:30:45+00:00", "2026-11-25T09:30:45"]) {
    assert.equal(parseTimestampMicros(text), BASE, text);
  }
});

Deno.test("parseTimestampMicros applies offsets other than UTC", () => {
  assert.equal(parseTimestampMicros("2026-11-25T15:00:45+05:30"), BASE);
  assert.equal(parseTimestampMicros("2026-11-25T01:30:45-08:00"), BASE);
  assert.equal(parseTimestampMicros("2026-11-25T10:30:45+0100"), BASE);
});

Deno.test("parseTimestampMicros accepts what fromisoformat accepts: space, 1-6 digits, date-only, basic", () => {
  assert.equal(parseTimestampMicros("2026-11-25 09:30:45.5"), BASE + 500_000);
  assert.equal(parseTimestampMicros("2026-11-25T09:30:45.000Z"), BASE);
  assert.equal(parseTimestampMicros("2026-11-25"), Date.UTC(2026, 10, 25) * 1000);
  assert.equal(parseTimestampMicros("20261125T093045"), BASE);
  assert.equal(parseTimestampMicros("2026-11-25T09:30"), BASE - 45_000_000);
});

Deno.test("parseTimestampMicros reads more than 6 fractional digits as Python 3.11 does: the first 6 count", () => {
  // Values checked with CPython 3.11.7: datetime.fromisoformat(text).astimezone(timezone.utc).
  assert.equal(parseTimestampMicros("2026-11-25T09:30:45.123456789Z"), BASE + 123_456);
  assert.equal(parseTimestampMicros("2026-11-25T09:30:45.1234567"), BASE + 123_456);
  assert.equal(
    normalizeTimestamp("2026-11-25T10:30:45.12345678901234+01:00"),
    "2026-11-25T09:30:45.123456+00:00",
  );
  assert.equal(
    normalizeTimestamp("2026-11-25T09:30:45+05:30:15.5"),
    "2026-11-25T04:00:29.500000+00:00",
  );
});

Deno.test("parseTimestampMicros refuses instants outside years 1-9999 in UTC (Python cannot convert them)", () => {
  assert.equal(parseTimestampMicros("9999-12-31T23:59:59-01:00"), null);
  assert.equal(parseTimestampMicros("0001-01-01T00:30:00+01:00"), null);
  // (Epoch microseconds are exact to 1 µs only from 1685 to 2255; this whole second is exact.)
  assert.equal(normalizeTimestamp("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59.000000+00:00");
  assert.equal(normalizeTimestamp("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00.000000+00:00");
});

Deno.test("parseTimestampMicros refuses garbage and impossible dates", () => {
  for (
    const text of [
      "",
      "yesterday",
      "2026-13-01T00:00:00",
      "2026-02-29T00:00:00",
      "2026-11-25T24:00:00",
      "2026-11-25T09:30:45+25:00",
      "1795599045",
    ]
  ) {
    assert.equal(parseTimestampMicros(text), null, text);
  }
  assert.notEqual(parseTimestampMicros("2024-02-29T00:00:00"), null, "leap day exists in 2024");
});

Deno.test("normalizeTimestamp writes UTC with 6 fractional digits and +00:00", () => {
  assert.equal(
    normalizeTimestamp("2026-11-25T10:30:45.15+01:00"),
    "2026-11-25T09:30:45.150000+00:00",
  );
  assert.equal(normalizeTimestamp("2026-11-25T09:30:45Z"), "2026-11-25T09:30:45.000000+00:00");
  assert.equal(normalizeTimestamp("2026-11-25T09:30:45"), "2026-11-25T09:30:45.000000+00:00");
  assert.equal(normalizeTimestamp("not a time"), null);
});

Deno.test("parseTimeBound accepts a Date and refuses an unreadable bound with a RangeError naming it", () => {
  assert.equal(parseTimeBound(new Date(BASE / 1000), "since"), BASE);
  assert.throws(() => parseTimeBound("soon", "until"), (err: unknown) => {
    assert.ok(err instanceof RangeError);
    assert.match(err.message, /^until: cannot read "soon"/);
    return true;
  });
  assert.throws(() => parseTimeBound(new Date(NaN), "since"), RangeError);
});

Deno.test("parseTimestampMicros agrees with Date.UTC across centuries, leap days and month ends", () => {
  for (
    const [y, m, d] of [
      [1970, 1, 1],
      [1999, 12, 31],
      [2000, 2, 29],
      [2100, 3, 1],
      [1900, 2, 28],
      [2026, 11, 25],
      [9999, 12, 31],
      [1601, 1, 1],
    ]
  ) {
    const text = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${
      String(d).padStart(2, "0")
    }T23:59:58.000001+00:00`;
    assert.equal(parseTimestampMicros(text), Date.UTC(y, m - 1, d, 23, 59, 58) * 1000 + 1, text);
  }
  assert.equal(parseTimestampMicros("0001-01-01T00:00:00"), -62135596800000000);
});

Deno.test("normalised timestamps match the writer's formatWireTimestamp for the same instant", () => {
  for (const micros of [0, 1, 999_999, 1_795_599_045_123_456, -1, -62_135_596_800_000_000]) {
    assert.equal(normalizeTimestamp(formatWireTimestamp(micros)), formatWireTimestamp(micros));
    assert.equal(
      normalizeTimestamp(formatWireTimestamp(micros).replace("+00:00", "Z")),
      formatWireTimestamp(micros),
    );
  }
});
