// The connection guard's door: a repeated read of a cached API answer is answered by the guard
// itself. What a client relies on: the same bytes as the app's answer, every append seen by the
// next request, answers in the order asked, and every request the app must judge (another host,
// a wrong or missing token, a locked-out address, a closing connection) still reaching the app.
import assert from "node:assert/strict";
import { AnswerDoor, requestTarget } from "../../server/answer_door.ts";
import type { ConnectionGuard } from "../../server/connection_guard.ts";
import type { DashboardServer } from "../../server/dashboard_server.ts";
import { DashboardMetrics } from "../../web/dashboard_metrics.ts";
import { FailureBudget } from "../../web/failure_budget.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { ResponseCache } from "../../web/response_cache.ts";
import { appendEvents, demoEvents, withLogDir } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil, readUntilClosed } from "./raw_http.ts";
import { guardOnLoopback, withAnswerOnItsWay, withServer } from "./guard_fixtures.ts";

const API = "/api/live/execution/s1?limit=20";
const TOKEN = "door-test-token-0123456789";

/** One complete answer: its head and body as text (bodies are sent with a Content-Length). */
interface Answer {
  status: number;
  head: string;
  body: string;
}

/**
 * Read `count` answers from `conn`, one after another, by their Content-Length; `closed` says
 * whether the server closed the connection after them.
 */
async function readAnswers(conn: Deno.Conn, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  let text = "";
  const complete = (all: string): boolean => {
    let rest = all;
    let found = 0;
    while (found < count) {
      const end = rest.indexOf("\r\n\r\n");
      if (end === -1) return false;
      const head = rest.slice(0, end);
      assert.doesNotMatch(head, /transfer-encoding/i, "answers here carry a Content-Length");
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (rest.length < end + 4 + length) return false;
      rest = rest.slice(end + 4 + length);
      found++;
    }
    return true;
  };
  ({ text } = await readUntil(conn, complete));
  for (let i = 0; i < count; i++) {
    const end = text.indexOf("\r\n\r\n");
    const head = text.slice(0, end);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
    answers.push({
      status: Number(head.slice(9, 12)),
      head,
      body: text.slice(end + 4, end + 4 + length),
    });
    text = text.slice(end + 4 + length);
  }
  return answers;
}

/** The answer's bytes without its `date` line (the only line that changes by the second). */
function undated(answer: Answer): string {
  return `${answer.head.replace(/\r\ndate: [^\r]*/i, "")}\r\n\r\n${answer.body}`;
}

/** A door over the response cache of a three-event session `s1` in `dir`, nothing taught yet. */
async function doorOverSession(dir: string, maxTargets?: number) {
  await appendEvents(dir, "s1", demoEvents("s1", 3));
  const cache = new ResponseCache();
  const histogram = new DashboardMetrics({ logDir: dir }).requestDuration;
  const door = new AnswerDoor({ maxTargets });
  door.serveFrom({ cache, histogram, token: null });
  return { path: `${dir}/s1.jsonl`, cache, histogram, door };
}

async function ask(server: DashboardServer, request: string): Promise<Answer> {
  const conn = await rawConnect(server.port, request);
  try {
    return (await readAnswers(conn, 1))[0];
  } finally {
    closeQuietly(conn);
  }
}

Deno.test("a repeated read is answered by the guard with the app's own bytes", async () => {
  await withServer(50, {}, async (server) => {
    // Browser-like header lines: the app does not compress these answers, nor may the door.
    const request = get(API, "Accept: application/json\r\nAccept-Encoding: gzip, br\r\n");
    const fromApp = await ask(server, request);
    assert.equal(fromApp.status, 200);
    assert.equal(server.connections().answeredAtDoor, 0, "the first read teaches the door");
    const fromDoor = await ask(server, request);
    assert.equal(server.connections().answeredAtDoor, 1);
    assert.equal(undated(fromDoor), undated(fromApp));
    assert.match(fromDoor.head, /\r\ndate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/);
    assert.equal(JSON.parse(fromDoor.body).count, 20);
  });
});

