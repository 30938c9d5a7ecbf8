import assert from "node:assert/strict";
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDecimal,
  formatTimestamp,
  groupThousands,
  kindClass,
} from "../../web/format.ts";

Deno.test("formatTimestamp shows UTC with microseconds and a readable fallback", () => {
  assert.equal(
    formatTimestamp("2026-11-25T09:30:45.123456+00:00", "utc"),
    "2026-11-25 09:30:45.123456 UTC",
  );
  assert.equal(formatTimestamp(null, "utc"), "—");
  assert.equal(formatTimestamp("garbage", "utc"), "garbage");
});

Deno.test("formatTimestamp in local time shows the zone offset and microseconds", () => {
  const local = formatTimestamp("2026-11-25T09:30:45.123456+00:00", "local");
  assert.match(local, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.123456 [+-]\d{2}:\d{2}$/);
  const date = new Date("2026-11-25T09:30:45.123Z");
  assert.ok(local.startsWith(`${date.getFullYear()}-`));
});

Deno.test("kindClass maps only the five known kinds to their badge classes", () => {
  for (const kind of ["intent", "gate", "order", "fill", "error"]) {
    assert.equal(kindClass(kind), `kind-${kind}`);
  }
  assert.equal(kindClass("heartbeat"), "kind-other");
  assert.equal(kindClass('x" onmouseover="alert(1)'), "kind-other");
});

Deno.test("formatBytes uses binary units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(233.6 * 1024 * 1024), "233.6 MiB");
});

Deno.test("counts and decimals carry thousands separators", () => {
  assert.equal(formatCount(58_212), "58,212");
  assert.equal(formatCount(0), "0");
  assert.equal(formatCount(NaN), "—");
  assert.equal(formatDecimal(1_234_567.891, 2), "1,234,567.89");
  assert.equal(formatDecimal(0.5, 4), "0.5000");
});

Deno.test("ages are short and round down", () => {
  assert.equal(formatAge(59.9), "59 s");
  assert.equal(formatAge(60), "1 min");
  assert.equal(formatAge(3 * 3_600 + 5), "3 h");
  assert.equal(formatAge(2 * 86_400), "2 d");
  assert.equal(formatAge(null), "—");
});

Deno.test('groupThousands writes every safe integer as toLocaleString("en-US") does', () => {
  const samples = [0, 1, 9, 10, 99, 100, 999, 1_000, 9_999, 10_000, 123_456, 1_000_000];
  samples.push(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  for (let p = 1; p < 2 ** 53; p *= 7) samples.push(p, p - 1, p + 1);
  let seed = 42;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    samples.push(Math.floor((seed / 2 ** 31) * 10 ** (1 + (i % 16))));
  }
  for (const n of samples) {
    for (const v of [n, -n]) {
      if (Object.is(v, -0)) continue;
      assert.equal(groupThousands(v), v.toLocaleString("en-US"), String(v));
      assert.equal(formatCount(v), v.toLocaleString("en-US", { maximumFractionDigits: 0 }));
    }
  }
  // Not integers (or -0): toLocaleString's own rounding, as before.
  assert.equal(formatCount(2.5), "3");
  assert.equal(formatCount(-0), (-0).toLocaleString("en-US", { maximumFractionDigits: 0 }));
});
