/**
 * Set-ups shared by the tests of what the connection guard answers itself
 * (its door, and the live streams it writes): a dashboard server over a
 * session `s1`, and a guard in front of a stand-in HTTP server whose answer
 * is still on its way when the guard takes the next request.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConnectionGuard, type ConnectionGuardOptions } from "../../server/connection_guard.ts";
import {
  type DashboardServer,
  type DashboardServerOptions,
  startDashboardServer,
} from "../../server/dashboard_server.ts";
import { RefusalLog } from "../../web/refusal_log.ts";
import { appendEvents, demoEvents, withLogDir } from "../routes/fixtures.ts";
import { closeQuietly, get, rawConnect, readUntil } from "./raw_http.ts";

/** Run `body` against a dashboard server over a log dir with `events` demo events in `s1`. */
export async function withServer(
  events: number,
  options: Partial<DashboardServerOptions>,
  body: (server: DashboardServer, dir: string) => Promise<void>,
): Promise<void> {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "s1", demoEvents("s1", events));
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: dir,
      refusals: new RefusalLog({ write: () => {}, maxPerSecond: 10_000 }),
      ...options,
    });
    try {
      await body(server, dir);
    } finally {
      await server.shutdown();
    }
  });
}

/**
 * A connection guard on a free loopback port with the usual limits (`limits` changes some),
 * a quiet refusal log unless `log` is given, and no server unless `connectUpstream` is.
 */
export function guardOnLoopback(
  options: Partial<Omit<ConnectionGuardOptions, "limits">> & {
    limits?: Partial<ConnectionGuardOptions["limits"]>;
  },
): ConnectionGuard {
  return new ConnectionGuard(Deno.listen({ hostname: "127.0.0.1", port: 0 }), {
    connectUpstream: () => Promise.reject(new Error("no server behind this guard")),
    maxConnections: 8,
    secret: "guard-test",
    log: new RefusalLog({ write: () => {} }),
    ...options,
    limits: {
      idleTimeoutMs: 30_000,
      headerTimeoutMs: 10_000,
      maxHeadBytes: 16_384,
      maxHeaders: 100,
      maxBodyBytes: 65_536,
      ...options.limits,
    },
  });
}

/** The stand-in server's answer to the first request (`{"from":"server"}`). */
export const STAND_IN_BODY = '{"from":"server"}';

/**
 * A guard (with `options`: its door, or what it serves here) in front of a
 * stand-in for the HTTP server that reports its answer to the first request
 * done before writing it (as `Deno.serve` may, with the bytes still in the
 * socket), and writes it only once the guard has let the connection go. The
 * client sends `GET /first`; `body` gets the client connection once the
 * answer is reported done, and sends its next request on it.
 */
export async function withAnswerOnItsWay(
  options: Pick<ConnectionGuardOptions, "door" | "servedHere">,
  body: (client: Deno.TcpConn, guard: ConnectionGuard) => Promise<void>,
): Promise<void> {
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const responded = Promise.withResolvers<void>();
  let guard: ConnectionGuard | null = null;
  const serving = (async () => {
    const conn = await server.accept();
    try {
      const { text } = await readUntil(conn, (t) => t.includes("\r\n\r\n"));
      guard!.responded(Number(/x-peak-guard: \S+ (\d+)/.exec(text)![1]));
      responded.resolve();
      const { closed } = await readUntil(conn, () => false);
      assert.ok(closed, "the guard closes its side before answering itself");
      await conn.write(
        new TextEncoder().encode(
          `HTTP/1.1 200 OK\r\ncontent-length: ${STAND_IN_BODY.length}\r\n\r\n${STAND_IN_BODY}`,
        ),
      );
    } finally {
      closeQuietly(conn);
    }
  })();
  guard = guardOnLoopback({
    connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }),
    ...options,
  });
  const client = await rawConnect((guard.addr as Deno.NetAddr).port, get("/first"));
  try {
    await responded.promise;
    await body(client, guard);
  } finally {
    closeQuietly(client);
    guard.closeAll();
    server.close();
    await serving;
  }
}
