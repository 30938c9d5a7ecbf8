import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { exportTimeline } from "../../live/timeline_export.ts";
import { parseTimelineQuery } from "../../live/timeline_query.ts";
import { sessionLines, withRotatedAndReference, withTempDir } from "./helpers.ts";

async function text(body: ReadableStream<Uint8Array> | null): Promise<string | null> {
  return body === null ? null : await new Response(body).text();
}

Deno.test("the export of a rotated session covers every segment, as the same bytes in one file", async () => {
  const lines = sessionLines("r", 1200);
  await withRotatedAndReference("r", lines, 16 * 1024, async (rotated, reference) => {
    for (const format of ["csv", "jsonl"] as const) {
      for (const query of [parseTimelineQuery({}), parseTimelineQuery({ blocked: "1" })]) {
        const got = await text(await exportTimeline("r", query, format, { baseDir: rotated }));
        const want = await text(await exportTimeline("r", query, format, { baseDir: reference }));
        assert.equal(got, want);
      }
    }
    const all = await text(
      await exportTimeline("r", parseTimelineQuery({}), "jsonl", {
        baseDir: rotated,
      }),
    );
    const rows = all!.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(rows.length, 1200);
    assert.deepEqual(rows.map((r) => r.seq), rows.map((_, i) => i + 1), "oldest first, in order");
  });
});

Deno.test("a whole-session archive is exported; a missing session is null", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/old.jsonl.gz`, gzipSync(sessionLines("old", 10)));
    const csv = await text(
      await exportTimeline("old", parseTimelineQuery({}), "csv", {
        baseDir: dir,
      }),
    );
    assert.equal(csv!.trimEnd().split("\n").length, 11, "a header and ten rows");
    assert.equal(
      await exportTimeline("none", parseTimelineQuery({}), "csv", { baseDir: dir }),
      null,
    );
  });
});
