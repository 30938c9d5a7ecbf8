import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  parseTelemetryCursor,
  queryTelemetry,
  telemetrySessions,
} from "../../live/telemetry_query.ts";
import { parseTimelineQuery } from "../../live/timeline_query.ts";
import { segmentDir } from "../../execution/telemetry/segments.ts";
import { sessionLines, withRotatedAndReference, withTempDir } from "./helpers.ts";

Deno.test("the telemetry query reads a rotated session across its segments, with logical cursors", async () => {
  const lines = sessionLines("r", 1200);
  await withRotatedAndReference("r", lines, 16 * 1024, async (rotated, reference) => {
    const filter = parseTimelineQuery({ kinds: ["fill"] });
    // Small pages and a small byte budget: the cursor crosses segments.
    const pages = async (baseDir: string) => {
      const out = [];
      let cursor = null;
      do {
        const answer = await queryTelemetry({
          baseDir,
          filter,
          limit: 70,
          cursor,
          scanBytes: 20_000,
        });
        out.push(answer);
        cursor = answer.next_cursor === null ? null : parseTelemetryCursor(answer.next_cursor);
      } while (cursor !== null);
      return out;
    };
    // Page boundaries follow the byte budget, which a rotated session meets at its parts' ends:
    // the rows, their order and their content are the same.
    const got = (await pages(rotated)).flatMap((a) => a.timeline);
    assert.deepEqual(got, (await pages(reference)).flatMap((a) => a.timeline));
    const fills = got;
    assert.equal(fills.length, 300);
    assert.equal(new Set(fills.map((e) => e.ts)).size, 300, "each fill once");
  });
});

Deno.test("the telemetry query lists and reads rotated sessions without an active file, and archives", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/old.jsonl.gz`, gzipSync(sessionLines("old", 8)));
    await Deno.mkdir(segmentDir(dir, "seg"), { recursive: true });
    await Deno.writeTextFile(`${segmentDir(dir, "seg")}/000001.jsonl`, sessionLines("seg", 4));
    await Deno.writeTextFile(`${dir}/live.jsonl`, sessionLines("live", 4));
    assert.deepEqual(await telemetrySessions(dir), ["live", "old", "seg"]);
    const answer = await queryTelemetry({
      baseDir: dir,
      filter: parseTimelineQuery({}),
      limit: 100,
    });
    assert.equal(answer.summary.total_events, 16);
    assert.deepEqual(answer.summary.unique_sessions, ["live", "old", "seg"]);
  });
});
