import assert from "node:assert/strict";
import { createApp } from "../../../server/app.ts";
import { appendEvents, demoEvents, wireEvent, withLogDir } from "../fixtures.ts";

Deno.test("/api/telemetry answers the original's shape over every session, oldest first", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "a", demoEvents("a", 10));
    await appendEvents(dir, "b", demoEvents("b", 10));
    const res = await createApp({ logDir: dir }).request("/api/telemetry?type=fill&limit=10");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).slice(0, 4), ["summary", "timeline", "query", "stats"]);
    assert.equal(body.summary.total_events, 4);
    assert.deepEqual(body.summary.counts_by_type, { fill: 4 });
    assert.deepEqual(body.summary.unique_sessions, ["a", "b"]);
    assert.deepEqual(body.timeline.map((e: { session_id: string }) => e.session_id), [
      "a",
      "a",
      "b",
      "b",
    ]);
    const fill = body.timeline[0];
    assert.equal(fill.type, "fill");
    assert.equal(fill.order_id, "c4");
    assert.equal(fill.fill_fee, 1.25);
    assert.match(fill.description, /^Fill: /);
    assert.deepEqual(body.query, {
      session_id: null,
      type: "fill",
      symbol: null,
      from: null,
      to: null,
      limit: 10,
      cursor: null,
    });
    assert.equal(body.stats.total_lines, 20);
    assert.equal(body.stats.valid_events, 20);
    assert.equal(body.stats.error_rate, 0);
  });
});

Deno.test("/api/telemetry compares from/to as instants and leaves out events without ts", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "a", demoEvents("a", 10)); // seq n at 09:30:00 + n s
    await Deno.writeTextFile(`${dir}/a.jsonl`, '{"kind":"fill","payload":{}}\n', { append: true });
    const res = await createApp({ logDir: dir }).request(
      "/api/telemetry?session_id=a&from=2026-11-25T10:30:03%2B01:00&to=2026-11-25T09:30:05.000000Z",
    );
    const body = await res.json();
    assert.deepEqual(body.timeline.map((e: { ts: string }) => e.ts.slice(11, 19)), [
      "09:30:03",
      "09:30:04",
      "09:30:05",
    ]);
  });
});

Deno.test("/api/telemetry pages with a cursor: every event once across pages", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "a", demoEvents("a", 7));
    await appendEvents(dir, "b", demoEvents("b", 6));
    const app = createApp({ logDir: dir });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({ limit: "4" });
      if (cursor !== null) query.set("cursor", cursor);
      const body: { timeline: { session_id: string; ts: string }[]; next_cursor: string | null } =
        await (await app.request(`/api/telemetry?${query}`)).json();
      seen.push(...body.timeline.map((e) => `${e.session_id}@${e.ts}`));
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    assert.equal(seen.length, 13);
    assert.equal(new Set(seen).size, 13);
  });
});

Deno.test("/api/telemetry?format=csv is always CSV with the original's columns and name", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "a", [wireEvent("a", 1, "fill"), wireEvent("a", 2, "intent")]);
    const app = createApp({ logDir: dir });
    const res = await app.request("/api/telemetry?session_id=a&type=fill&format=csv");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
    assert.equal(
      res.headers.get("content-disposition"),
      'attachment; filename="telemetry_a_fill.csv"',
    );
    const lines = (await res.text()).split("\r\n");
    assert.equal(lines[0], "ts,kind,symbol,session_id,description,details");
    const cells = lines[1].split(",");
    assert.equal(cells[1], "fill");
    assert.equal(cells[2], "BTC-USD");
    assert.equal(cells[3], "a");
    assert.match(lines[1], /Fill: 0\.500000/);
    assert.match(lines[1], /fill_notional/);
    const none = await app.request("/api/telemetry?type=error&format=csv");
    assert.match(none.headers.get("content-type") ?? "", /^text\/csv/);
    assert.equal(
      none.headers.get("content-disposition"),
      'attachment; filename="telemetry_all_error.csv"',
    );
    assert.equal(await none.text(), "ts,kind,symbol,session_id,description,details\r\n");
  });
});

Deno.test("/api/telemetry refuses a bad limit, format, session id or cursor, and 404s a missing session", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    assert.equal((await app.request("/api/telemetry")).status, 404, "no logs at all");
    await appendEvents(dir, "a", demoEvents("a", 2));
    for (
      const [query, error] of [
        ["limit=0", "invalid_limit"],
        ["limit=2001", "invalid_limit"],
        ["format=xml", "invalid_format"],
        ["session_id=../../etc/passwd", "invalid_session_id"],
        ["cursor=nope", "invalid_cursor"],
        ["from=yesterday", "invalid_since"],
      ]
    ) {
      const res = await app.request(`/api/telemetry?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).error, error, query);
    }
    const missing = await app.request("/api/telemetry?session_id=zzz");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).detail, "Session log not found: zzz");
  });
});

Deno.test("/api/telemetry answers for a session without an active file: rotated or archived", async () => {
  await withLogDir(async (dir) => {
    const { gzipSync } = await import("node:zlib");
    const text = demoEvents("old", 10).map((e) => JSON.stringify(e) + "\n").join("");
    await Deno.writeFile(`${dir}/old.jsonl.gz`, gzipSync(text));
    const res = await createApp({ logDir: dir }).request("/api/telemetry?session_id=old&type=fill");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).summary.total_events, 2, "the fills of ten events");
    const missing = await createApp({ logDir: dir }).request("/api/telemetry?session_id=none");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });
});
