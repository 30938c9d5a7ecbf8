import assert from "node:assert/strict";
import { createApp } from "../../web/app.ts";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import { appendEvents, BASE_MICROS, demoEvents, withLogDir } from "./fixtures.ts";

/** The timeline island's props of a page. */
function islandProps(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="__islands">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "the page carries the island's props");
  return JSON.parse(m[1])[0].props;
}

Deno.test("the timeline page applies since/until like the API and keeps them in the filter bar", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10)); // ts = BASE + seq seconds
    const since = formatWireTimestamp(BASE_MICROS + 3_000_000);
    const until = formatWireTimestamp(BASE_MICROS + 6_000_000);
    const query = new URLSearchParams({ since, until });
    const res = await createApp({ logDir: dir }).request(`/live/execution/s1?${query}`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const props = islandProps(html);
    const rows = props.rows as { seq: number }[];
    assert.deepEqual(rows.map((r) => r.seq), [6, 5, 4, 3]);
    const filters = props.filters as Record<string, unknown>;
    assert.equal(filters.since, since);
    assert.equal(filters.until, until);
    assert.match(html, /<input type="text" name="since" value="[^"]+"/);
    assert.match(html, /<input type="text" name="until" value="[^"]+"/);
    assert.match(html, /Showing 4 events/);
  });
});

Deno.test("an unreadable since on the page answers 400 with the message, not a silently ignored filter", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const res = await createApp({ logDir: dir }).request("/live/execution/s1?since=yesterday");
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /class="error" role="alert">since: cannot read &quot;yesterday&quot;/);
    assert.match(html, /2026-11-25T09:30:00Z/, "the message shows what to type instead");
    const props = islandProps(html);
    assert.equal((props.filters as Record<string, unknown>).since, "yesterday", "kept to be fixed");
    assert.equal((props.rows as unknown[]).length, 3, "the rows are shown unbounded");
  });
});
