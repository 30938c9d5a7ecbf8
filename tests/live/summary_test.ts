import assert from "node:assert/strict";
import { clearSummaryCache, getExecutionSummary } from "../../live/summary.ts";
import { readExecutionEvents } from "../../live/read_events.ts";
import { gateName, gatePassed } from "../../execution/wire/gate_payload.ts";
import { formatWireTimestamp } from "../../execution/wire_time.ts";
import { InvalidSessionIdError } from "../../execution/session_id.ts";
import type { ExecutionSummary } from "../../live/types.ts";
import {
  append,
  FIXTURES,
  REFUSED_SESSION_IDS,
  sessionLines,
  tsAt,
  wireLine,
  withTempDir,
  writeSplitReadSession,
} from "./helpers.ts";

/** An independent, slow summary built on readExecutionEvents, to compare the fast one against. */
async function referenceSummary(
  path: string,
): Promise<Omit<ExecutionSummary, "session_id" | "found" | "size_bytes">> {
  const reader = readExecutionEvents(path);
  const kinds: Record<string, number> = {};
  const blocks: Record<string, number> = {};
  const symbols = new Set<string>();
  const lastIntent = new Map<string, number>();
  const latencies: number[] = [];
  let min: number | null = null, max: number | null = null;
  let intents = 0, blocked = 0, fills = 0, notional = 0, fees = 0;
  for await (const e of reader) {
    kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    const t = e.ts_micros;
    if (t !== null) {
      min = min === null ? t : Math.min(min, t);
      max = max === null ? t : Math.max(max, t);
    }
    if (e.symbol) symbols.add(e.symbol);
    const p = (typeof e.payload === "object" && e.payload !== null ? e.payload : {}) as Record<
      string,
      unknown
    >;
    if (e.kind === "intent") {
      intents++;
      if (t !== null) lastIntent.set(e.symbol ?? "", t);
    } else if (e.kind === "gate" && !gatePassed(e.payload)) {
      blocked++;
      blocks[gateName(e.payload)] = (blocks[gateName(e.payload)] ?? 0) + 1;
    } else if (e.kind === "fill") {
      fills++;
      if (typeof p.fill_notional === "number" && Number.isFinite(p.fill_notional)) {
        notional += p.fill_notional;
      }
      if (typeof p.fill_fee === "number" && Number.isFinite(p.fill_fee)) fees += p.fill_fee;
      const i = lastIntent.get(e.symbol ?? "");
      if (t !== null && i !== undefined && t >= i) latencies.push((t - i) / 1000);
    }
  }
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  const sortKeys = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).sort(([a], [b]) => a < b ? -1 : 1));
  return {
    event_count: reader.stats.valid_events,
    kind_counts: sortKeys(kinds),
    start_time: min === null ? null : formatWireTimestamp(min),
    end_time: max === null ? null : formatWireTimestamp(max),
    symbols: [...symbols].sort(),
    invalid_lines: reader.stats.invalid_lines,
    torn_lines: reader.stats.torn_lines,
    oversized_lines: reader.stats.oversized_lines,
    total_lines: reader.stats.total_lines,
    gate_blocks: sortKeys(blocks),
    block_rate: intents === 0 ? 0 : blocked / intents,
    fills: { count: fills, notional, fees },
    latency_ms: n === 0 ? null : {
      count: n,
      min: latencies[0],
      median: latencies[Math.floor(n / 2)],
      p95: latencies[Math.min(n - 1, Math.floor(n * 0.95))],
      max: latencies[n - 1],
    },
  };
}

function assertMatchesReference(
  actual: ExecutionSummary,
  expected: Awaited<ReturnType<typeof referenceSummary>>,
): void {
  const { fills, ...rest } = expected;
  const { fills: actualFills, session_id: _s, found: _f, size_bytes: _b, ...actualRest } = actual;
  assert.deepEqual(actualRest, rest);
  assert.equal(actualFills.count, fills.count);
  // Sums over two halves may differ from a single pass in the last bits.
  assert.ok(
    Math.abs(actualFills.notional - fills.notional) <= 1e-9 * Math.max(1, Math.abs(fills.notional)),
  );
  assert.ok(Math.abs(actualFills.fees - fills.fees) <= 1e-9 * Math.max(1, Math.abs(fills.fees)));
}

