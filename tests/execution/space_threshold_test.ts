import assert from "node:assert/strict";
import { formatSpaceThreshold, parseSpaceThreshold } from "../../execution/space_threshold.ts";

Deno.test("free-space thresholds are percentages or sizes in decimal or binary units", () => {
  assert.deepEqual(parseSpaceThreshold("10%"), { unit: "pct", value: 10 });
  assert.deepEqual(parseSpaceThreshold("2.5 %"), { unit: "pct", value: 2.5 });
  assert.deepEqual(parseSpaceThreshold(5_368_709_120), { unit: "bytes", value: 5_368_709_120 });
  assert.deepEqual(parseSpaceThreshold("5GiB"), { unit: "bytes", value: 5 * 1024 ** 3 });
  assert.deepEqual(parseSpaceThreshold("500MB"), { unit: "bytes", value: 500_000_000 });
  assert.deepEqual(parseSpaceThreshold("1tb"), { unit: "bytes", value: 1e12 });
  assert.deepEqual(parseSpaceThreshold("1024"), { unit: "bytes", value: 1024 });
});

Deno.test("a threshold that is neither is refused with what is accepted", () => {
  for (const raw of ["101%", "-5%", "5 gigs", "", -1, 1.5, true, null]) {
    assert.throws(() => parseSpaceThreshold(raw), /expected a free-space threshold/, String(raw));
  }
});

Deno.test("thresholds format back as they are read", () => {
  assert.equal(formatSpaceThreshold({ unit: "pct", value: 10 }), "10%");
  assert.equal(formatSpaceThreshold({ unit: "bytes", value: 42 }), "42 bytes");
});
