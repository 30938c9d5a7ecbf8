// The connection guard serves live-stream requests in its own process and writes each stream to
// its client itself (`guardWritesStreams`, on by default). What a client relies on: the stream
// it gets is the app's (status, headers, events), every answer asked for before it on the same
// connection arrives first and whole, a closed tab releases its follower, answers that are not
// streams are framed and end the connection, and a shutdown ends the stream properly.
import assert from "node:assert/strict";
import { answerHead } from "../../server/guarded_connection.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { type DashboardServer, startDashboardServer } from "../../server/dashboard_server.ts";
import { openEventStreamCount } from "../../web/sse.ts";
import { appendEvents, demoEvents, waitFor, withLogDir } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil, readUntilClosed } from "./raw_http.ts";
import {
  guardOnLoopback,
  STAND_IN_BODY,
  withAnswerOnItsWay,
  withServer,
} from "./guard_fixtures.ts";

const STREAM = "/api/live/execution/s1/stream";
const TOKEN = "stream-here-token-0123456789";

/** An answer's status and header lines (names lower-cased), from the text of its head. */
function parseHead(text: string): { status: number; headers: Map<string, string> } {
  const lines = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(lines[0].slice(9, 12)), headers };
}

/** The `data:` of the first `event: batch` message in `text`, or `null`. */
function batchData(text: string): string | null {
  return /event: batch\nid: \d+\ndata: (.*)\n\n/.exec(text)?.[1] ?? null;
}

/** Open a stream on a fresh connection and read up to its greeting. */
async function openStream(server: DashboardServer, extra = ""): Promise<{
  conn: Deno.TcpConn;
  head: string;
}> {
  const conn = await rawConnect(server.port, get(STREAM, extra));
  const { text } = await readUntil(conn, (t) => t.includes(": connected"));
  return { conn, head: text };
}

Deno.test("the guard writes a live stream itself: the app's status, headers and events", async () => {
  await withServer(5, {}, async (ours, dir) => {
    const forwarding = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      guardWritesStreams: false,
    });
    try {
      const here = await openStream(ours);
      const there = await openStream(forwarding);
      await appendEvents(dir, "s1", demoEvents("s1", 7).slice(5));
      const hereText = here.head + (await readUntil(here.conn, (t) => batchData(t) !== null)).text;
      const thereText = there.head +
        (await readUntil(there.conn, (t) => batchData(t) !== null)).text;
      closeQuietly(here.conn);
      closeQuietly(there.conn);

      const a = parseHead(hereText);
      const b = parseHead(thereText);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      for (const framing of ["date", "connection", "transfer-encoding"]) {
        a.headers.delete(framing);
        b.headers.delete(framing);
      }
      assert.deepEqual(Object.fromEntries(a.headers), Object.fromEntries(b.headers));
      assert.match(hereText, /\r\ntransfer-encoding: chunked\r\n/);
      assert.equal(batchData(hereText), batchData(thereText));
      assert.equal(ours.connections().servedHere, 1);
      assert.equal(forwarding.connections().servedHere, 0);
    } finally {
      await forwarding.shutdown();
    }
  });
});

