// The connection guard in front of the dashboard, over real sockets: timeouts, the connection
// limit, and requests refused before they reach the app. The idle timeouts here are short so the
// tests wait little; each wait is for an event (a close, an answer), bounded by a deadline.
import assert from "node:assert/strict";
import {
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from "../../server/dashboard_server.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { waitFor, withLogDir } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil, readUntilClosed } from "./raw_http.ts";

/** Run `body` with a dashboard over a fresh log dir, its refusal log lines collected. */
async function withServer(
  limits: Partial<DashboardServerOptions>,
  body: (server: DashboardServer, lines: string[], dir: string) => Promise<void>,
): Promise<void> {
  await withLogDir(async (dir) => {
    const lines: string[] = [];
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      refusals: new RefusalLog({ write: (line) => lines.push(line), maxPerSecond: 10_000 }),
      ...limits,
    });
    try {
      await body(server, lines, dir);
    } finally {
      await server.shutdown();
    }
  });
}

/** Open `count` live streams on `server`, each connected (its slot held by a request under way). */
async function openStreams(server: DashboardServer, count: number): Promise<Deno.TcpConn[]> {
  const streams: Deno.TcpConn[] = [];
  for (let i = 0; i < count; i++) {
    const conn = await rawConnect(server.port, get("/api/live/execution/s1/stream"));
    streams.push(conn);
    await readUntil(conn, (t) => t.includes(": connected"));
  }
  return streams;
}

/** Status code of the first answer in `text`. */
function status(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
}

/** Status codes of every answer in `text` (an answer may follow a body on the same line). */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

Deno.test("idle connections are closed after the idle timeout while a normal client is served", async () => {
  await withServer({ idleTimeoutMs: 300, maxConnections: 1000 }, async (server) => {
    const idle = await Promise.all(Array.from({ length: 200 }, () => rawConnect(server.port)));
    try {
      // Accepted, not open: on a busy machine the first ones may be closed before the last one
      // is accepted, and 200 would never be open at once.
      await waitFor(() => server.connections().accepted === 200, 10_000, "200 idle connections");
      const res = await fetch(new URL("/healthz", server.url));
      assert.equal(res.status, 200);
      await res.body?.cancel();
      const closedByServer = await Promise.all(
        idle.map(async (conn) => (await readUntil(conn, () => false)).closed),
      );
      assert.ok(closedByServer.every(Boolean), "every idle connection was closed by the server");
      await waitFor(() => server.connections().open === 0, 10_000, "no connection left open");
      const again = await fetch(new URL("/healthz", server.url));
      assert.equal(again.status, 200, "the server lives on");
      await again.body?.cancel();
    } finally {
      idle.forEach(closeQuietly);
    }
  });
});

