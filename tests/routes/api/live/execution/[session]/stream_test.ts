import assert from "node:assert/strict";
import { createApp } from "../../../../../../server/app.ts";
import { openEventStreamCount } from "../../../../../../web/sse.ts";
import { JsonlExecutionLogger } from "../../../../../../execution/telemetry/logger.ts";
import {
  appendEvents,
  demoEvents,
  SseReader,
  waitFor,
  wireEvent,
  withLogDir,
} from "../../../../fixtures.ts";

interface StreamedRow {
  kind: string;
  seq: number;
  offset: number;
  end: number;
}

Deno.test("the stream delivers an appended event with id = byte offset after it", async () => {
  await withLogDir(async (dir) => {
    const size = await appendEvents(dir, "s1", demoEvents("s1", 3));
    const res = await createApp({ logDir: dir }).request(
      `/api/live/execution/s1/stream?from=${size}`,
      { headers: { "accept-encoding": "gzip, deflate, br" } },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(res.headers.get("content-encoding"), null, "no compression on the stream");
    // Proxies must neither compress nor buffer it either.
    assert.match(res.headers.get("cache-control") ?? "", /no-transform/);
    assert.equal(res.headers.get("x-accel-buffering"), "no");
    const reader = new SseReader(res.body!);
    try {
      const end = await appendEvents(dir, "s1", [wireEvent("s1", 4, "fill")]);
      const event = await reader.next();
      assert.equal(event.event, "execution");
      assert.equal(event.id, String(end));
      const row = JSON.parse(event.data) as StreamedRow;
      assert.equal(row.kind, "fill");
      assert.equal(row.seq, 4);
      assert.equal(row.offset, size);
      assert.equal(row.end, end);
    } finally {
      await reader.cancel();
    }
  });
});

Deno.test("the stream resumes from Last-Event-ID with no gap and no duplicate", async () => {
  await withLogDir(async (dir) => {
    const start = await appendEvents(dir, "s1", demoEvents("s1", 2));
    const app = createApp({ logDir: dir });
    const first = new SseReader(
      (await app.request(`/api/live/execution/s1/stream?from=${start}`)).body!,
    );
    const seen: number[] = [];
    let lastId: string | null = null;
    try {
      await appendEvents(dir, "s1", [wireEvent("s1", 3, "intent"), wireEvent("s1", 4, "gate")]);
      for (let i = 0; i < 2; i++) {
        const e = await first.next();
        seen.push((JSON.parse(e.data) as StreamedRow).seq);
        lastId = e.id;
      }
    } finally {
      await first.cancel();
    }
    // Written while no client was connected.
    await appendEvents(dir, "s1", [wireEvent("s1", 5, "order"), wireEvent("s1", 6, "fill")]);
    const second = new SseReader(
      (await app.request(`/api/live/execution/s1/stream?from=0`, {
        headers: { "last-event-id": lastId! },
      })).body!,
    );
    try {
      for (let i = 0; i < 2; i++) {
        seen.push((JSON.parse((await second.next()).data) as StreamedRow).seq);
      }
      await appendEvents(dir, "s1", [wireEvent("s1", 7, "error")]);
      seen.push((JSON.parse((await second.next()).data) as StreamedRow).seq);
    } finally {
      await second.cancel();
    }
    assert.deepEqual(
      seen,
      [3, 4, 5, 6, 7],
      "Last-Event-ID wins over ?from, nothing lost or repeated",
    );
  });
});

Deno.test("the stream replays from ?from= a line boundary", async () => {
  await withLogDir(async (dir) => {
    const events = demoEvents("s1", 4);
    const afterTwo = await appendEvents(dir, "s1", events.slice(0, 2));
    await appendEvents(dir, "s1", events.slice(2));
    const reader = new SseReader(
      (await createApp({ logDir: dir }).request(`/api/live/execution/s1/stream?from=${afterTwo}`))
        .body!,
    );
    try {
      const a = JSON.parse((await reader.next()).data) as StreamedRow;
      const b = JSON.parse((await reader.next()).data) as StreamedRow;
      assert.deepEqual([a.seq, b.seq], [3, 4]);
    } finally {
      await reader.cancel();
    }
  });
});

Deno.test("the stream refuses a malformed Last-Event-ID or from with 400", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    const header = await app.request("/api/live/execution/s1/stream", {
      headers: { "last-event-id": "abc" },
    });
    assert.equal(header.status, 400);
    assert.match((await header.json()).detail, /Last-Event-ID/);
    const query = await app.request("/api/live/execution/s1/stream?from=-1");
    assert.equal(query.status, 400);
    assert.match((await query.json()).detail, /from/);
  });
});

