import assert from "node:assert/strict";
import {
  appendOlderRows,
  MAX_TIMELINE_ROWS,
  prependStreamedRows,
  timelineRowMatcher,
} from "../../islands/timeline_rows.ts";
import type { TimelineRow } from "../../live/types.ts";

function row(offset: number, fields: Partial<TimelineRow> = {}): TimelineRow {
  return {
    ts: "2026-11-25T09:30:00.000000+00:00",
    kind: "fill",
    symbol: "BTC-USD",
    description: `row at ${offset}`,
    details: null,
    offset,
    seq: null,
    ...fields,
  };
}

const offsets = (rows: TimelineRow[]): number[] => rows.map((r) => r.offset);

Deno.test("streamed rows (oldest first) go in front of the held rows, newest first", () => {
  const held = [row(20), row(10)];
  assert.deepEqual(offsets(prependStreamedRows(held, [row(30), row(40), row(50)])), [
    50,
    40,
    30,
    20,
    10,
  ]);
});

Deno.test("a streamed row already held, or twice in one delivery, is shown once", () => {
  const held = [row(20), row(10)];
  assert.deepEqual(offsets(prependStreamedRows(held, [row(20), row(30), row(30)])), [30, 20, 10]);
});

Deno.test("a delivery with nothing new keeps the same array, so the table does not re-render", () => {
  const held = [row(20), row(10)];
  assert.equal(prependStreamedRows(held, [row(10), row(20)]), held);
  assert.equal(prependStreamedRows(held, []), held);
});

Deno.test("streamed rows beyond the cap drop the oldest held rows", () => {
  const held = [row(20), row(10)];
  assert.deepEqual(offsets(prependStreamedRows(held, [row(30), row(40)], 3)), [40, 30, 20]);
  const full = Array.from({ length: MAX_TIMELINE_ROWS }, (_, i) => row(MAX_TIMELINE_ROWS - i));
  const next = prependStreamedRows(full, [row(MAX_TIMELINE_ROWS + 1)]);
  assert.equal(next.length, MAX_TIMELINE_ROWS);
  assert.equal(next[0].offset, MAX_TIMELINE_ROWS + 1);
  assert.equal(next.at(-1)?.offset, 2);
});

Deno.test("an older page adds only the rows not held yet, after the held ones", () => {
  assert.deepEqual(offsets(appendOlderRows([row(30), row(20)], [row(20), row(10), row(5)])), [
    30,
    20,
    10,
    5,
  ]);
});

Deno.test("streamed rows are matched by kind and symbol as the page was filtered", () => {
  const shows = timelineRowMatcher({ kinds: ["fill", "gate"], symbol: "ETH-USD", limit: 200 });
  assert.equal(shows(row(1, { kind: "gate", symbol: "ETH-USD" })), true);
  assert.equal(shows(row(2, { kind: "order", symbol: "ETH-USD" })), false);
  assert.equal(shows(row(3, { kind: "fill", symbol: "BTC-USD" })), false);
  assert.equal(shows(row(4, { kind: "fill", symbol: null })), false);
});

Deno.test("no filters show every streamed row, including one without a timestamp", () => {
  const shows = timelineRowMatcher({ kinds: [], symbol: "", limit: 200, since: "", until: "" });
  assert.equal(shows(row(1, { kind: "custom", symbol: null, ts: null })), true);
});

Deno.test("since and until bound streamed rows to the microsecond, both inclusive", () => {
  const shows = timelineRowMatcher({
    kinds: [],
    symbol: "",
    limit: 200,
    since: "2026-11-25T09:30:00.000002Z",
    until: "2026-11-25 10:30:00.000004+01:00", // 09:30:00.000004 UTC, a form Python reads
  });
  const at = (micros: string) => row(1, { ts: `2026-11-25T09:30:00.${micros}+00:00` });
  assert.equal(shows(at("000001")), false);
  assert.equal(shows(at("000002")), true);
  assert.equal(shows(at("000004")), true);
  assert.equal(shows(at("000005")), false);
  assert.equal(shows(row(2, { ts: null })), false, "no readable time never meets a bound");
});

Deno.test("a naive time bound is read as UTC", () => {
  const shows = timelineRowMatcher({
    kinds: [],
    symbol: "",
    limit: 200,
    until: "2026-11-25T09:30",
  });
  assert.equal(shows(row(1, { ts: "2026-11-25T09:30:00.000000+00:00" })), true);
  assert.equal(shows(row(2, { ts: "2026-11-25T09:30:00.000001+00:00" })), false);
});

Deno.test("a time range the server could not read does not filter streamed rows", () => {
  // The page was shown without the range and said why; streamed rows follow the same rule.
  for (const range of [{ since: "yesterday" }, { since: "2026-11-26", until: "2026-11-25" }]) {
    const shows = timelineRowMatcher({ kinds: ["fill"], symbol: "", limit: 200, ...range });
    assert.equal(shows(row(1)), true, JSON.stringify(range));
    assert.equal(shows(row(2, { kind: "gate" })), false, "the other filters still apply");
  }
});
