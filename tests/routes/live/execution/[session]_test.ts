import assert from "node:assert/strict";
import { sessionFilePath } from "../../../../execution/log_root.ts";
import { formatWireTimestamp } from "../../../../execution/wire_time.ts";
import { followStart } from "../../../../live/follow_start.ts";
import { createApp } from "../../../../server/app.ts";
import { appendEvents, BASE_MICROS, demoEvents, wireEvent, withLogDir } from "../../fixtures.ts";

const HOSTILE_SYMBOL = "<img src=x onerror=alert(1)>";
const HOSTILE_TEXT = "</script><script>alert(2)</script>";

/** Every `<script …>` opening tag in `html`. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/gi) ?? [];
}

/** The timeline island's record in the props block of a page (the header's theme switch aside). */
function islandProps(
  html: string,
): { id: string; name: string; props: Record<string, unknown> }[] {
  const m = /<script type="application\/json" id="__islands">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "the page carries the islands' props as a JSON data block");
  return (JSON.parse(m[1]) as { id: string; name: string; props: Record<string, unknown> }[])
    .filter((island) => island.name !== "ThemeToggle");
}

Deno.test("the timeline page renders the island with its props as a JSON data block and no inline script", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 7));
    const res = await createApp({ logDir: dir }).request("/live/execution/s1");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Execution Timeline – s1<\/title>/);
    for (const tag of scriptTags(html)) {
      assert.ok(
        /type="application\/json"/.test(tag) ||
          /type="module" src="\/static\/islands\.js/.test(tag) ||
          /^<script src="\/static\/theme\.js\?v=[^"]+">$/.test(tag),
        `only data blocks and external scripts: ${tag}`,
      );
    }
    const [island] = islandProps(html);
    assert.equal(island.name, "ExecutionTimeline");
    assert.equal((island.props.rows as unknown[]).length, 7);
    assert.match(html, new RegExp(`data-island="${island.id}"`));
    assert.match(html, /class="badge kind-fill"/);
    assert.match(html, /Showing 7 events \(newest first\)/);
  });
});

Deno.test("hostile symbols and payloads are escaped in the page and in the props block", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "xss", [
      wireEvent("xss", 1, "error", HOSTILE_SYMBOL, {
        error: HOSTILE_TEXT,
        code: "X",
        stacktrace: "\u2028\u2029<!--",
      }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/xss")).text();
    assert.ok(!html.includes(HOSTILE_SYMBOL), "the symbol never appears as markup");
    assert.ok(!html.includes("<script>alert(2)"), "the payload never opens a script");
    assert.ok(!html.includes("<!--"), "no comment opener from the payload");
    const block =
      /<script type="application\/json" id="__islands">([\s\S]*?)<\/script>/.exec(html)![1];
    assert.ok(!/[\u2028\u2029<>]/.test(block), "<, > and line separators are escaped in the data");
    assert.match(html, /<td class="symbol">&lt;img src=x onerror=alert\(1\)>/);
    const [island] = islandProps(html);
    const row = (island.props.rows as { symbol: string; details: { error: string } }[])[0];
    assert.equal(row.symbol, HOSTILE_SYMBOL, "the data survives the round trip exactly");
    assert.equal(row.details.error, HOSTILE_TEXT);
  });
});

Deno.test("the filter bar works as a plain GET form: kind and symbol filter the rendered rows", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 20));
    const html = await (await createApp({ logDir: dir }).request(
      "/live/execution/s1?kind=fill&symbol=BTC-USD&limit=50",
    )).text();
    const kinds = [...html.matchAll(/<tr data-kind="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(kinds.length > 0);
    assert.ok(kinds.every((k) => k === "fill"));
    assert.match(html, /<form class="filters" method="get" action="\/live\/execution\/s1"/);
    assert.match(html, /<input type="checkbox" name="kind" value="fill" checked/);
    assert.match(html, /name="symbol" value="BTC-USD"/);
  });
});

Deno.test("the timeline page links to older events by cursor", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10));
    const app = createApp({ logDir: dir });
    const html = await (await app.request("/live/execution/s1?limit=4")).text();
    const href = /<a class="older" href="([^"]+)"/.exec(html)?.[1].replaceAll("&amp;", "&");
    assert.ok(href, "an older link is rendered");
    assert.match(href, /before=\d+/);
    const older = await (await app.request(href)).text();
    const offsetsFirst = [...html.matchAll(/data-offset="(\d+)"/g)].map((m) => m[1]);
    const offsetsOlder = [...older.matchAll(/data-offset="(\d+)"/g)].map((m) => m[1]);
    assert.equal(offsetsOlder.length, 4);
    assert.ok(offsetsOlder.every((o) => !offsetsFirst.includes(o)));
  });
});

