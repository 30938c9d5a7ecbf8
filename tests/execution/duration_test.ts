import assert from "node:assert/strict";
import { formatDuration, isDuration, parseDuration } from "../../execution/duration.ts";

Deno.test("durations parse in every unit and in combinations, largest unit first", () => {
  assert.equal(parseDuration("0s"), 0);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration("2w"), 1_209_600_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1d2h3m4s5ms"), 93_784_005);
});

Deno.test("anything else is refused with a message that quotes it and shows the forms", () => {
  for (const text of ["", "5", "5 m", "5min", "1.5h", "-5m", "30m1h", "1m1m", "h", "5M"]) {
    assert.throws(() => parseDuration(text), (err: Error) => {
      assert.ok(err instanceof RangeError);
      assert.match(err.message, /expected a duration such as "30s", "5m", "2h" or "7d"/);
      return true;
    }, text);
    assert.equal(isDuration(text), false, text);
  }
});

Deno.test("a duration longer than ten years is refused", () => {
  assert.throws(() => parseDuration("4000d"), /longer than ten years/);
});

Deno.test("formatted durations are the shortest text that parses back", () => {
  for (const ms of [0, 1, 999, 1000, 90_000, 300_000, 5_400_000, 86_400_000, 1_209_600_000]) {
    const text = formatDuration(ms);
    assert.equal(parseDuration(text), ms, text);
  }
  assert.equal(formatDuration(300_000), "5m");
  assert.equal(formatDuration(14 * 86_400_000), "14d");
});
