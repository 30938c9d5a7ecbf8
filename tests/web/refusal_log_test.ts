import assert from "node:assert/strict";
import { RefusalLog } from "../../web/refusal_log.ts";

Deno.test("a refusal is one line with the prefix, line breaks in the reason replaced", () => {
  const lines: string[] = [];
  const log = new RefusalLog({ write: (line) => lines.push(line) });
  log.refused("400 invalid_host from 192.0.2.7: bad\r\nsecond line");
  assert.deepEqual(lines, ["dashboard: refused 400 invalid_host from 192.0.2.7: bad second line"]);
});

Deno.test("refusals beyond the rate are counted and the count rides on the next line written", () => {
  const lines: string[] = [];
  let now = 0;
  const log = new RefusalLog({
    write: (line) => lines.push(line),
    maxPerSecond: 2,
    now: () => now,
  });
  for (let i = 0; i < 10; i++) log.refused(`r${i}`);
  assert.equal(lines.length, 2);
  now = 1000;
  log.refused("later");
  assert.equal(lines.length, 3);
  assert.match(lines[2], /later \(8 more refusals were not logged\)$/);
});