Deno.test("the stream is released when the client goes away", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 1));
    const before = openEventStreamCount();
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1/stream");
    const reader = new SseReader(res.body!);
    assert.equal(openEventStreamCount(), before + 1);
    await reader.cancel();
    await waitFor(() => openEventStreamCount() === before, 2_000, "the stream to be released");
  });
});

Deno.test("the stream ends when the app shuts down", async () => {
  await withLogDir(async (dir) => {
    const closing = new AbortController();
    const res = await createApp({ logDir: dir, signal: closing.signal }).request(
      "/api/live/execution/s1/stream",
    );
    const reader = res.body!.getReader();
    closing.abort();
    let done = false;
    const deadline = setTimeout(() => reader.cancel(), 2_000);
    try {
      while (!done) done = (await reader.read()).done;
    } finally {
      clearTimeout(deadline);
    }
    assert.equal(done, true);
  });
});

Deno.test("a real HTTP client disconnecting releases its stream on the server", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 1));
    const app = createApp({ logDir: dir });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
    try {
      const before = openEventStreamCount();
      const client = new AbortController();
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/api/live/execution/s1/stream`, {
        signal: client.signal,
      });
      const reader = new SseReader(res.body!);
      const end = await appendEvents(dir, "s1", [wireEvent("s1", 2, "gate")]);
      assert.equal((await reader.next()).id, String(end));
      assert.equal(openEventStreamCount(), before + 1);
      client.abort();
      await reader.cancel().catch(() => {});
      await waitFor(
        () => openEventStreamCount() === before,
        3_000,
        "the server to release the stream",
      );
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("HEAD on the stream answers its headers without opening a stream", async () => {
  await withLogDir(async (dir) => {
    const before = openEventStreamCount();
    const res = await createApp({ logDir: dir }).request("/api/live/execution/s1/stream", {
      method: "HEAD",
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(openEventStreamCount(), before);
  });
});

Deno.test("streams beyond the configured maximum are refused with 503 until one closes", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, maxEventStreams: openEventStreamCount() + 1 });
    const first = new SseReader((await app.request("/api/live/execution/s1/stream")).body!);
    try {
      const refused = await app.request("/api/live/execution/s1/stream");
      assert.equal(refused.status, 503);
      assert.equal((await refused.json()).error, "too_many_streams");
    } finally {
      await first.cancel();
    }
    const again = await app.request("/api/live/execution/s1/stream");
    assert.equal(again.status, 200);
    await again.body?.cancel();
  });
});

Deno.test("the stream sends its comment heartbeat every 15 s", async () => {
  await withLogDir(async (dir) => {
    const delays: number[] = [];
    const original = globalThis.setInterval;
    globalThis.setInterval = ((handler: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return original(handler, ms);
    }) as typeof setInterval;
    let res: Response;
    try {
      res = await createApp({ logDir: dir }).request("/api/live/execution/s1/stream");
    } finally {
      globalThis.setInterval = original;
    }
    await res.body?.cancel();
    assert.ok(delays.includes(15_000), `timers started: ${delays.join(", ")} ms`);
  });
});

Deno.test("the stream refuses a since later than until with 400 naming since", async () => {
  await withLogDir(async (dir) => {
    const before = openEventStreamCount();
    const query = new URLSearchParams({
      since: "2026-11-25T10:00:00Z",
      until: "2026-11-25T09:00:00Z",
    });
    const res = await createApp({ logDir: dir }).request(
      `/api/live/execution/s1/stream?${query}`,
    );
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error, "invalid_since");
    assert.match(body.detail, /^since: .* is after until /);
    assert.equal(openEventStreamCount(), before, "no stream was opened");
  });
});

Deno.test("the stream refuses a bad kind filter with 400 naming kind", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request(
      "/api/live/execution/s1/stream?kind=%3Cscript%3E",
    );
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error, "invalid_kind");
    assert.match(body.detail, /^kind: /);
  });
});

Deno.test("the stream sends only the events its kind, symbol and time filters match", async () => {
  await withLogDir(async (dir) => {
    const size = await appendEvents(dir, "s1", demoEvents("s1", 2));
    const query = new URLSearchParams({
      kind: "fill,error",
      symbol: "BTC-USD",
      since: wireEvent("s1", 4, "fill").ts,
      limit: "not a number: a stream has no limit, so it is not read",
    });
    const res = await createApp({ logDir: dir }).request(
      `/api/live/execution/s1/stream?from=${size}&${query}`,
    );
    assert.equal(res.status, 200);
    const reader = new SseReader(res.body!);
    try {
      await appendEvents(dir, "s1", [
        wireEvent("s1", 3, "fill", "BTC-USD"), // before since
        wireEvent("s1", 4, "gate", "BTC-USD"), // another kind
        wireEvent("s1", 5, "fill", "ETH-USD"), // another symbol
        wireEvent("s1", 6, "error", "BTC-USD"),
        wireEvent("s1", 7, "fill", "BTC-USD"),
      ]);
      const seqs = [];
      for (let i = 0; i < 2; i++) seqs.push((JSON.parse((await reader.next()).data)).seq);
      assert.deepEqual(seqs, [6, 7]);
    } finally {
      await reader.cancel();
    }
  });
});

Deno.test("a stream opened without from delivers the line that was torn when it opened", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 2));
    const line = JSON.stringify(wireEvent("s1", 3, "order")) + "\n";
    const path = `${dir}/s1.jsonl`;
    await Deno.writeTextFile(path, line.slice(0, 20), { append: true });
    const reader = new SseReader(
      (await createApp({ logDir: dir }).request("/api/live/execution/s1/stream")).body!,
    );
    try {
      await Deno.writeTextFile(path, line.slice(20), { append: true });
      const event = await reader.next();
      assert.equal((JSON.parse(event.data) as StreamedRow).seq, 3);
      assert.equal(event.id, String((await Deno.stat(path)).size));
    } finally {
      await reader.cancel();
    }
  });
});

Deno.test("a Last-Event-ID from before a rotation resumes in the closed segment: no gap, no duplicate", async () => {
  await withLogDir(async (dir) => {
    const start = await appendEvents(dir, "s1", demoEvents("s1", 2));
    const app = createApp({ logDir: dir });
    const first = new SseReader(
      (await app.request(`/api/live/execution/s1/stream?from=${start}`)).body!,
    );
    const seen: number[] = [];
    let lastId: string | null = null;
    try {
      await appendEvents(dir, "s1", [wireEvent("s1", 3, "intent")]);
      const e = await first.next();
      seen.push((JSON.parse(e.data) as StreamedRow).seq);
      lastId = e.id;
    } finally {
      await first.cancel();
    }
    // Written while no client was connected; then the file is closed into a segment.
    await appendEvents(dir, "s1", [wireEvent("s1", 4, "gate"), wireEvent("s1", 5, "order")]);
    const logger = new JsonlExecutionLogger({ baseDir: dir });
    await logger.rotate("s1");
    await logger.close();
    assert.equal(Deno.statSync(`${dir}/s1.jsonl`).size, 0, "rotated");
    await appendEvents(dir, "s1", [wireEvent("s1", 6, "fill")]);
    const second = new SseReader(
      (await app.request(`/api/live/execution/s1/stream`, {
        headers: { "last-event-id": lastId! },
      })).body!,
    );
    const ids: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const e = await second.next();
        seen.push((JSON.parse(e.data) as StreamedRow).seq);
        ids.push(Number(e.id));
      }
    } finally {
      await second.cancel();
    }
    assert.deepEqual(seen, [3, 4, 5, 6]);
    assert.ok(ids.every((id, i) => id > (ids[i - 1] ?? Number(lastId))), "ids keep rising");
  });
});