Deno.test("an answer asked for before a stream on the same connection arrives whole and first", async () => {
  await withServer(5, {}, async (server) => {
    const conn = await rawConnect(server.port, get("/api/live/execution/s1?limit=2"));
    try {
      const first = await readUntil(conn, (t) => {
        const end = t.indexOf("\r\n\r\n");
        if (end === -1) return false;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(t.slice(0, end))?.[1]);
        return t.length >= end + 4 + length;
      });
      const end = first.text.indexOf("\r\n\r\n");
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(first.text.slice(0, end))?.[1]);
      assert.equal(first.text.length, end + 4 + length, "nothing after the first answer yet");
      assert.equal(JSON.parse(first.text.slice(end + 4)).timeline.length, 2);
      await conn.write(new TextEncoder().encode(get(STREAM)));
      const { text } = await readUntil(conn, (t) => t.includes(": connected"));
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\r\ncontent-type: text\/event-stream/);
      assert.equal(server.connections().servedHere, 1);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a stream waits for the server's answer still on its way before it", async () => {
  const servedHere = {
    takes: (target: string) => target === "/stream",
    answer: () => Promise.resolve(new Response("here")),
  };
  await withAnswerOnItsWay({ servedHere }, async (client, guard) => {
    await client.write(new TextEncoder().encode(get("/stream")));
    const text = await readUntilClosed(client);
    const first =
      `HTTP/1.1 200 OK\r\ncontent-length: ${STAND_IN_BODY.length}\r\n\r\n${STAND_IN_BODY}`;
    assert.ok(text.startsWith(`${first}HTTP/1.1 200 OK\r\n`), JSON.stringify(text));
    assert.ok(text.endsWith("\r\n\r\n4\r\nhere\r\n0\r\n\r\n"), JSON.stringify(text));
    assert.equal(guard.stats().servedHere, 1);
  });
});

