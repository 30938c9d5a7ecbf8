import assert from "node:assert/strict";
import { SessionAggregates } from "../../live/session_aggregate.ts";
import { SummaryState } from "../../execution/wire/summary_state.ts";
import type { ScannedEvent } from "../../execution/wire/line_scan.ts";
import type { ScanSink } from "../../execution/wire/summary_state.ts";
import {
  append,
  rotateNow,
  sessionLines,
  withRotatedAndReference,
  withTempDir,
} from "./helpers.ts";

/** An aggregate that only counts events (and cannot take a manifest summary). */
class Counter implements ScanSink {
  consumed = 0;
  totalLines = 0;
  invalidLines = 0;
  oversizedLines = 0;
  events = 0;
  add(_e: ScannedEvent): void {
    this.events++;
  }
}

const TEXT = sessionLines("r", 1200);
const BYTES = new TextEncoder().encode(TEXT).length;

Deno.test("closed segments count through their manifest summaries, without being read", async () => {
  await withRotatedAndReference("r", TEXT, 16 * 1024, async (rotated) => {
    const summaries = new SessionAggregates<SummaryState>({
      create: () => new SummaryState(),
      capacity: 4,
      mergeSummary: (sink, part) => sink.absorb(part),
    });
    const read = await summaries.read(rotated, "r", (r) => r);
    assert.equal(read?.sink.validEvents, 1200);
    assert.equal(read?.size, BYTES);
    const active = Deno.statSync(`${rotated}/r.jsonl`).size;
    assert.equal(summaries.bytesRead, active, "only the active file was read");
  });
});

Deno.test("an aggregate without summaries reads each segment once, then only what was appended", async () => {
  await withRotatedAndReference("r", TEXT, 16 * 1024, async (rotated) => {
    const counts = new SessionAggregates({ create: () => new Counter(), capacity: 4 });
    assert.equal(await counts.read(rotated, "r", (r) => r?.sink.events), 1200);
    assert.equal(counts.bytesRead, BYTES, "every byte once");
    const more = sessionLines("r", 10, 1200);
    await append(`${rotated}/r.jsonl`, more);
    assert.equal(await counts.read(rotated, "r", (r) => r?.sink.events), 1210);
    assert.equal(counts.bytesRead, BYTES + new TextEncoder().encode(more).length);
  });
});

Deno.test("a rotation is read on; a replaced active file restarts the aggregate", async () => {
  await withTempDir(async (dir) => {
    const counts = new SessionAggregates({ create: () => new Counter(), capacity: 4 });
    const look = () => counts.read(dir, "s", (r) => [r?.sink.events, r?.restarted]);
    await append(`${dir}/s.jsonl`, sessionLines("s", 10));
    assert.deepEqual(await look(), [10, false]);
    await rotateNow(dir, "s");
    await append(`${dir}/s.jsonl`, sessionLines("s", 5, 10));
    assert.deepEqual(await look(), [15, false], "the segment is not counted again");
    // Another file under the active name, starting where the old one did: not growth.
    await Deno.writeTextFile(`${dir}/staged`, sessionLines("s", 8, 100));
    await Deno.rename(`${dir}/staged`, `${dir}/s.jsonl`);
    assert.deepEqual(await look(), [18, true], "the segment (10) and the new file (8)");
  });
});

Deno.test("an active file truncated below the position restarts; a missing session is null", async () => {
  await withTempDir(async (dir) => {
    const counts = new SessionAggregates({ create: () => new Counter(), capacity: 4 });
    await append(`${dir}/s.jsonl`, sessionLines("s", 10));
    assert.equal(await counts.read(dir, "s", (r) => r?.sink.events), 10);
    await Deno.writeTextFile(`${dir}/s.jsonl`, sessionLines("s", 2));
    assert.deepEqual(await counts.read(dir, "s", (r) => [r?.sink.events, r?.restarted]), [
      2,
      true,
    ]);
    assert.equal(await counts.read(dir, "none", (r) => r), null);
  });
});
