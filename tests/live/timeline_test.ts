import assert from "node:assert/strict";
import { getExecutionTimeline } from "../../live/timeline.ts";
import { UNKNOWN_KIND } from "../../execution/wire/line_decoder.ts";
import { InvalidSessionIdError } from "../../execution/session_id.ts";
import {
  append,
  FIXTURES,
  REFUSED_SESSION_IDS,
  sessionLines,
  tsAt,
  wireLine,
  withTempDir,
} from "./helpers.ts";

Deno.test("getExecutionTimeline returns rows newest first by file order with normalised ts", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 10));
    const page = await getExecutionTimeline("s", { baseDir: dir, limit: 3 });
    assert.equal(page.found, true);
    assert.deepEqual(page.timeline.map((r) => r.seq), [10, 9, 8]);
    assert.equal(page.timeline[0].ts, tsAt(9));
    assert.equal(page.timeline[0].description, "Gate [LotSize]: ❌ BLOCK");
    assert.equal(page.timeline[1].description, "Intent: BUY 1.000000 @ $108.00");
  });
});

Deno.test("getExecutionTimeline applies the kind filter before the limit", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 400));
    const page = await getExecutionTimeline("s", { baseDir: dir, kinds: ["fill"], limit: 50 });
    assert.equal(page.timeline.length, 50, "the last 50 fills are 50 fills");
    assert.ok(page.timeline.every((r) => r.kind === "fill"));
    assert.equal(page.timeline[0].seq, 400);
  });
});

Deno.test("getExecutionTimeline filters by symbol and by a since/until window in any offset", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const eth = await getExecutionTimeline("s", { baseDir: dir, symbol: "ETH-USD" });
    assert.equal(eth.timeline.length, 20);
    assert.ok(eth.timeline.every((r) => r.symbol === "ETH-USD"));
    // 09:30:10Z..09:30:12Z written as +01:00 and as a Date.
    const window = await getExecutionTimeline("s", {
      baseDir: dir,
      since: "2026-11-25T10:30:10+01:00",
      until: new Date(Date.UTC(2026, 10, 25, 9, 30, 12)),
    });
    assert.deepEqual(window.timeline.map((r) => r.seq), [13, 12, 11]);
  });
});

Deno.test("getExecutionTimeline pages to older rows with before until next_before is null", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 25));
    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await getExecutionTimeline("s", { baseDir: dir, limit: 10, before });
      seen.push(...page.timeline.map((r) => r.seq ?? -1));
      if (page.next_before === null) break;
      before = page.next_before;
    }
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => 25 - i));
  });
});

Deno.test("getExecutionTimeline pages filtered rows without repeating or skipping", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 200));
    const first = await getExecutionTimeline("s", { baseDir: dir, kinds: ["intent"], limit: 30 });
    assert.notEqual(first.next_before, null);
    const second = await getExecutionTimeline("s", {
      baseDir: dir,
      kinds: ["intent"],
      limit: 30,
      before: first.next_before!,
    });
    assert.equal(second.timeline[0].seq, first.timeline[29].seq! - 4);
    assert.equal(second.timeline.length, 20);
    assert.equal(second.next_before, null);
  });
});

Deno.test("getExecutionTimeline skips a torn tail, invalid lines and an oversized line", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, wireLine("s", { kind: "intent", seq: 1 }));
    await append(path, `{"kind":"gate","payload":"${"y".repeat(1_200_000)}"}\n`);
    await append(path, "garbage\n[1]\n");
    await append(path, new Uint8Array([0xc3, 0x28, 0x0a]));
    await append(path, wireLine("s", { kind: "fill", seq: 2 }).replace("\n", "\r\n"));
    await append(path, '{"ts":"2026-11-25T09:30:00.000000+00:00","kind":"order"');
    const page = await getExecutionTimeline("s", { baseDir: dir });
    assert.deepEqual(page.timeline.map((r) => r.seq), [2, 1]);
    assert.equal(page.next_before, null);
  });
});

Deno.test("getExecutionTimeline counts the lines it read in stats, not the whole file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    await append(path, "garbage\n".repeat(30) + sessionLines("s", 50) + "\n[1]\n" + '{"kind"');
    const recent = await getExecutionTimeline("s", { baseDir: dir, limit: 10 });
    // The torn tail, "[1]", the blank line and the 10 rows; the old garbage is never read.
    assert.deepEqual(recent.stats, {
      total_lines: 13,
      valid_events: 10,
      invalid_lines: 1,
      torn_lines: 1,
      oversized_lines: 0,
    });
    const all = await getExecutionTimeline("s", { baseDir: dir });
    assert.equal(all.stats.total_lines, 83);
    assert.equal(all.stats.invalid_lines, 31);
    assert.equal(all.stats.valid_events, 50);
  });
});