Deno.test("an append is seen by the very next request, and the guard answers again after it", async () => {
  await withServer(50, {}, async (server, dir) => {
    const conn = await rawConnect(server.port);
    try {
      const request = new TextEncoder().encode(get(API));
      const next = async (): Promise<Answer> => {
        await conn.write(request);
        return (await readAnswers(conn, 1))[0];
      };
      const first = await next(); // the app's, which teaches the door
      const repeated = await next();
      assert.equal(server.connections().answeredAtDoor, 1);
      assert.equal(repeated.body, first.body);
      await appendEvents(dir, "s1", demoEvents("s1", 55).slice(50));
      const afterAppend = await next();
      assert.equal(server.connections().answeredAtDoor, 1, "a changed file goes to the app");
      assert.equal(JSON.parse(afterAppend.body).summary.event_count, 55);
      assert.notEqual(afterAppend.body, first.body);
      // The same connection went through the app: its next repeat is the guard's again.
      const again = await next();
      assert.equal(server.connections().answeredAtDoor, 2);
      assert.equal(undated(again), undated(afterAppend));
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("If-None-Match with the current tag is answered 304 by the guard, as the app answers it", async () => {
  await withServer(50, {}, async (server) => {
    const first = await ask(server, get(API));
    const etag = /\r\netag: ([^\r]+)/i.exec(first.head)![1];
    const conditional = get(API, `If-None-Match: ${etag}\r\n`);
    await withServer(50, { doorAnswers: false }, async (plain) => {
      // The same session (the same events), so the same tag, from the app of a server without a door.
      const fromApp = await ask(plain, conditional);
      const fromDoor = await ask(server, conditional);
      assert.equal(server.connections().answeredAtDoor, 1);
      assert.equal(plain.connections().answeredAtDoor, 0);
      assert.equal(fromDoor.status, 304);
      assert.equal(undated(fromDoor), undated(fromApp));
      const stale = await ask(server, get(API, 'If-None-Match: "an-old-tag"\r\n'));
      assert.equal(stale.status, 200);
      assert.equal(stale.body, first.body);
    });
  });
});

Deno.test("requests the app must judge still reach it", async () => {
  await withServer(50, {}, async (server) => {
    await ask(server, get(API)); // taught
    const cases: [string, string, number][] = [
      ["another host", `GET ${API} HTTP/1.1\r\nHost: attacker.example\r\n\r\n`, 403],
      ["a HEAD request", `HEAD ${API} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 200],
      ["a range request", get(API, "Range: bytes=0-10\r\n"), 200],
      ["an upgrade", get(API, "Connection: upgrade\r\nUpgrade: websocket\r\n"), 200],
    ];
    for (const [what, request, status] of cases) {
      const conn = await rawConnect(server.port, request);
      try {
        const { text } = await readUntil(conn, (t) => /\r\n\r\n/.test(t));
        assert.equal(Number(text.slice(9, 12)), status, what);
      } finally {
        closeQuietly(conn);
      }
    }
    const closing = await rawConnect(server.port, get(API, "Connection: close\r\n"));
    try {
      const { text, closed } = await readUntil(closing, () => false);
      assert.equal(Number(text.slice(9, 12)), 200);
      assert.ok(closed, "Connection: close is honoured");
    } finally {
      closeQuietly(closing);
    }
    assert.equal(server.connections().answeredAtDoor, 0);
  });
});

Deno.test("pipelined requests are answered in the order asked, whoever answers each", async () => {
  await withServer(50, {}, async (server) => {
    await ask(server, get(API)); // taught
    const conn = await rawConnect(
      server.port,
      get(API) + get("/healthz") + get(API) + get("/api/live/execution/s1?limit=3") + get(API),
    );
    try {
      const answers = await readAnswers(conn, 5);
      const shapes = answers.map((a) => {
        const body = JSON.parse(a.body);
        return "count" in body ? `api ${body.count}` : "health";
      });
      assert.deepEqual(shapes, ["api 20", "health", "api 20", "api 3", "api 20"]);
      assert.ok(server.connections().answeredAtDoor >= 1);
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("with a token, only the right bearer from an address not locked out is answered by the guard", async () => {
  await withServer(
    50,
    { token: TOKEN, authFailures: new FailureBudget({ freeFailures: 1 }) },
    async (server) => {
      const right = get(API, `Authorization: Bearer ${TOKEN}\r\n`);
      assert.equal((await ask(server, right)).status, 200); // taught
      assert.equal((await ask(server, right)).status, 200);
      assert.equal(server.connections().answeredAtDoor, 1);
      assert.equal((await ask(server, get(API))).status, 401);
      const wrong = get(API, "Authorization: Bearer not-the-token-at-all\r\n");
      assert.equal((await ask(server, wrong)).status, 401);
      assert.equal((await ask(server, wrong)).status, 401); // past the free failure: locked out
      const locked = await ask(server, right);
      assert.equal(locked.status, 429, "a locked-out address is refused even with the token");
      assert.equal(server.connections().answeredAtDoor, 1);
    },
  );
});

Deno.test("the guard's answers are counted in the route's request-duration series", async () => {
  await withServer(50, {}, async (server) => {
    const series =
      /peak_exec_http_request_duration_seconds_count\{route="\/api\/live\/execution\/:session",method="GET",status_class="2xx"\} (\d+)/;
    const count = async (): Promise<number> => {
      const metrics = await ask(server, get("/metrics"));
      return Number(series.exec(metrics.body)?.[1] ?? 0);
    };
    await ask(server, get(API)); // the app's
    const before = await count();
    assert.equal(before, 1);
    for (let i = 0; i < 3; i++) await ask(server, get(API));
    assert.equal(server.connections().answeredAtDoor, 3);
    assert.equal(await count(), before + 3);
  });
});

Deno.test("with doorAnswers false every request reaches the app", async () => {
  await withServer(50, { doorAnswers: false }, async (server) => {
    for (let i = 0; i < 3; i++) assert.equal((await ask(server, get(API))).status, 200);
    assert.equal(server.connections().answeredAtDoor, 0);
  });
});

Deno.test("requestTarget is the target exactly as sent", () => {
  assert.equal(requestTarget("http://127.0.0.1:8000/api/x?a=%41&b"), "/api/x?a=%41&b");
  assert.equal(requestTarget("http://localhost/live/execution/%2e%2e"), "/live/execution/%2e%2e");
  assert.equal(requestTarget("http://localhost"), "/");
});

Deno.test("the door forgets the least recently taught target past its limit", async () => {
  await withLogDir(async (dir) => {
    const { path, cache, door } = await doorOverSession(dir, 2);
    for (const key of ["a", "b", "c"]) {
      await cache.answer(path, key, () => Promise.resolve(`{"key":"${key}"}`));
      door.remember(`http://127.0.0.1/x?${key}`, "/x", path, key);
    }
    const answerTo = (key: string) =>
      door.answer({ target: `/x?${key}`, ifNoneMatch: null }, "127.0.0.1");
    assert.equal(answerTo("a"), null);
    assert.match(new TextDecoder().decode(answerTo("c")!.bytes), /\{"key":"c"\}$/);
    assert.match(new TextDecoder().decode(answerTo("b")!.bytes), /^HTTP\/1\.1 200 OK\r\n/);
    await Deno.writeTextFile(path, "\n", { append: true });
    assert.equal(answerTo("b"), null, "a changed file is never answered from the old entry");
  });
});

Deno.test("an answer of the server still on its way goes out before the guard's own", async () => {
  await withLogDir(async (dir) => {
    const { path, cache, door } = await doorOverSession(dir);
    await cache.answer(path, "a", () => Promise.resolve('{"from":"door"}'));
    door.remember("http://127.0.0.1/taught", "/taught", path, "a");

    await withAnswerOnItsWay({ door }, async (client, guard) => {
      await client.write(new TextEncoder().encode(get("/taught")));
      const answers = await readAnswers(client, 2);
      assert.deepEqual(answers.map((a) => JSON.parse(a.body).from), ["server", "door"]);
      assert.equal(guard.stats().answeredAtDoor, 1);
    });
  });
});

Deno.test("an answer is counted in the request metrics once delivered, not when found", async () => {
  await withLogDir(async (dir) => {
    const { path, cache, histogram, door } = await doorOverSession(dir);
    await cache.answer(path, "k", () => Promise.resolve("{}"));
    door.remember("http://127.0.0.1/x", "/x", path, "k");
    const count = async (): Promise<number> =>
      (await histogram.get()).values.find((v) =>
        v.metricName === "peak_exec_http_request_duration_seconds_count" && v.labels.route === "/x"
      )?.value ?? 0;
    const answer = door.answer({ target: "/x", ifNoneMatch: null }, "127.0.0.1")!;
    assert.equal(answer.statusClass, "2xx");
    assert.equal(await count(), 0, "an answer never written (the client went away) is not counted");
    door.delivered(answer, "127.0.0.1");
    assert.equal(await count(), 1);
  });
});

/** A guard whose door answers `/big` with a 6 MiB body (larger than the socket buffers). */
async function bigAnswerGuard(dir: string): Promise<{
  guard: ConnectionGuard;
  body: string;
  refusals: string[];
}> {
  const { path, cache, door } = await doorOverSession(dir);
  // Larger than the kernel's socket buffers, so its write waits for the client to read.
  const body = `{"pad":"${"x".repeat(6 * 1024 * 1024)}"}`;
  await cache.answer(path, "big", () => Promise.resolve(body));
  door.remember("http://127.0.0.1/big", "/big", path, "big");
  const refusals: string[] = [];
  const guard = guardOnLoopback({
    limits: { headerTimeoutMs: 100 },
    log: new RefusalLog({ write: (line) => refusals.push(line) }),
    door,
  });
  return { guard, body, refusals };
}

Deno.test("a large answer read slowly is delivered whole, never cut by the header timeout", async () => {
  await withLogDir(async (dir) => {
    const { guard, body, refusals } = await bigAnswerGuard(dir);
    const client = await rawConnect((guard.addr as Deno.NetAddr).port, get("/big"));
    try {
      // The slow client: it reads nothing for three header timeouts (the sweep runs every 25 ms).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [answer] = await readAnswers(client, 1);
      assert.equal(answer.status, 200);
      assert.equal(answer.body, body);
      assert.deepEqual(refusals, []);
      assert.equal(guard.stats().answeredAtDoor, 1);
    } finally {
      closeQuietly(client);
      guard.closeAll();
    }
  });
});

Deno.test("a request waiting for the server's last answer when the shutdown starts is not taken", async () => {
  await withLogDir(async (dir) => {
    const { path, cache, door } = await doorOverSession(dir);
    await cache.answer(path, "a", () => Promise.resolve('{"from":"door"}'));
    door.remember("http://127.0.0.1/taught", "/taught", path, "a");
    // The server reports its answer done, then writes it only when the test says so: the door's
    // request waits for it (the server connection being let go) when the shutdown drains.
    const backend = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const responded = Promise.withResolvers<void>();
    const letGo = Promise.withResolvers<void>();
    const answerNow = Promise.withResolvers<void>();
    let connections = 0;
    const log: string[] = [];
    let guard: ConnectionGuard | null = null;
    const serving = (async () => {
      for await (const conn of backend) {
        if (++connections > 1) continue; // counted: no second connection may be opened
        const { text } = await readUntil(conn, (t) => t.includes("\r\n\r\n"));
        guard!.responded(Number(/x-peak-guard: \S+ (\d+)/.exec(text)![1]));
        responded.resolve();
        await readUntil(conn, () => false); // the guard lets the connection go
        letGo.resolve();
        await answerNow.promise;
        await conn.write(
          new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"),
        );
        closeQuietly(conn);
      }
    })().catch(() => {});
    guard = guardOnLoopback({
      connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: backend.addr.port }),
      log: new RefusalLog({ write: (line) => log.push(line), maxPerSecond: 10_000 }),
      door,
    });
    const client = await rawConnect((guard.addr as Deno.NetAddr).port, get("/first"));
    try {
      await responded.promise;
      await client.write(new TextEncoder().encode(get("/taught")));
      await letGo.promise;
      guard.stopAccepting();
      guard.closeIdle();
      answerNow.resolve();
      const text = await readUntilClosed(client);
      assert.equal(text.split("HTTP/1.1 ").length, 2, `the server's answer only: ${text}`);
      assert.ok(text.endsWith("{}"));
      assert.equal(connections, 1, "no server connection opened after the drain");
      assert.deepEqual(log, []);
    } finally {
      closeQuietly(client);
      guard.closeAll();
      backend.close();
      await serving;
    }
  });
});

/**
 * A guard whose door is writing a 6 MiB answer to a client that has read its first bytes, and
 * the drain of a shutdown just begun.
 */
async function drainedWhileAnswering(dir: string): Promise<{
  guard: ConnectionGuard;
  body: string;
  client: Deno.TcpConn;
  first: Uint8Array;
}> {
  const { guard, body } = await bigAnswerGuard(dir);
  const client = await rawConnect((guard.addr as Deno.NetAddr).port, get("/big"));
  const buf = new Uint8Array(1024);
  const n = await client.read(buf);
  assert.ok(n !== null && n > 0);
  guard.closeIdle();
  return { guard, body, client, first: buf.subarray(0, n) };
}

Deno.test("a shutdown does not cut a door answer short when the client pipelines its next request", async () => {
  await withLogDir(async (dir) => {
    const { guard, body, client, first } = await drainedWhileAnswering(dir);
    try {
      // The next request arrives while the answer is still being read: left unread, it would
      // make the close a reset, and the kernel would drop the rest of the answer.
      await client.write(new TextEncoder().encode(get("/big")));
      const chunks = [first];
      const buf = new Uint8Array(64 * 1024);
      for (let m = await client.read(buf); m !== null; m = await client.read(buf)) {
        chunks.push(buf.slice(0, m));
        await new Promise((resolve) => setTimeout(resolve, 1)); // a slow reader
      }
      const text = chunks.map((c) => new TextDecoder().decode(c)).join("");
      assert.ok(text.endsWith(body), `the whole body arrived (${text.length} characters)`);
      assert.equal(
        text.split("HTTP/1.1 ").length,
        2,
        "one answer: no request is taken at shutdown",
      );
      closeQuietly(client);
      await guard.whenClosed();
    } finally {
      closeQuietly(client);
      guard.closeAll();
    }
  });
});

Deno.test("a client still sending after the shutdown's end gets the time to read the whole answer", async () => {
  await withLogDir(async (dir) => {
    const { guard, body, client, first } = await drainedWhileAnswering(dir);
    let sending = true;
    try {
      // Requests keep coming while the client reads the 6 MiB slowly: more than the guard's
      // linger (1 s) passes between the last byte handed to the kernel and the client's read of it.
      const sender = (async () => {
        while (sending) {
          await client.write(new TextEncoder().encode(get("/big"))).catch(() => sending = false);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      const chunks = [first];
      const buf = new Uint8Array(64 * 1024);
      for (let m = await client.read(buf); m !== null; m = await client.read(buf)) {
        chunks.push(buf.slice(0, m));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      sending = false;
      await sender;
      const text = chunks.map((c) => new TextDecoder().decode(c)).join("");
      assert.ok(text.endsWith(body), `the whole body arrived (${text.length} characters)`);
    } finally {
      sending = false;
      closeQuietly(client);
      guard.closeAll();
    }
  });
});

Deno.test("a keep-alive connection idle when the shutdown starts is closed at once", async () => {
  await withServer(5, {}, async (server) => {
    const conn = await rawConnect(server.port, get("/api/live/execution/s1?limit=1"));
    try {
      await readUntil(conn, (t) => t.endsWith("}")); // answered; the connection stays open, idle
      const stopping = server.shutdown();
      const { closed } = await readUntil(conn, () => false);
      assert.ok(closed);
      // Closed, not waiting for this client to close first: nothing of an answer was on its way.
      assert.equal(server.connections().open, 0);
      await stopping;
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("a shutdown lets an answer the door is writing reach its client whole, then closes", async () => {
  await withLogDir(async (dir) => {
    // The door is writing: its first bytes have arrived, most are still to come.
    const { guard, body, client, first } = await drainedWhileAnswering(dir);
    try {
      const rest = await readUntilClosed(client, 20_000);
      const text = new TextDecoder().decode(first) + rest;
      assert.ok(text.endsWith(body), `the whole body arrived (${text.length} characters)`);
      await guard.whenAnswered();
      // The guard sent its end after the answer; it closes once the client has closed.
      closeQuietly(client);
      await guard.whenClosed();
      assert.equal(guard.stats().open, 0);
    } finally {
      closeQuietly(client);
      guard.closeAll();
    }
  });
});
