import assert from "node:assert/strict";
import { readExecutionEvents } from "../../live/read_events.ts";
import type { ReadEvent } from "../../execution/wire/types.ts";
import { append, FIXTURES, wireLine, withTempDir } from "./helpers.ts";

async function collect(
  source: string | ReadableStream<Uint8Array>,
  options = {},
): Promise<{ events: ReadEvent[]; stats: ReturnType<typeof readExecutionEvents>["stats"] }> {
  const reader = readExecutionEvents(source, options);
  const events: ReadEvent[] = [];
  for await (const e of reader) events.push(e);
  return { events, stats: reader.stats };
}

function streamOf(...parts: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(
    parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p),
  );
}

Deno.test("readExecutionEvents reads a Python-written file: spaces, \\uXXXX, naive ts, NaN literals", async () => {
  const { events, stats } = await collect(`${FIXTURES}python_written.jsonl`);
  assert.deepEqual(stats, {
    total_lines: 5,
    valid_events: 5,
    invalid_lines: 0,
    torn_lines: 0,
    oversized_lines: 0,
  });
  assert.equal(events[0].ts, "2026-03-02T08:15:00.000000+00:00", "naive is UTC");
  assert.equal(events[0].seq, null, "the original writes no seq");
  assert.equal(events[3].ts, "2026-03-02T08:40:10.000001+00:00", "+01:00 converted to UTC");
  const intent = events[3].payload as Record<string, number>;
  assert.ok(Number.isNaN(intent.current_price));
  assert.equal(intent.quantity, 1e-5);
  const heartbeat = events[4].payload as { note: string; limits: number[]; text: string };
  assert.equal(heartbeat.note, "Grüße €");
  assert.deepEqual(heartbeat.limits, [Infinity, -Infinity]);
  assert.equal(heartbeat.text, "NaN stays a string");
});

Deno.test("readExecutionEvents reads the 16D fixture shapes as written (PAPER, BUY, gate/decision)", async () => {
  const { events, stats } = await collect(`${FIXTURES}golden_16d_style.jsonl`);
  assert.equal(stats.valid_events, 8);
  assert.equal(events[0].mode, "PAPER");
  assert.equal((events[0].payload as { side: string }).side, "BUY");
  assert.equal(events[0].ts, "2026-04-10T12:00:00.000000+00:00");
  assert.deepEqual(events[6].payload, { gate: "MinNotional", decision: "BLOCK", intent_id: "i-2" });
});

Deno.test("readExecutionEvents counts invalid JSON and non-object lines and skips blank lines", async () => {
  const { events, stats } = await collect(`${FIXTURES}bad_lines.jsonl`);
  assert.deepEqual(stats, {
    total_lines: 10,
    valid_events: 4,
    invalid_lines: 5,
    torn_lines: 0,
    oversized_lines: 0,
  });
  assert.deepEqual(events.map((e) => e.seq), [1, 3, 4, 5]);
  assert.equal(events[3].symbol, null);
});

Deno.test("readExecutionEvents loses only the line with an undecodable byte", async () => {
  const good = wireLine("s", { kind: "intent", seq: 1 });
  const bad = new Uint8Array([
    ...new TextEncoder().encode('{"kind":"gate","x":"'),
    0xff,
    0xfe,
    ...new TextEncoder().encode('"}\n'),
  ]);
  const after = wireLine("s", { kind: "fill", seq: 2 });
  const { events, stats } = await collect(streamOf(good, bad, after));
  assert.deepEqual(events.map((e) => e.kind), ["intent", "fill"]);
  assert.equal(stats.invalid_lines, 1);
  assert.equal(events[1].offset, good.length + bad.length);
});

Deno.test("readExecutionEvents reports a torn final line without parsing it", async () => {
  const line = wireLine("s", { kind: "intent", seq: 1 });
  const { events, stats } = await collect(streamOf(line + line.slice(0, 40)));
  assert.equal(events.length, 1);
  assert.equal(stats.torn_lines, 1);
  assert.equal(stats.total_lines, 2);
  assert.equal(stats.invalid_lines, 0);
});

