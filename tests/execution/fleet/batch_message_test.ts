import assert from "node:assert/strict";
import {
  FLEET_BATCH_HEADERS,
  fleetBatchHeaders,
  fleetBatchMessageId,
  readFleetBatch,
  scanBatchLines,
} from "../../../execution/fleet/batch_message.ts";
import { START_LINE_KEY } from "../../../execution/fleet/line_key.ts";
import { fleetSubject } from "../../../execution/fleet/subjects.ts";

const encoder = new TextEncoder();
const body = encoder.encode('{"kind":"intent","seq":1}\n{"kind":"gate","seq":2}\ngarbage\n');

function headersOf(pairs: Array<[string, string]>): (name: string) => string | undefined {
  const map = new Map(pairs);
  return (name) => map.get(name);
}

function validHeaders(): Array<[string, string]> {
  return fleetBatchHeaders({
    hostId: "ny4-01",
    sessionId: "paper.1",
    prevKey: START_LINE_KEY,
    firstKey: { seq: 1, n: 0 },
    lastKey: { seq: 2, n: 1 },
    lines: 3,
    offset: 0,
  });
}

Deno.test("scanBatchLines gives every line its end and key", () => {
  const scan = scanBatchLines(body, START_LINE_KEY)!;
  assert.equal(scan.count, 3);
  assert.deepEqual([...scan.ends], [26, 50, 58]);
  assert.deepEqual([...scan.seqs], [1, 2, 2]);
  assert.deepEqual([...scan.ns], [0, 0, 1]);
  assert.deepEqual(scan.last, { seq: 2, n: 1 });
  assert.equal(scan.ascending, true);
});

Deno.test("scanBatchLines notices a seq that goes backwards", () => {
  const back = encoder.encode('{"seq":5}\n{"seq":4}\n');
  assert.equal(scanBatchLines(back, START_LINE_KEY)!.ascending, false);
  const repeat = encoder.encode('{"seq":5}\n');
  assert.equal(scanBatchLines(repeat, { seq: 5, n: 0 })!.ascending, false);
});

Deno.test("scanBatchLines refuses an empty body and one without a final newline", () => {
  assert.equal(scanBatchLines(new Uint8Array(), START_LINE_KEY), null);
  assert.equal(scanBatchLines(encoder.encode('{"seq":1}'), START_LINE_KEY), null);
});

Deno.test("the message id names host, session and the first and last keys", () => {
  assert.equal(
    fleetBatchMessageId("ny4-01", "paper-1", { seq: 1, n: 0 }, { seq: 2, n: 1 }),
    "ny4-01/paper-1/1-2+1",
  );
});

Deno.test("readFleetBatch accepts a batch whose headers match its subject and body", () => {
  const batch = readFleetBatch(fleetSubject("ny4-01", "paper.1"), headersOf(validHeaders()), body);
  assert.ok(!("foreign" in batch));
  assert.equal(batch.hostId, "ny4-01");
  assert.equal(batch.sessionId, "paper.1");
  assert.equal(batch.scan.count, 3);
  assert.deepEqual(batch.prevKey, START_LINE_KEY);
});

Deno.test("readFleetBatch calls a message foreign when it is not our batch", () => {
  const subject = fleetSubject("ny4-01", "paper.1");
  const without = (name: string) => validHeaders().filter(([n]) => n !== name);
  const replaced = (name: string, value: string) =>
    validHeaders().map(([n, v]): [string, string] => [n, n === name ? value : v]);
  const cases: Array<[string, string, Array<[string, string]>, Uint8Array, RegExp]> = [
    ["no format", subject, without(FLEET_BATCH_HEADERS.format), body, /no Peak-Format/],
    ["other format", subject, replaced(FLEET_BATCH_HEADERS.format, "x/2"), body, /is not/],
    ["other subject", fleetSubject("ny4-02", "paper.1"), validHeaders(), body, /does not match/],
    ["bad host", subject, replaced(FLEET_BATCH_HEADERS.host, "a.b"), body, /Peak-Host/],
    ["line count", subject, replaced(FLEET_BATCH_HEADERS.lines, "2"), body, /holds 3 lines/],
    ["keys", subject, replaced(FLEET_BATCH_HEADERS.lastKey, "2"), body, /keys do not match/],
    ["torn body", subject, validHeaders(), body.subarray(0, body.length - 1), /newline/],
    ["bad prev", subject, replaced(FLEET_BATCH_HEADERS.prevKey, "x"), body, /Peak-Prev-Key/],
  ];
  for (const [name, subj, headers, data, why] of cases) {
    const result = readFleetBatch(subj, headersOf(headers), data);
    assert.ok("foreign" in result, name);
    assert.match(result.foreign, why, name);
  }
});