Deno.test("getExecutionTimeline reads files of the original and the 16D shapes", async () => {
  const py = await getExecutionTimeline("python_written", { baseDir: FIXTURES });
  assert.equal(py.timeline.length, 5);
  assert.equal(
    py.timeline[0].description,
    'HEARTBEAT: {"note":"Grüße €","limits":[null,null],"text":"NaN stays a string"}',
  );
  assert.equal(py.timeline[1].description, "Intent: SELL 0.000010 @ $nan");
  const golden = await getExecutionTimeline("golden_16d_style", {
    baseDir: FIXTURES,
    kinds: ["gate"],
  });
  assert.deepEqual(golden.timeline.map((r) => r.description), [
    "Gate [MinNotional]: ❌ BLOCK",
    "Gate [MinNotional]: ✅ PASS",
    "Gate [PriceSanity]: ✅ PASS",
  ]);
});

Deno.test("getExecutionTimeline answers found=false and no rows for a missing file", async () => {
  await withTempDir(async (dir) => {
    const page = await getExecutionTimeline("nobody", { baseDir: dir });
    assert.deepEqual(page, {
      session_id: "nobody",
      found: false,
      timeline: [],
      next_before: null,
      stats: {
        total_lines: 0,
        valid_events: 0,
        invalid_lines: 0,
        torn_lines: 0,
        oversized_lines: 0,
      },
    });
  });
});

Deno.test("getExecutionTimeline refuses invalid session ids before touching the disk", async () => {
  for (const id of [...REFUSED_SESSION_IDS, "../etc/passwd", ".hidden"]) {
    await assert.rejects(
      () => getExecutionTimeline(id, { baseDir: "/nonexistent" }),
      InvalidSessionIdError,
      id,
    );
  }
});

Deno.test("getExecutionTimeline refuses a bad limit, since or before with a RangeError", async () => {
  for (const limit of [0, -1, 1.5, NaN]) {
    await assert.rejects(
      () => getExecutionTimeline("s", { limit }),
      /limit: expected a positive integer/,
    );
  }
  await assert.rejects(() => getExecutionTimeline("s", { since: "last tuesday" }), RangeError);
  await assert.rejects(() => getExecutionTimeline("s", { until: "2026-02-30" }), RangeError);
  await assert.rejects(() => getExecutionTimeline("s", { before: -5 }), RangeError);
});

Deno.test("getExecutionTimeline filters across many blocks exactly like a full scan, page by page", async () => {
  await withTempDir(async (dir) => {
    // ~3 MB of lines of varying length, so matches straddle block boundaries; rare kinds scattered.
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lines: { kind: string; symbol: string; seq: number }[] = [];
    let text = "";
    for (let i = 1; i <= 12_000; i++) {
      const r = rand();
      const kind = r < 0.004
        ? "error"
        : r < 0.006
        ? "heartbeat"
        : ["intent", "gate", "order", "fill"][i % 4];
      const symbol = rand() < 0.1 ? "SOL-USD" : "BTC-USD";
      lines.push({ kind, symbol, seq: i });
      text += wireLine("s", {
        kind,
        symbol,
        seq: i,
        payload: { pad: "x".repeat(Math.floor(rand() * 400)) },
      });
    }
    await append(`${dir}/s.jsonl`, text + '{"kind":"error"'); // and a torn tail that must not count
    const cases: { kinds?: string[]; symbol?: string }[] = [
      { kinds: ["error"] },
      { kinds: ["error", "heartbeat"] },
      { symbol: "SOL-USD" },
      { kinds: ["error"], symbol: "SOL-USD" },
    ];
    for (const filter of cases) {
      const expected = lines
        .filter((l) => (filter.kinds === undefined || filter.kinds.includes(l.kind)))
        .filter((l) => (filter.symbol === undefined || l.symbol === filter.symbol))
        .map((l) => l.seq)
        .reverse();
      const seen: number[] = [];
      let before: number | undefined;
      for (let pages = 0; pages < 1000; pages++) {
        const page = await getExecutionTimeline("s", { baseDir: dir, ...filter, limit: 7, before });
        seen.push(...page.timeline.map((r) => r.seq ?? -1));
        if (page.next_before === null) break;
        before = page.next_before;
      }
      assert.deepEqual(seen, expected, JSON.stringify(filter));
      assert.ok(expected.length > 0, `the ${JSON.stringify(filter)} case has matches`);
      if (filter.kinds?.length === 1 && filter.symbol === undefined) {
        assert.ok(expected.length > 7, "several pages were read");
      }
    }
  });
});