Deno.test("readExecutionEvents skips and counts an oversized line, keeping the rest", async () => {
  const huge = `{"kind":"intent","payload":{"blob":"${"z".repeat(2000)}"}}\n`;
  const { events, stats } = await collect(
    streamOf(
      wireLine("s", { kind: "intent", seq: 1 }),
      huge,
      wireLine("s", { kind: "fill", seq: 2 }),
    ),
    { maxLineBytes: 1024 },
  );
  assert.deepEqual(events.map((e) => e.seq), [1, 2]);
  assert.equal(stats.oversized_lines, 1);
});

Deno.test("readExecutionEvents handles CRLF endings with correct offsets", async () => {
  const a = wireLine("s", { kind: "intent", seq: 1 }).replace("\n", "\r\n");
  const b = wireLine("s", { kind: "order", seq: 2 }).replace("\n", "\r\n");
  const { events } = await collect(streamOf(a + b));
  assert.deepEqual(events.map((e) => [e.offset, e.end]), [[0, a.length], [
    a.length,
    a.length + b.length,
  ]]);
});

Deno.test("readExecutionEvents refuses a non-string kind and defaults a missing kind to unknown", async () => {
  const { events, stats } = await collect(
    streamOf('{"kind": 5}\n{"ts": "2026-01-01T00:00:00Z"}\n'),
  );
  assert.equal(stats.invalid_lines, 1);
  assert.equal(events[0].kind, "unknown");
  assert.deepEqual(events[0].payload, {});
});

Deno.test("readExecutionEvents starts at an offset of a file and reports absolute offsets", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const first = wireLine("s", { kind: "intent", seq: 1 });
    await append(path, first + wireLine("s", { kind: "fill", seq: 2 }));
    const { events } = await collect(path, { offset: first.length });
    assert.deepEqual(events.map((e) => [e.seq, e.offset]), [[2, first.length]]);
  });
});

Deno.test("readExecutionEvents rejects a missing file with NotFound", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(() => collect(`${dir}/missing.jsonl`), Deno.errors.NotFound);
  });
});

Deno.test("readExecutionEvents does not treat NaN inside a string as a literal", async () => {
  const { events, stats } = await collect(
    streamOf('{"kind": "x", "payload": {"a": "NaN", "b": NaN, "c": "-Infinity \\" Infinity"}}\n'),
  );
  assert.equal(stats.valid_events, 1);
  const p = events[0].payload as Record<string, unknown>;
  assert.equal(p.a, "NaN");
  assert.ok(Number.isNaN(p.b));
  assert.equal(p.c, '-Infinity " Infinity');
});

Deno.test("readExecutionEvents counts a bare NaN or Infinity used as an object key as invalid", async () => {
  const { events, stats } = await collect(
    streamOf(
      '{"kind": "heartbeat", "payload": {NaN: 1}}\n' +
        '{"kind": "fill", Infinity: 2}\n' +
        '{"kind": "fill", "payload": {"-Infinity": -Infinity}}\n',
    ),
  );
  assert.equal(stats.invalid_lines, 2);
  assert.equal(stats.valid_events, 1);
  assert.deepEqual(events[0].payload, { "-Infinity": -Infinity });
});

Deno.test("readExecutionEvents stops quietly when its signal aborts", async () => {
  const stop = new AbortController();
  const line = new TextEncoder().encode(wireLine("s", { kind: "intent", seq: 1 }));
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(line);
    },
  });
  const reader = readExecutionEvents(endless, { signal: stop.signal });
  let seen = 0;
  for await (const _event of reader) {
    if (++seen === 3) stop.abort();
  }
  assert.ok(seen >= 3);
  assert.ok(reader.stats.valid_events >= 3);
});

Deno.test("readExecutionEvents refuses a FIFO path at once instead of waiting for a writer", async () => {
  await withTempDir(async (dir) => {
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/pipe.jsonl`] }).output()
      .catch(() => null);
    if (made === null || !made.success) return console.log("skipped: no mkfifo");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const blocked = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("blocked"), 5_000);
    });
    const read = (async () => {
      for await (const _ of readExecutionEvents(`${dir}/pipe.jsonl`)) { /* nothing */ }
      return "read";
    })().catch((err: Error) => err.message);
    try {
      assert.match(await Promise.race([read, blocked]), /not a regular file/);
    } finally {
      clearTimeout(timer);
    }
  });
});
