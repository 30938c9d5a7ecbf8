import assert from "node:assert/strict";
import { createApp } from "../../../../../../server/app.ts";
import { appendEvents, demoEvents, parseCsv, wireEvent, withLogDir } from "../../../../fixtures.ts";

Deno.test("a CSV export holds every filtered event oldest first, as an attachment", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 20));
    const res = await createApp({ logDir: dir }).request(
      "/api/live/execution/s1/export?format=csv&kind=fill",
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
    assert.equal(
      res.headers.get("content-disposition"),
      'attachment; filename="s1_filtered.csv"',
    );
    const rows = parseCsv(await res.text());
    assert.deepEqual(rows[0], [
      "ts",
      "session_id",
      "seq",
      "kind",
      "symbol",
      "mode",
      "description",
      "details",
    ]);
    assert.deepEqual(rows.slice(1).map((r) => r[2]), ["4", "9", "14", "19"]);
    assert.ok(rows.slice(1).every((r) => r[3] === "fill" && r[5] === "paper"));
    assert.equal(JSON.parse(rows[1][7]).fill_notional, 50005);
  });
});

Deno.test("CSV export cells that could be spreadsheet formulas are neutralised", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [
      wireEvent("s1", 1, "error", '=HYPERLINK("http://x")', {
        error: "+cmd|' /C calc'!A0",
        code: "X",
        stacktrace: null,
      }),
      wireEvent("s1", 2, "intent", "@SUM(A1)"),
      wireEvent("s1", 3, "intent", "-2+3"),
    ]);
    const rows = parseCsv(
      await (await createApp({ logDir: dir }).request("/api/live/execution/s1/export")).text(),
    );
    assert.deepEqual(rows.slice(1).map((r) => r[4]), [
      '\'=HYPERLINK("http://x")',
      "'@SUM(A1)",
      "'-2+3",
    ]);
    for (const row of rows) {
      for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@]/, `cell ${cell}`);
    }
  });
});

Deno.test("a JSONL export is one timeline row per line; no file is a 404, a bad format a 400", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const app = createApp({ logDir: dir });
    const res = await app.request("/api/live/execution/s1/export?format=jsonl");
    assert.equal(res.headers.get("content-disposition"), 'attachment; filename="s1.jsonl"');
    const rows = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal((await app.request("/api/live/execution/none/export")).status, 404);
    const bad = await app.request("/api/live/execution/s1/export?format=xlsx");
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, "invalid_format");
  });
});