Deno.test("getExecutionTimeline finds a kind or symbol written with JSON escapes", async () => {
  await withTempDir(async (dir) => {
    await append(
      `${dir}/s.jsonl`,
      sessionLines("s", 300) +
        // A fill spelled with \u escapes (valid JSON, as another writer may write it).
        '{"ts":"2026-11-25T10:00:00Z","kind":"f\\u0069ll","symbol":"BTC\\u002dUSD",' +
        '"payload":{},"seq":301}\n' +
        sessionLines("s", 300, 301),
    );
    const escaped = (rows: { seq: number | null }[]) => rows.some((r) => r.seq === 301);
    const byKind = await getExecutionTimeline("s", { baseDir: dir, kinds: ["fill"], limit: 1000 });
    assert.ok(escaped(byKind.timeline), "kind filter");
    const bySymbol = await getExecutionTimeline("s", {
      baseDir: dir,
      symbol: "BTC-USD",
      limit: 1000,
    });
    assert.ok(escaped(bySymbol.timeline), "symbol filter");
    const byBoth = await getExecutionTimeline("s", {
      baseDir: dir,
      kinds: ["fill"],
      symbol: "BTC-USD",
      limit: 1000,
    });
    assert.ok(escaped(byBoth.timeline), "kind and symbol filters");
  });
});

Deno.test("getExecutionTimeline filters lines without a kind as kind unknown", async () => {
  await withTempDir(async (dir) => {
    await append(
      `${dir}/s.jsonl`,
      sessionLines("s", 50) +
        '{"ts":"2026-11-25T10:00:00Z","symbol":"BTC-USD","payload":{"note":"no kind"}}\n' +
        sessionLines("s", 50, 51),
    );
    const page = await getExecutionTimeline("s", {
      baseDir: dir,
      kinds: [UNKNOWN_KIND, "error"],
      limit: 10,
    });
    assert.deepEqual(page.timeline.map((r) => [r.kind, r.details]), [
      ["unknown", { note: "no kind" }],
    ]);
  });
});

Deno.test("getExecutionTimeline keeps only blocks of a gate and code when asked", async () => {
  await withTempDir(async (dir) => {
    const gate = (seq: number, name: string, passed: boolean, code: string) =>
      wireLine("s", {
        ts: tsAt(seq),
        kind: "gate",
        seq,
        payload: { gate_name: name, passed, code, reason: `${code} reason` },
      });
    await append(
      `${dir}/s.jsonl`,
      gate(1, "LotSize", false, "QTY_ROUNDS_TO_ZERO") + gate(2, "LotSize", true, "OK") +
        gate(3, "MinNotional", false, "NOTIONAL_BELOW_MIN") +
        wireLine("s", { ts: tsAt(4), kind: "fill", seq: 4, payload: { code: "X" } }) +
        gate(5, "LotSize", false, "QTY_BELOW_MIN"),
    );
    const seqs = async (options: Parameters<typeof getExecutionTimeline>[1]) =>
      (await getExecutionTimeline("s", { baseDir: dir, ...options })).timeline.map((r) => r.seq);
    assert.deepEqual(await seqs({ blocked: true }), [5, 3, 1]);
    assert.deepEqual(await seqs({ blocked: true, gates: ["LotSize"] }), [5, 1]);
    assert.deepEqual(await seqs({ blocked: true, codes: ["QTY_ROUNDS_TO_ZERO"] }), [1]);
    assert.deepEqual(await seqs({ gates: ["LotSize"], limit: 2 }), [5, 2]);
    assert.deepEqual(await seqs({ blocked: true, kinds: ["fill"] }), [], "a block is a gate event");
  });
});

Deno.test("getExecutionTimeline matches a symbol by prefix or substring, ignoring case", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 16));
    const symbols = async (options: Parameters<typeof getExecutionTimeline>[1]) =>
      new Set(
        (await getExecutionTimeline("s", { baseDir: dir, ...options })).timeline.map((r) =>
          r.symbol
        ),
      );
    assert.deepEqual(await symbols({ symbol: "ETH" }), new Set());
    assert.deepEqual(await symbols({ symbol: "ETH", symbolMatch: "prefix" }), new Set(["ETH-USD"]));
    assert.deepEqual(
      await symbols({ symbol: "-usd", symbolMatch: "substring", symbolIgnoreCase: true }),
      new Set(["ETH-USD", "BTC-USD"]),
    );
    assert.deepEqual(
      await symbols({ symbol: "btc-usd", symbolIgnoreCase: true }),
      new Set(["BTC-USD"]),
    );
  });
});