Deno.test("getExecutionSummary covers the whole session: kinds, range, symbols, blocks, fills, latency", async () => {
  await withTempDir(async (dir) => {
    await append(`${dir}/s.jsonl`, sessionLines("s", 40));
    const s = await getExecutionSummary("s", { baseDir: dir });
    assert.equal(s.found, true);
    assert.equal(s.event_count, 40);
    assert.deepEqual(s.kind_counts, { fill: 10, gate: 10, intent: 10, order: 10 });
    assert.equal(s.start_time, tsAt(0));
    assert.equal(s.end_time, tsAt(39));
    assert.deepEqual(s.symbols, ["BTC-USD", "ETH-USD"]);
    // gates at i = 1, 5, 9, ...: blocked when i % 3 === 0 → i = 9, 21, 33
    assert.deepEqual(s.gate_blocks, { LotSize: 3 });
    assert.equal(s.block_rate, 3 / 10);
    assert.equal(s.fills.count, 10);
    assert.ok(Math.abs(s.fills.notional - 1000) < 1e-9);
    assert.deepEqual(s.latency_ms, { count: 10, min: 3000, median: 3000, p95: 3000, max: 3000 });
    assertMatchesReference(s, await referenceSummary(`${dir}/s.jsonl`));
  });
});

Deno.test("getExecutionSummary reads the 16D shapes: decision BLOCK counts, latency pairs by symbol", async () => {
  const s = await getExecutionSummary("golden_16d_style", { baseDir: FIXTURES });
  assert.deepEqual(s.gate_blocks, { MinNotional: 1 });
  assert.equal(s.block_rate, 0.5);
  assert.deepEqual(s.symbols, ["BTC-USDT", "DOGE-USDT"]);
  assert.equal(s.latency_ms?.count, 1);
  assert.ok(Math.abs(s.latency_ms!.min - 130) < 1e-9);
  assert.equal(s.start_time, "2026-04-10T12:00:00.000000+00:00");
  assertMatchesReference(s, await referenceSummary(`${FIXTURES}golden_16d_style.jsonl`));
});

Deno.test("getExecutionSummary mixes naive, Z and offset timestamps without error", async () => {
  const s = await getExecutionSummary("python_written", { baseDir: FIXTURES });
  assert.equal(s.start_time, "2026-03-02T08:15:00.000000+00:00");
  assert.equal(s.end_time, "2026-03-02T08:41:00.000000+00:00");
  assert.equal(s.kind_counts.heartbeat, 1);
  assertMatchesReference(s, await referenceSummary(`${FIXTURES}python_written.jsonl`));
});

Deno.test("getExecutionSummary counts invalid, blank and torn lines without losing valid ones", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/b.jsonl`;
    await Deno.copyFile(`${FIXTURES}bad_lines.jsonl`, path);
    await append(path, new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a])); // {"\xff":1}
    await append(path, '{"ts":"2026-05-01T10:00:09.000000+00:00","kind":"fi');
    const s = await getExecutionSummary("b", { baseDir: dir });
    assert.equal(s.event_count, 4);
    assert.equal(s.invalid_lines, 6);
    assert.equal(s.torn_lines, 1);
    assert.equal(s.total_lines, 12);
    assertMatchesReference(s, await referenceSummary(path));
  });
});

Deno.test("getExecutionSummary reads a CRLF file exactly like its LF twin", async () => {
  await withTempDir(async (dir) => {
    const lf = sessionLines("lf", 40) + "garbage\n\n";
    await append(`${dir}/lf.jsonl`, lf);
    await append(`${dir}/crlf.jsonl`, lf.replaceAll("\n", "\r\n"));
    const { session_id: _a, size_bytes: lfSize, ...lfSummary } = await getExecutionSummary("lf", {
      baseDir: dir,
    });
    const { session_id: _b, size_bytes: crlfSize, ...crlfSummary } = await getExecutionSummary(
      "crlf",
      { baseDir: dir },
    );
    assert.deepEqual(crlfSummary, lfSummary);
    assert.equal(crlfSummary.event_count, 40);
    assert.equal(crlfSummary.invalid_lines, 1);
    assert.equal(crlfSize, lfSize + 42);
  });
});

Deno.test("getExecutionSummary skips an oversized line and counts it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/o.jsonl`;
    await append(path, sessionLines("o", 4));
    await append(
      path,
      `{"kind":"fill","payload":{"fill_notional":1e9,"blob":"${"q".repeat(1_100_000)}"}}\n`,
    );
    await append(path, sessionLines("o", 4, 4));
    const s = await getExecutionSummary("o", { baseDir: dir });
    assert.equal(s.oversized_lines, 1);
    assert.equal(s.event_count, 8);
    assert.equal(s.fills.count, 2);
  });
});

