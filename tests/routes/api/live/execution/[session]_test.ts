import assert from "node:assert/strict";
import { sessionFilePath } from "../../../../../execution/log_root.ts";
import { followStart } from "../../../../../live/follow_start.ts";
import { getExecutionSummary } from "../../../../../live/summary.ts";
import { createApp } from "../../../../../server/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "../../../fixtures.ts";

interface TimelineBody {
  session_id: string;
  timeline: { ts: string; kind: string; symbol: string; description: string; offset: number }[];
  summary: { found: boolean; event_count: number; kind_counts: Record<string, number> };
  filters: { kind: string | null; kinds: string[]; symbol: string | null; limit: number };
  count: number;
  next_before: number | null;
  follow_from: number;
}

Deno.test("timeline API answers the original's shape, newest first, with a cursor", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 12));
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1?limit=5");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json() as TimelineBody;
    assert.deepEqual(Object.keys(body).sort(), [
      "count",
      "filters",
      "follow_from",
      "next_before",
      "session_id",
      "summary",
      "timeline",
    ]);
    assert.equal(body.session_id, "s1");
    assert.equal(body.count, 5);
    assert.equal(body.timeline.length, 5);
    assert.equal(body.filters.limit, 5);
    assert.equal(body.filters.kind, null);
    assert.equal(body.summary.found, true);
    assert.equal(body.summary.event_count, 12);
    const offsets = body.timeline.map((r) => r.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => b - a), "newest first");
    assert.equal(typeof body.next_before, "number");
  });
});

Deno.test("timeline API follow_from is the end of the last complete line, before a torn tail", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const size = await appendEvents(dir, "s1", demoEvents("s1", 4));
    const whole = await (await app.request("/api/live/execution/s1?kind=fill")).json();
    assert.equal(whole.follow_from, size);
    // A line being written: live follow must start before it, or the line would be skipped.
    await Deno.writeTextFile(`${dir}/s1.jsonl`, '{"ts": "2026-11-25T09:31:00', { append: true });
    const torn = await (await app.request("/api/live/execution/s1?kind=fill")).json();
    assert.equal(torn.follow_from, size);
    const missing = await (await app.request("/api/live/execution/nope")).json();
    assert.equal(missing.follow_from, 0);
  });
});

Deno.test("timeline API pages to older rows by cursor without overlap or gap", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 9));
    const app = createApp({ logDir: dir });
    const first = await (await app.request("/api/live/execution/s1?limit=4"))
      .json() as TimelineBody;
    const second = await (await app.request(
      `/api/live/execution/s1?limit=4&before=${first.next_before}`,
    )).json() as TimelineBody;
    const third = await (await app.request(
      `/api/live/execution/s1?limit=4&before=${second.next_before}`,
    )).json() as TimelineBody;
    const all = [...first.timeline, ...second.timeline, ...third.timeline].map((r) => r.offset);
    assert.equal(all.length, 9);
    assert.equal(new Set(all).size, 9);
    assert.equal(third.next_before, null);
  });
});

Deno.test("timeline API filters by repeated kind and by symbol before the limit", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 50));
    const app = createApp({ logDir: dir });
    const kinds = await (await app.request(
      "/api/live/execution/s1?kind=fill&kind=gate&limit=1000",
    )).json() as TimelineBody;
    assert.equal(kinds.count, 20);
    assert.ok(kinds.timeline.every((r) => r.kind === "fill" || r.kind === "gate"));
    assert.deepEqual(kinds.filters.kinds, ["fill", "gate"]);
    assert.equal(kinds.filters.kind, "fill,gate");

    const single = await (await app.request("/api/live/execution/s1?kind=error&limit=3"))
      .json() as TimelineBody;
    assert.equal(single.count, 3, "filter applies before the limit");
    assert.equal(single.filters.kind, "error");

    const symbol = await (await app.request("/api/live/execution/s1?symbol=ETH-USD&limit=1000"))
      .json() as TimelineBody;
    assert.equal(symbol.count, 25);
    assert.ok(symbol.timeline.every((r) => r.symbol === "ETH-USD"));
  });
});

Deno.test("timeline API filters by since and until and refuses an unreadable bound", async () => {
  await withLogDir(async (dir) => {
    const events = demoEvents("s1", 10);
    await appendEvents(dir, "s1", events);
    const app = createApp({ logDir: dir });
    const since = encodeURIComponent(events[3].ts);
    const until = encodeURIComponent(events[6].ts);
    const body = await (await app.request(`/api/live/execution/s1?since=${since}&until=${until}`))
      .json() as TimelineBody;
    assert.equal(body.count, 4);
    const bad = await app.request("/api/live/execution/s1?since=yesterday");
    assert.equal(bad.status, 400);
    const err = await bad.json();
    assert.equal(typeof err.error, "string");
    assert.match(err.detail, /since/);
  });
});

