// The connection guard alone, in front of a plain HTTP server: when file descriptors run short
// (`accept` failing with EMFILE, simulated by a listener that fails an accept the way the kernel
// does, leaving the client queued), what it may close to make room at its limit, and what its
// timeouts may close after its event loop stalled.
import assert from "node:assert/strict";
import { ConnectionGuard } from "../../server/connection_guard.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { waitFor } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil } from "./raw_http.ts";

const LIMITS = {
  idleTimeoutMs: 60_000,
  headerTimeoutMs: 60_000,
  maxHeadBytes: 16_384,
  maxHeaders: 100,
  maxBodyBytes: 65_536,
};

/**
 * A real listener whose next `accept` can be made to fail with EMFILE: the client that arrived
 * stays queued (as in the kernel) and is handed out by the accept after.
 */
class ShortOfDescriptors {
  readonly real = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  failures = 0;
  #queued: Deno.TcpConn | null = null;

  async accept(): Promise<Deno.TcpConn> {
    const conn = this.#queued ?? await this.real.accept();
    this.#queued = null;
    if (this.failures > 0) {
      this.failures--;
      this.#queued = conn;
      throw Object.assign(new Error("Too many open files (os error 24)"), { code: "EMFILE" });
    }
    return conn;
  }
  get addr(): Deno.NetAddr {
    return this.real.addr;
  }
  close(): void {
    this.#queued?.close();
    this.real.close();
  }
}

/**
 * A real listener that stalls the event loop for `stallMs` as the guard starts reading the first
 * connection it accepts (a long synchronous task, a starved process): the client's request is in
 * the socket, and its read is delivered only after the stall.
 */
class StallOnFirstRead {
  readonly real = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  stalls = 0;
  readonly #stallMs: number;

  constructor(stallMs: number) {
    this.#stallMs = stallMs;
  }

  async accept(): Promise<Deno.TcpConn> {
    const conn = await this.real.accept();
    if (this.stalls > 0) return conn;
    const read = conn.read.bind(conn);
    conn.read = (buf) => {
      conn.read = read;
      const reading = read(buf);
      this.stalls++;
      const end = Date.now() + this.#stallMs;
      while (Date.now() < end) {
        // Busy: no timer fires and no read is delivered meanwhile.
      }
      return reading;
    };
    return conn;
  }
  get addr(): Deno.NetAddr {
    return this.real.addr;
  }
  close(): void {
    this.real.close();
  }
}

/** Run `body` with a guard over `listener` in front of a plain HTTP server, log lines collected. */
async function withGuard(
  listener: Deno.TcpListener | ShortOfDescriptors | StallOnFirstRead,
  options: { maxConnections: number; maxRefusing?: number; limits?: Partial<typeof LIMITS> },
  body: (guard: ConnectionGuard, lines: string[], port: number) => Promise<void>,
  handler: (req: Request) => Response | Promise<Response> = () => new Response("ok"),
): Promise<void> {
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const lines: string[] = [];
  const guard = new ConnectionGuard(listener as Deno.TcpListener, {
    connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: upstream.addr.port }),
    secret: "test-secret",
    log: new RefusalLog({ write: (line) => lines.push(line), maxPerSecond: 10_000 }),
    ...options,
    limits: { ...LIMITS, ...options.limits },
  });
  try {
    await body(guard, lines, (listener.addr as Deno.NetAddr).port);
  } finally {
    guard.closeAll();
    await guard.accepting;
    await upstream.shutdown();
  }
}

Deno.test("accept failing with EMFILE closes the connection idle the longest and accepts the waiting client", async () => {
  const listener = new ShortOfDescriptors();
  await withGuard(listener, { maxConnections: 10 }, async (guard, lines, port) => {
    const idle = await rawConnect(port);
    try {
      await waitFor(() => guard.stats().open === 1, 10_000, "the first connection accepted");
      listener.failures = 1;
      const next = await rawConnect(port);
      try {
        assert.ok((await readUntil(idle, () => false)).closed, "the idle connection was closed");
        await waitFor(() => guard.stats().accepted === 2, 10_000, "the waiting client accepted");
        const stats = guard.stats();
        assert.equal(stats.acceptFailures, 1);
        assert.equal(stats.evicted, 1);
        assert.equal(stats.open, 1);
        assert.ok(
          lines.some((l) =>
            /out of file descriptors, closed the connection idle the longest/.test(l)
          ),
          lines.join("\n"),
        );
      } finally {
        closeQuietly(next);
      }
    } finally {
      closeQuietly(idle);
    }
  });
});

Deno.test("accept failing with EMFILE and nothing idle: the guard waits, says so, and accepts again", async () => {
  const listener = new ShortOfDescriptors();
  await withGuard(listener, { maxConnections: 10 }, async (guard, lines, port) => {
    listener.failures = 3;
    const conn = await rawConnect(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    try {
      await waitFor(() => guard.stats().accepted === 1, 10_000, "accepted after the failures");
      assert.equal(guard.stats().acceptFailures, 3);
      assert.deepEqual(
        lines.map((l) => /accepting again in (\d+) ms/.exec(l)?.[1]),
        ["10", "20", "40"],
        "the pause doubles",
      );
    } finally {
      closeQuietly(conn);
    }
  });
});

Deno.test("at the limit, a client that half-closed after its request is not evicted: it gets its answer", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let arrived!: () => void;
  const slowArrived = new Promise<void>((resolve) => arrived = resolve);
  const handler = async (req: Request): Promise<Response> => {
    if (new URL(req.url).pathname === "/slow") {
      arrived();
      await released;
    }
    return new Response("answer");
  };
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await withGuard(listener, { maxConnections: 1 }, async (guard, _lines, port) => {
    // An HTTP/1.0-style client: the request, then FIN, then it waits for the answer.
    const waiting = await rawConnect(port, "GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let newcomer: Deno.TcpConn | null = null;
    try {
      await slowArrived;
      await waiting.closeWrite();
      await waitFor(() => guard.stats().halfClosed === 1, 10_000, "the guard to see the FIN");
      newcomer = await rawConnect(port, get("/fast"));
      const refused = await readUntil(newcomer, () => false);
      assert.match(refused.text, /^HTTP\/1\.1 503 /, "the newcomer is refused, not served");
      assert.equal(guard.stats().evicted, 0);
      release();
      const answer = await readUntil(waiting, (t) => t.includes("answer"));
      assert.match(answer.text, /^HTTP\/1\.1 200 /);
    } finally {
      release();
      if (newcomer !== null) closeQuietly(newcomer);
      closeQuietly(waiting);
    }
  }, handler);
});

Deno.test("a request that arrived while the event loop stalled is answered, not closed as idle", async () => {
  // The stall outlasts the idle timeout: the sweep that runs right after it (timers run before
  // the reads that completed meanwhile are delivered) must not take the client for idle.
  const idleTimeoutMs = 100;
  const listener = new StallOnFirstRead(idleTimeoutMs * 3);
  await withGuard(
    listener,
    { maxConnections: 10, limits: { idleTimeoutMs } },
    async (_guard, _lines, port) => {
      const conn = await rawConnect(port, get("/healthz"));
      try {
        const { text, closed } = await readUntil(conn, (t) => t.endsWith("ok"));
        assert.equal(listener.stalls, 1, "the event loop stalled as the guard read the request");
        assert.match(text, /^HTTP\/1\.1 200 /, `answered, not closed (closed: ${closed})`);
      } finally {
        closeQuietly(conn);
      }
    },
  );
});