Deno.test("a keep-alive connection idle after its answer is closed after the idle timeout", async () => {
  await withServer({ idleTimeoutMs: 300 }, async (server) => {
    const conn = await rawConnect(server.port, get("/healthz"));
    try {
      const { text, closed } = await readUntil(conn, () => false);
      assert.equal(status(text), 200);
      assert.ok(closed);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a request that does not arrive whole within the header timeout gets 408 and is closed", async () => {
  await withServer({ headerTimeoutMs: 300 }, async (server, lines) => {
    const conn = await rawConnect(server.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    try {
      const text = await readUntilClosed(conn);
      assert.equal(status(text), 408);
      assert.match(text, /"error":"header_timeout"/);
      assert.match(text, /connection: close/i);
      assert.ok(lines.some((line) => /408 header_timeout from 127\.0\.0\.1/.test(line)));
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("at the connection limit a new connection closes the one idle the longest", async () => {
  await withServer({ maxConnections: 3 }, async (server) => {
    const conns: Deno.TcpConn[] = [];
    try {
      // Each answered once, so each is accepted and idle, the first one idle the longest.
      for (let i = 0; i < 3; i++) {
        const conn = await rawConnect(server.port, get("/healthz"));
        conns.push(conn);
        assert.equal(status((await readUntil(conn, (t) => t.endsWith("}"))).text), 200);
      }
      const newcomer = await rawConnect(server.port, get("/healthz"));
      conns.push(newcomer);
      assert.equal(status((await readUntil(newcomer, (t) => t.endsWith("}"))).text), 200);
      assert.ok((await readUntil(conns[0], () => false)).closed, "the oldest idle one was closed");
      assert.equal(server.connections().evicted, 1);
      assert.equal(server.connections().open, 3);
    } finally {
      conns.forEach(closeQuietly);
    }
  });
});

Deno.test("when every connection has a request under way, one more gets 503 with Retry-After", async () => {
  await withServer({ maxConnections: 2 }, async (server, lines) => {
    const streams = await openStreams(server, 2);
    try {
      const extra = await rawConnect(server.port, get("/healthz"));
      try {
        const text = await readUntilClosed(extra);
        assert.equal(status(text), 503);
        assert.match(text, /retry-after: 5/i);
        assert.match(text, /"error":"too_many_connections"/);
        assert.match(text, /--max-connections/);
      } finally {
        closeQuietly(extra);
      }
      assert.equal(server.connections().refused, 1);
      assert.ok(lines.some((line) => /503 too_many_connections/.test(line)));
    } finally {
      streams.forEach(closeQuietly);
    }
  });
});

Deno.test("at the connection limit, a live stream whose client stopped sending makes room", async () => {
  await withServer({ maxConnections: 2 }, async (server) => {
    const streams = await openStreams(server, 2);
    try {
      // A closed tab: the client's FIN arrives, while the stream would only notice at its next
      // heartbeat (15 s) that nobody reads it any more.
      await streams[0].closeWrite();
      await waitFor(
        () => server.connections().endedStreams === 1,
        10_000,
        "the guard to see the FIN",
      );
      assert.equal(server.connections().open, 2, "the ended stream is still open");
      const newcomer = await rawConnect(server.port, get("/healthz"));
      streams.push(newcomer);
      assert.equal(status((await readUntil(newcomer, (t) => t.endsWith("}"))).text), 200);
      assert.ok((await readUntil(streams[0], () => false)).closed, "the ended stream was closed");
      assert.equal(server.connections().evicted, 1);
      assert.equal(server.connections().refused, 0);
    } finally {
      streams.forEach(closeQuietly);
    }
  });
});

Deno.test("to make room, a live stream whose client has gone is closed before an idle connection", async () => {
  await withServer({ maxConnections: 2 }, async (server) => {
    // Idle the longest: a keep-alive connection answered once, before the stream opens.
    const idle = await rawConnect(server.port, get("/healthz"));
    const conns = [idle];
    try {
      assert.equal(status((await readUntil(idle, (t) => t.endsWith("}"))).text), 200);
      const [stream] = await openStreams(server, 1);
      conns.push(stream);
      await stream.closeWrite();
      await waitFor(() => server.connections().endedStreams === 1, 10_000, "the FIN seen");
      const newcomer = await rawConnect(server.port, get("/healthz"));
      conns.push(newcomer);
      assert.equal(status((await readUntil(newcomer, (t) => t.endsWith("}"))).text), 200);
      assert.ok((await readUntil(stream, () => false)).closed, "the gone stream was closed");
      assert.equal(server.connections().evicted, 1);
      await idle.write(new TextEncoder().encode(get("/healthz")));
      const again = await readUntil(idle, (t) => t.endsWith("}"));
      assert.equal(status(again.text), 200, "the idle connection was kept");
    } finally {
      conns.forEach(closeQuietly);
    }
  });
});

Deno.test("malformed Host, userinfo and absolute-form requests get 400 before the app, one line each", async () => {
  await withServer({}, async (server, lines) => {
    const requests = [
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1 evil.com\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: evil.com@127.0.0.1\r\n\r\n",
      "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: evil.com\r\n\r\n",
      "GET http://evil.com/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ];
    for (const request of requests) {
      const conn = await rawConnect(server.port, request);
      try {
        const text = await readUntilClosed(conn);
        assert.equal(status(text), 400, request);
        assert.match(text, /"error":"(invalid_host|absolute_form_refused)"/, request);
      } finally {
        closeQuietly(conn);
      }
    }
    assert.equal(lines.length, requests.length);
    for (const line of lines) {
      assert.match(line, /^dashboard: refused 400 (invalid_host|absolute_form_refused) from /);
      assert.doesNotMatch(line, /\n|Error|\bat /);
    }
    const res = await fetch(new URL("/healthz", server.url));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });
});

Deno.test("pipelined requests and a request body pass through the guard in order", async () => {
  await withServer({}, async (server) => {
    const body = "token=&next=%2F";
    const post = `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n` +
      body;
    const conn = await rawConnect(server.port, get("/healthz") + post + get("/favicon.ico"));
    try {
      const { text } = await readUntil(conn, (t) => statuses(t).length === 3);
      assert.deepEqual(statuses(text), [200, 303, 204]);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a bad request after a good one on the same connection is refused after the first answer", async () => {
  await withServer({}, async (server) => {
    const bad = "GET /healthz HTTP/1.1\r\nHost: evil.com@127.0.0.1\r\n\r\n";
    const conn = await rawConnect(server.port, get("/healthz") + bad);
    try {
      const text = await readUntilClosed(conn);
      assert.deepEqual(statuses(text), [200, 400]);
      assert.match(text, /"status":"ok"/);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("request heads and bodies over their limits are refused with 431 and 413", async () => {
  await withServer({ maxHeadBytes: 1024, maxBodyBytes: 100 }, async (server) => {
    const big = await rawConnect(server.port, get("/healthz", `X-Pad: ${"a".repeat(2000)}\r\n`));
    const long = await rawConnect(
      server.port,
      "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 101\r\n\r\n",
    );
    try {
      assert.equal(status(await readUntilClosed(big)), 431);
      assert.equal(status(await readUntilClosed(long)), 413);
    } finally {
      closeQuietly(big);
      closeQuietly(long);
    }
  });
});

Deno.test("a request body that does not arrive within the header timeout closes the connection", async () => {
  await withServer({ headerTimeoutMs: 300 }, async (server, lines) => {
    const conn = await rawConnect(
      server.port,
      "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\ntoken=",
    );
    try {
      assert.ok((await readUntil(conn, () => false)).closed);
      assert.ok(lines.some((line) => /request body did not arrive within 0\.3 s/.test(line)));
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a client that stops reading its answers is closed after the idle timeout", async () => {
  await withServer({ idleTimeoutMs: 500 }, async (server, lines) => {
    // Far more answer bytes than the socket buffers hold, and never a read.
    const conn = await rawConnect(server.port, get("/static/islands.js").repeat(400));
    try {
      await waitFor(
        () => lines.some((line) => /closed, it read nothing for 0\.5 s/.test(line)),
        20_000,
        "the stalled reader to be closed",
      );
      await waitFor(() => server.connections().open === 0, 10_000, "its connection to be gone");
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a client that half-closes after its request still gets the whole answer", async () => {
  await withServer({}, async (server) => {
    const conn = await rawConnect(server.port, get("/static/islands.js"));
    try {
      await conn.closeWrite();
      const text = await readUntilClosed(conn);
      assert.equal(status(text), 200);
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1]);
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      assert.ok(length > 10_000, `a large answer (${length} bytes)`);
      assert.equal(new TextEncoder().encode(body).length, length);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("empty lines start a request's clock: they cannot keep a connection open", async () => {
  await withServer({ headerTimeoutMs: 300 }, async (server) => {
    const conn = await rawConnect(server.port, "\r\n\r\n");
    try {
      const text = await readUntilClosed(conn);
      assert.equal(status(text), 408);
    } finally {
      closeQuietly(conn);
    }
  });
});