Deno.test("getExecutionSummary reads only the new bytes when the file only grew", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/g.jsonl`;
    await append(path, sessionLines("g", 8));
    const first = await getExecutionSummary("g", { baseDir: dir });
    // Rewrite an already-read line in place (same size, same inode): an incremental read
    // cannot see it, a full re-read would count a "heartbeat".
    const text = await Deno.readTextFile(path);
    using file = await Deno.open(path, { write: true });
    await file.write(
      new TextEncoder().encode(text.slice(0, text.indexOf("\n")).replace('"intent"', '"zzzzzz"')),
    );
    await append(path, sessionLines("g", 4, 8));
    const second = await getExecutionSummary("g", { baseDir: dir });
    assert.equal(second.event_count, first.event_count + 4);
    assert.equal(second.kind_counts.zzzzzz, undefined, "the old bytes were not read again");
    assert.equal(second.end_time, tsAt(11));
    clearSummaryCache();
    const fresh = await getExecutionSummary("g", { baseDir: dir });
    assert.equal(fresh.kind_counts.zzzzzz, 1, "a cold read sees the rewritten line");
  });
});

Deno.test("getExecutionSummary completes a torn tail once its newline arrives", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/t.jsonl`;
    const line = wireLine("t", { kind: "fill", ts: tsAt(5), payload: { fill_notional: 7 } });
    await append(path, sessionLines("t", 4) + line.slice(0, 30));
    const before = await getExecutionSummary("t", { baseDir: dir });
    assert.equal(before.torn_lines, 1);
    assert.equal(before.event_count, 4);
    await append(path, line.slice(30));
    const after = await getExecutionSummary("t", { baseDir: dir });
    assert.equal(after.torn_lines, 0);
    assert.equal(after.event_count, 5);
    assert.equal(after.fills.count, 2);
  });
});

Deno.test("getExecutionSummary reads a truncated or replaced file again from the start", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/r.jsonl`;
    await append(path, sessionLines("r", 20));
    assert.equal((await getExecutionSummary("r", { baseDir: dir })).event_count, 20);
    await Deno.truncate(path, 0);
    await append(path, sessionLines("r", 3));
    assert.equal((await getExecutionSummary("r", { baseDir: dir })).event_count, 3);
    // Replaced by a bigger file (a new inode): must not be taken for growth.
    await Deno.writeTextFile(`${dir}/new.tmp`, sessionLines("r", 30, 100));
    await Deno.rename(`${dir}/new.tmp`, path);
    const replaced = await getExecutionSummary("r", { baseDir: dir });
    assert.equal(replaced.event_count, 30);
    assert.equal(replaced.start_time, tsAt(100));
  });
});

Deno.test("getExecutionSummary never counts a line twice under concurrent calls", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/c.jsonl`;
    await append(path, sessionLines("c", 50));
    await getExecutionSummary("c", { baseDir: dir });
    await append(path, sessionLines("c", 50, 50));
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => getExecutionSummary("c", { baseDir: dir })),
    );
    for (const r of results) assert.equal(r.event_count, 100);
  });
});

Deno.test("getExecutionSummary of a missing file is found=false, of an empty file found=true", async () => {
  await withTempDir(async (dir) => {
    const missing = await getExecutionSummary("none", { baseDir: dir });
    assert.equal(missing.found, false);
    assert.equal(missing.event_count, 0);
    await Deno.writeTextFile(`${dir}/empty.jsonl`, "");
    const empty = await getExecutionSummary("empty", { baseDir: dir });
    assert.equal(empty.found, true);
    assert.equal(empty.event_count, 0);
    assert.equal(empty.start_time, null);
    assert.equal(empty.latency_ms, null);
  });
});

Deno.test("getExecutionSummary refuses invalid session ids", async () => {
  for (const id of [...REFUSED_SESSION_IDS, "x".repeat(129)]) {
    await assert.rejects(() => getExecutionSummary(id, { baseDir: "/tmp" }), InvalidSessionIdError);
  }
});