Deno.test("timeline API refuses a limit outside 1-1000 with 400 JSON", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const app = createApp({ logDir: dir });
    for (const limit of ["0", "1001", "-1", "abc", "1.5", "1e3"]) {
      const res = await app.request(`/api/live/execution/s1?limit=${limit}`);
      assert.equal(res.status, 400, `limit=${limit}`);
      const body = await res.json();
      assert.equal(body.error, "invalid_limit");
      assert.match(body.detail, /1 to 1000/);
    }
    for (const limit of ["1", "1000"]) {
      assert.equal((await app.request(`/api/live/execution/s1?limit=${limit}`)).status, 200);
    }
  });
});

Deno.test("timeline API refuses a malformed cursor and kind with 400", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const cursor = await app.request("/api/live/execution/s1?before=-5");
    assert.equal(cursor.status, 400);
    assert.match((await cursor.json()).detail, /before/);
    const kind = await app.request("/api/live/execution/s1?kind=%3Cscript%3E");
    assert.equal(kind.status, 400);
    assert.equal((await kind.json()).error, "invalid_kind");
  });
});

Deno.test("a session with no file answers 200 with found false and no rows", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const res = await app.request("/api/live/execution/nothing-here");
    assert.equal(res.status, 200);
    const body = await res.json() as TimelineBody;
    assert.deepEqual(body.timeline, []);
    assert.equal(body.count, 0);
    assert.equal(body.summary.found, false);
    const summary = await app.request("/api/live/execution/nothing-here/summary");
    assert.equal(summary.status, 200);
    assert.equal((await summary.json()).found, false);
  });
});

Deno.test("API answers are not cached", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1");
    await res.body?.cancel();
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
  });
});

Deno.test("timeline API answers reflect an append immediately, cached or not", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const app = createApp({ logDir: dir });
    const url = "/api/live/execution/s1?limit=1000";
    const first = await (await app.request(url)).json() as TimelineBody;
    const again = await (await app.request(url)).json() as TimelineBody;
    assert.deepEqual(again, first);
    await appendEvents(dir, "s1", [wireEvent("s1", 6, "fill")]);
    const after = await (await app.request(url)).json() as TimelineBody;
    assert.equal(after.count, 6);
    assert.equal(after.summary.event_count, 6);
    assert.equal(after.timeline[0].kind, "fill");
  });
});

Deno.test("concurrent identical timeline requests all get the same full answer", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 30));
    const app = createApp({ logDir: dir });
    const bodies = await Promise.all(
      Array.from(
        { length: 8 },
        async () => await (await app.request("/api/live/execution/s1?limit=7")).text(),
      ),
    );
    assert.equal(new Set(bodies).size, 1);
    assert.equal((JSON.parse(bodies[0]) as TimelineBody).count, 7);
  });
});

Deno.test("timeline API refuses a since later than until with 400 naming since", async () => {
  await withLogDir(async (dir) => {
    const events = demoEvents("s1", 10);
    await appendEvents(dir, "s1", events);
    const query = new URLSearchParams({ since: events[6].ts, until: events[3].ts });
    const res = await createApp({ logDir: dir }).request(`/api/live/execution/s1?${query}`);
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error, "invalid_since");
    assert.match(body.detail, /^since: .* is after until /);
  });
});

Deno.test("timeline API follow_from is where followStart starts, torn tail or not", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const path = sessionFilePath(dir, "s1");
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    for (const tail of ["", '{"ts": "2026-11-25T09:31:00']) {
      await Deno.writeTextFile(path, tail, { append: true });
      const body = await (await app.request("/api/live/execution/s1")).json() as TimelineBody;
      const summary = await getExecutionSummary("s1", { baseDir: dir });
      assert.equal(body.follow_from, await followStart(path, summary), `tail ${tail}`);
      assert.equal(body.follow_from, await followStart(path), `tail ${tail}`);
    }
  });
});

Deno.test("timeline API answers carry an ETag and answer 304 to If-None-Match until the file changes", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const app = createApp({ logDir: dir });
    const url = "/api/live/execution/s1?limit=10";
    const first = await app.request(url);
    const etag = first.headers.get("etag");
    assert.ok(etag !== null && /^"[A-Za-z0-9_-]+"$/.test(etag), String(etag));
    await first.body?.cancel();
    const again = await app.request(url, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("etag"), etag);
    assert.equal(await again.text(), "");
    await appendEvents(dir, "s1", demoEvents("s1", 1));
    const changed = await app.request(url, { headers: { "if-none-match": etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get("etag"), etag);
    assert.equal(((await changed.json()) as TimelineBody).summary.event_count, 6);
  });
});