Deno.test("a stream request pipelined behind another goes through the server and streams", async () => {
  await withServer(5, {}, async (server, dir) => {
    const conn = await rawConnect(server.port, get("/api/live/execution/s1?limit=2") + get(STREAM));
    try {
      const greeted = await readUntil(conn, (t) => t.includes(": connected"));
      await appendEvents(dir, "s1", demoEvents("s1", 6).slice(5));
      const text = greeted.text + (await readUntil(conn, (t) => batchData(t) !== null)).text;
      assert.equal(text.match(/HTTP\/1\.1 \d{3} /g)?.length, 2, "two answers, in order");
      assert.ok(text.indexOf("application/json") < text.indexOf("text/event-stream"));
      assert.equal(server.connections().servedHere, 0);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a client that goes away releases its stream at the stream's next write", async () => {
  await withServer(5, {}, async (server, dir) => {
    const before = openEventStreamCount();
    const { conn } = await openStream(server);
    assert.equal(openEventStreamCount(), before + 1);
    closeQuietly(conn);
    await waitFor(() => server.connections().endedStreams === 1, 5_000, "the FIN seen");
    // The next batches are written to a socket nobody holds: the write fails, the stream ends.
    let count = 5;
    await waitFor(
      async () => {
        if (openEventStreamCount() === before) return true;
        count++;
        await appendEvents(dir, "s1", demoEvents("s1", count).slice(count - 1));
        return false;
      },
      5_000,
      "the stream to be released",
    );
    await waitFor(() => server.connections().open === 0, 5_000, "the connection to close");
  });
});

Deno.test("an answer to a stream request that is not a stream is framed whole, then the connection closes", async () => {
  await withServer(5, { token: TOKEN }, async (server) => {
    const conn = await rawConnect(server.port, get(STREAM));
    const text = await readUntilClosed(conn);
    closeQuietly(conn);
    const { status, headers } = parseHead(text);
    assert.equal(status, 401);
    assert.equal(headers.get("connection"), "close");
    assert.equal(headers.get("transfer-encoding"), "chunked");
    assert.equal(headers.get("content-length"), undefined);
    // One chunk with the JSON body, then the last chunk.
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    const chunk = /^([0-9a-f]+)\r\n/.exec(body)!;
    const size = parseInt(chunk[1], 16);
    const json = body.slice(chunk[0].length, chunk[0].length + size);
    assert.equal(JSON.parse(json).error, "unauthorized");
    assert.equal(body.slice(chunk[0].length + size), "\r\n0\r\n\r\n");

    // With the token the stream is written here too.
    const streamed = await openStream(server, `Authorization: Bearer ${TOKEN}\r\n`);
    closeQuietly(streamed.conn);
    assert.match(streamed.head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(server.connections().servedHere, 2);
  });
});

Deno.test("what a client sends during a stream written by the guard is not taken as a request", async () => {
  await withServer(5, {}, async (server, dir) => {
    const { conn } = await openStream(server);
    try {
      await conn.write(new TextEncoder().encode(get("/api/live/execution/s1?limit=2")));
      await appendEvents(dir, "s1", demoEvents("s1", 6).slice(5));
      const { text } = await readUntil(conn, (t) => batchData(t) !== null);
      assert.doesNotMatch(text, /HTTP\/1\.1/, "no second answer on the stream's connection");
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a shutdown ends a stream written by the guard with its last chunk", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const { conn, head } = await openStream(server);
    const stopped = server.shutdown();
    const text = head + await readUntilClosed(conn);
    closeQuietly(conn);
    await stopped;
    assert.ok(text.endsWith("\r\n0\r\n\r\n"), `ends with the last chunk: ${JSON.stringify(text)}`);
  });
});

Deno.test("a stream request whose URL a Request would rewrite is judged by the app as sent", async () => {
  // `Host: 127.0.0.1:80` (a default port), a name that parses as an IPv4 number, a target with
  // dot segments: a Request would carry another URL than the one Deno.serve gives the app.
  await withServer(5, { token: TOKEN }, async (server) => {
    const ask = async (host: string, target: string) => {
      const conn = await rawConnect(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      );
      try {
        const { text } = await readUntil(conn, (t) => t.includes(": connected") || t.endsWith("}"));
        return parseHead(text).status;
      } finally {
        closeQuietly(conn);
      }
    };
    assert.equal(await ask("127.0.0.1:80", STREAM), 200);
    assert.equal(await ask("dash.example:80", STREAM), 200);
    assert.equal(await ask("foo.1", STREAM), 200);
    assert.equal(await ask("127.0.0.1", "/api/live/execution/x\\..\\s1/stream"), 400);
    assert.equal(server.connections().servedHere, 0, "each went through Deno.serve");
    assert.equal(await ask("127.0.0.1", STREAM), 200);
    assert.equal(server.connections().servedHere, 1);
  });
});

Deno.test("a client that half-closes after its stream request on a reused connection gets the stream", async () => {
  await withServer(5, {}, async (server) => {
    const conn = await rawConnect(server.port, get("/api/live/execution/s1?limit=1"));
    try {
      await readUntil(conn, (t) => t.endsWith("}"));
      await conn.write(new TextEncoder().encode(get(STREAM)));
      await conn.closeWrite();
      const { text } = await readUntil(conn, (t) => t.includes(": connected"));
      assert.match(text, /HTTP\/1\.1 200 OK\r\n/);
      assert.equal(server.connections().servedHere, 1);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("an app that fails to answer a request served here gives a 500, on record", async () => {
  const log: string[] = [];
  const guard = guardOnLoopback({
    log: new RefusalLog({ write: (line) => log.push(line) }),
    servedHere: { takes: () => true, answer: () => Promise.reject(new Error("boom")) },
  });
  const conn = await rawConnect((guard.addr as Deno.NetAddr).port, get("/stream"));
  try {
    const text = await readUntilClosed(conn);
    assert.equal(parseHead(text).status, 500);
    assert.match(text, /"error":"internal_error"/);
    assert.equal(log.length, 1);
    assert.match(log[0], /500 internal_error from 127\.0\.0\.1: GET \/stream failed: boom/);
  } finally {
    closeQuietly(conn);
    guard.closeAll();
  }
});

Deno.test("a shutdown lets a busy stream reach a slow client whole, last chunk included", async () => {
  for (const guardWritesStreams of [true, false]) {
    await withLogDir(async (dir) => {
      await appendEvents(dir, "s1", demoEvents("s1", 5));
      const server = await startDashboardServer({
        port: 0,
        hostname: "127.0.0.1",
        logDir: dir,
        guardWritesStreams,
      });
      const { conn } = await openStream(server);
      // Megabytes of batches on their way to a client that reads 64 KiB every 5 ms.
      const pad = "x".repeat(2000);
      const events = demoEvents("s1", 3005).slice(5).map((e) => ({ ...e, payload: { pad } }));
      await appendEvents(dir, "s1", events);
      let tail = "";
      const reading = (async () => {
        const buf = new Uint8Array(64 * 1024);
        for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
          tail = (tail + new TextDecoder().decode(buf.subarray(0, n))).slice(-32);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })().catch(() => {});
      await waitFor(() => server.connections().open === 1 && tail !== "", 5_000, "the batches");
      await server.shutdown();
      await reading;
      closeQuietly(conn);
      assert.ok(tail.endsWith("\r\n0\r\n\r\n"), `${guardWritesStreams}: ${JSON.stringify(tail)}`);
    });
  }
});

Deno.test("a shutdown does not cut an answer through the server short when the client pipelines", async () => {
  await withLogDir(async (dir) => {
    const pad = "x".repeat(8000);
    await appendEvents(dir, "s1", demoEvents("s1", 1000).map((e) => ({ ...e, payload: { pad } })));
    const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
    const client = await rawConnect(server.port, get("/api/live/execution/s1?limit=1000"));
    let stopping: Promise<void> | null = null;
    try {
      const buf = new Uint8Array(64 * 1024);
      const chunks: Uint8Array[] = [];
      const n = await client.read(buf);
      chunks.push(buf.slice(0, n!));
      stopping = server.shutdown();
      // A pipelining client sends its next requests while it still reads the answer, slowly.
      let sending = true;
      const sender = (async () => {
        while (sending) {
          await client.write(new TextEncoder().encode(get("/healthz"))).catch(() =>
            sending = false
          );
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      for (let m = await client.read(buf); m !== null; m = await client.read(buf)) {
        chunks.push(buf.slice(0, m));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      sending = false;
      await sender;
      const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      const headEnd = all.findIndex((_, i) =>
        all[i] === 13 && all[i + 1] === 10 && all[i + 2] === 13 && all[i + 3] === 10
      );
      const head = new TextDecoder().decode(all.subarray(0, headEnd));
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
      assert.ok(length > 4 * 1024 * 1024, `a large answer (${length} bytes)`);
      assert.equal(all.length - headEnd - 4, length, "the whole body, nothing after it");
      closeQuietly(client);
      await stopping;
    } finally {
      closeQuietly(client);
      await (stopping ?? server.shutdown());
    }
  });
});

Deno.test("refused connections that linger after their 503 do not hold up a shutdown", async () => {
  const log: string[] = [];
  await withServer(5, {
    maxConnections: 2,
    shutdownTimeoutMs: 800,
    refusals: new RefusalLog({ write: (line) => log.push(line), maxPerSecond: 10_000 }),
  }, async (server) => {
    const streams = [(await openStream(server)).conn, (await openStream(server)).conn];
    // Two more clients get the 503 and keep their sockets open: the guard lingers on them
    // (1 s, longer than this shutdown's time limit) so the answer is not lost to a reset.
    const refused = [await rawConnect(server.port), await rawConnect(server.port)];
    try {
      for (const conn of refused) {
        assert.match((await readUntil(conn, (t) => t.endsWith("}"))).text, /^HTTP\/1\.1 503 /);
      }
      await server.shutdown();
      assert.deepEqual(log.filter((line) => /cut off/.test(line)), [], "nothing was cut off");
    } finally {
      [...streams, ...refused].forEach(closeQuietly);
    }
  });
});

Deno.test("answerHead: the app's headers with this connection's framing; no body for 204 and 304", () => {
  const text = (res: Response) => new TextDecoder().decode(answerHead(res, 0));
  const stream = text(
    new Response("x", { headers: { "content-type": "text/plain", "content-length": "1" } }),
  );
  assert.equal(
    stream,
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n" +
      "connection: close\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n",
  );
  assert.doesNotMatch(text(new Response(null, { status: 204 })), /transfer-encoding/);
  assert.doesNotMatch(text(new Response(null, { status: 304 })), /transfer-encoding/);
  assert.match(text(new Response(null, { status: 429 })), /^HTTP\/1\.1 429 Too Many Requests\r\n/);
});