Deno.test("getExecutionSummary's byte scanner agrees with the general decoder on damaged lines", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/f.jsonl`;
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const base = sessionLines("f", 400).split("\n").filter((l) => l !== "");
    const extra = [
      '{"kind":"gate","payload":{"gate":"A","gate_name":"B","passed":false}}',
      '{"kind":"gate","payload":{"gate_name":null,"gate":"C","decision":"block"}}',
      '{"kind":"fill","symbol":"X","payload":{"fill_notional":NaN,"fill_fee":-Infinity}}',
      '{"kind":"fill","payload":{"fill_notional":"12","fill_fee":1e400}}',
      '{"kind":"gate","payload":{"passed":true},"payload":{"passed":false}}',
      '{"kind":"intent","symbol":"\\u0041BC","ts":"2026-11-25T09:30:00Z"}',
      '{"kind":"fill","symbol":"ABC","ts":"2026-11-25T09:30:01Z","payload":{"fill_notional":-0.0}}',
      '{"kind":"gate","pay\\u006coad":{"passed":false,"gate_name":"Z"}}',
      '{"kind":"g\\u0061te","payload":{"passed":false,"gate_name":"Y"}}',
      '{"kind":"gate","payload":{"passed":0,"decision":"ALLOW"}}',
      '  {"kind":"order"}  ',
      '{"kind":"order"} x',
      '{"kind":"order",}',
      '{"kind":"order","n":01}',
      '{"kind":"order","n":1.}',
      '{"kind":"order","n":-}',
      '{"kind":"order","s":"tab\there"}',
      '{"kind":"order","s":"bad \\x escape"}',
      '{"kind":"order","nested":[{"a":[1,{"b":null}]},true,false,-1.5e-3]}',
      '{"kind":"unknown-kind","symbol":""}',
      "{}",
      "{",
      "nul",
    ];
    const lines: string[] = [...extra];
    for (const line of base) {
      const r = rand();
      if (r < 0.1) {
        const at = Math.floor(rand() * line.length);
        lines.push(line.slice(0, at) + line.slice(at + 1)); // drop a character
      } else if (r < 0.15) {
        const at = Math.floor(rand() * line.length);
        lines.push(line.slice(0, at) + '"{}:,]'[Math.floor(rand() * 6)] + line.slice(at));
      } else {
        lines.push(line);
      }
    }
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const s = await getExecutionSummary("f", { baseDir: dir });
    assert.ok(s.invalid_lines > 10, "damaged lines were produced");
    assertMatchesReference(s, await referenceSummary(path));
  });
});

Deno.test("getExecutionSummary of a large file (read on two cores) equals a single-pass summary", async () => {
  await withTempDir(async (dir) => {
    // About 40 MB: above the size where the cold read is split in two.
    const path = await writeSplitReadSession(dir);
    await Deno.writeTextFile(path, '{"kind":"torn', { append: true });
    const s = await getExecutionSummary("big", { baseDir: dir });
    assert.equal(s.event_count, 200_000);
    assert.equal(s.torn_lines, 1);
    assertMatchesReference(s, await referenceSummary(path));
    // The same in the foreground (one thread, blocking reads), as the CLI reads it.
    clearSummaryCache();
    const foreground = await getExecutionSummary("big", { baseDir: dir, foreground: true });
    assert.deepEqual({ ...foreground, fills: null }, { ...s, fills: null });
    assertMatchesReference(foreground, await referenceSummary(path));
  });
});

Deno.test("getExecutionSummary reads again a file truncated and regrown past the cached position", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/w.jsonl`;
    await append(path, sessionLines("w", 10));
    assert.equal((await getExecutionSummary("w", { baseDir: dir })).event_count, 10);
    // Same inode, rewritten between two calls to more bytes than before: not growth.
    await Deno.writeTextFile(path, sessionLines("w", 12, 500));
    const s = await getExecutionSummary("w", { baseDir: dir });
    assert.equal(s.event_count, 12);
    assert.equal(s.start_time, tsAt(500));
  });
});

Deno.test("getExecutionSummary skips an oversized line that spans read chunks", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/big-line.jsonl`;
    const normal = sessionLines("b", 8000); // about 1.7 MB
    await append(path, normal);
    await append(path, `{"kind":"fill","payload":{"blob":"${"w".repeat(3_000_000)}"}}\n`);
    await append(path, sessionLines("b", 4000, 8000));
    const s = await getExecutionSummary("big-line", { baseDir: dir });
    assert.equal(s.oversized_lines, 1);
    assert.equal(s.event_count, 12_000);
    assertMatchesReference(s, await referenceSummary(path));
  });
});