Deno.test("a missing session says so plainly on the page", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/live/execution/ghost");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /No execution log found for session ghost/);
  });
});

Deno.test("an empty session file says it has no events yet", async () => {
  await withLogDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/empty.jsonl`, "");
    const html = await (await createApp({ logDir: dir }).request("/live/execution/empty")).text();
    assert.match(html, /This session has no events yet/);
  });
});

Deno.test("a bad limit on the page answers 400 with the page and a message", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const res = await createApp({ logDir: dir }).request("/live/execution/s1?limit=5000");
    assert.equal(res.status, 400);
    assert.match(await res.text(), /limit: expected 1 to 1000/);
  });
});

Deno.test("the timeline page applies since/until like the API and keeps them in the filter bar", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 10)); // ts = BASE + seq seconds
    const since = formatWireTimestamp(BASE_MICROS + 3_000_000);
    const until = formatWireTimestamp(BASE_MICROS + 6_000_000);
    const query = new URLSearchParams({ since, until });
    const res = await createApp({ logDir: dir }).request(`/live/execution/s1?${query}`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const props = islandProps(html)[0].props;
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
    const props = islandProps(html)[0].props;
    assert.equal((props.filters as Record<string, unknown>).since, "yesterday", "kept to be fixed");
    assert.equal((props.rows as unknown[]).length, 3, "the rows are shown unbounded");
  });
});

Deno.test("a blocked gate row shows its code and reason without opening the payload; passes do not", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [
      wireEvent("s1", 1, "gate", "BTC-USD", {
        gate_name: "MinNotional",
        passed: false,
        code: "NOTIONAL_BELOW_MIN",
        reason: "Notional $5.00 below min $10.00 <b>",
        modified_qty: null,
      }),
      wireEvent("s1", 2, "gate", "BTC-USD", {
        gate_name: "PriceSanity",
        passed: true,
        code: "PRICE_OK",
        reason: "Price OK",
        modified_qty: null,
      }),
      // The original's shape: `decision` instead of `passed`.
      wireEvent("s1", 3, "gate", "ETH-USD", { gate: "Legacy", decision: "BLOCK", reason: "old" }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    const reasons = [...html.matchAll(/<span class="block-reason">([^<]*)<\/span>/g)].map((m) =>
      m[1]
    );
    assert.deepEqual(reasons, [
      "old",
      "NOTIONAL_BELOW_MIN: Notional $5.00 below min $10.00 &lt;b>",
    ]);
  });
});

Deno.test("the fills and fees cards show dollar amounts as the descriptions and the CLI do", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [
      wireEvent("s1", 1, "fill", "BTC-USD", {
        client_id: "c1",
        side: "buy",
        filled_quantity: 0.5,
        fill_price: 100_010,
        fill_notional: 50_005,
        fill_fee: 1.25,
      }),
    ]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    assert.match(
      html,
      /<span class="card-label">Fill notional<\/span><span class="card-value card-value-long">\$50,005\.00</,
    );
    assert.match(html, /<span class="card-label">Fees<\/span><span class="card-value">\$1\.2500</);
  });
});

Deno.test("the timeline table has an accessible name", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", [wireEvent("s1", 1, "intent", "BTC-USD")]);
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    assert.match(
      html,
      /<table class="timeline"><caption>Execution events, newest first \(/,
    );
  });
});

Deno.test("a since later than until on the page answers 400 naming since and keeps both as typed", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const since = formatWireTimestamp(BASE_MICROS + 4_000_000);
    const until = formatWireTimestamp(BASE_MICROS + 2_000_000);
    const query = new URLSearchParams({ since, until, kind: "fill" });
    const res = await createApp({ logDir: dir }).request(`/live/execution/s1?${query}`);
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /class="error" role="alert">since: [^<]* is after until /);
    const [island] = islandProps(html);
    const filters = island.props.filters as Record<string, unknown>;
    assert.equal(filters.since, since);
    assert.equal(filters.until, until);
    const rows = island.props.rows as { kind: string }[];
    assert.deepEqual(rows.map((r) => r.kind), ["fill"], "the other filters still apply");
  });
});

Deno.test("the page's live follow starts where followStart starts, before a torn tail", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 3));
    const path = sessionFilePath(dir, "s1");
    await Deno.writeTextFile(path, '{"ts": "2026-11-25T09:31:00', { append: true });
    const html = await (await createApp({ logDir: dir }).request("/live/execution/s1")).text();
    const [island] = islandProps(html);
    assert.equal(island.props.followFrom, await followStart(path));
    assert.ok((island.props.followFrom as number) < (await Deno.stat(path)).size);
  });
});
