/**
 * The HTTP server behind the connection guard: `Deno.serve` on a Unix
 * socket in a fresh private directory (mode 0700, so no other user can
 * reach it around the guard), or on a loopback port where Unix sockets are
 * not available (Windows, or no write permission for a temp directory).
 * When `Deno.serve` stops on its own (its `accept` failed for want of file
 * descriptors, which ends a `Deno.serve` for good), a new one is started on
 * a new socket; meanwhile the guard answers `503`.
 *
 * @module
 */
import { join } from "node:path";
import type { RefusalLog } from "../web/refusal_log.ts";

/** First pause before starting a server again after it stopped; doubles up to the maximum. */
const FIRST_RESTART_DELAY_MS = 50;
const MAX_RESTART_DELAY_MS = 2000;

type Address = { transport: "unix"; path: string } | {
  transport: "tcp";
  hostname: string;
  port: number;
};

/** The private directories of the servers running in this process. */
const liveDirs = new Set<string>();

/**
 * The private socket directories of the servers running in this process: the
 * shutdown watchdog removes them before it kills a stuck process, which
 * cannot run its own `close()`.
 *
 * @example
 * ```ts ignore
 * console.log(privateServerDirs()); // [] before a server started
 * ```
 */
export function privateServerDirs(): string[] {
  return [...liveDirs];
}

/**
 * A `Deno.serve` on a private address, restarted when it stops on its own.
 *
 * @example
 * ```ts ignore
 * import { PrivateHttpServer } from "./private_http_server.ts";
 * import { RefusalLog } from "../web/refusal_log.ts";
 * const server = await PrivateHttpServer.start(() => new Response("ok"), new RefusalLog());
 * const conn = await server.connect();
 * conn.close();
 * await server.shutdown();
 * await server.close();
 * ```
 */
export class PrivateHttpServer {
  #handler: Deno.ServeHandler;
  #log: RefusalLog;
  #dir: string | null;
  #server: Deno.HttpServer | null = null;
  #address: Address | null = null;
  #generation = 0;
  #closing = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #restartDelayMs = FIRST_RESTART_DELAY_MS;

  private constructor(handler: Deno.ServeHandler, log: RefusalLog, dir: string | null) {
    this.#handler = handler;
    this.#log = log;
    this.#dir = dir;
  }

  /** Start serving `handler` on a private socket (or loopback port). */
  static async start(handler: Deno.ServeHandler, log: RefusalLog): Promise<PrivateHttpServer> {
    let dir: string | null = null;
    if (Deno.build.os !== "windows") {
      try {
        dir = await Deno.makeTempDir({ prefix: "peak-dashboard-" });
        await Deno.chmod(dir, 0o700);
      } catch {
        dir = null; // no write permission: a loopback port instead
      }
    }
    if (dir !== null) liveDirs.add(dir);
    const server = new PrivateHttpServer(handler, log, dir);
    server.#listen();
    return server;
  }

  /** Open a connection to the server (rejects while it is being restarted). */
  connect(): Promise<Deno.Conn> {
    const address = this.#address;
    if (address === null) {
      return Promise.reject(new Error("the HTTP server is restarting"));
    }
    if (address.transport === "unix") return Deno.connect(address);
    return Deno.connect({ hostname: address.hostname, port: address.port }).then((conn) => {
      conn.setNoDelay(true); // see the guard: no Nagle delay on answers split over writes
      return conn;
    });
  }

  /** Deno's graceful shutdown: stop accepting, wait for the requests under way. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    await this.#server?.shutdown();
  }

  /** Remove the private directory (after {@linkcode shutdown}, whether or not it finished). */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    if (this.#dir !== null) {
      liveDirs.delete(this.#dir);
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    }
  }

  #listen(): void {
    const generation = ++this.#generation;
    let server: Deno.HttpServer;
    try {
      if (this.#dir !== null) {
        const path = join(this.#dir, `http-${generation}.sock`);
        server = Deno.serve({ path, onListen: () => {} }, this.#handler);
        this.#address = { transport: "unix", path };
      } else {
        server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, this.#handler);
        const { port } = server.addr as Deno.NetAddr;
        this.#address = { transport: "tcp", hostname: "127.0.0.1", port };
      }
    } catch (err) {
      this.#address = null;
      this.#scheduleRestart(err);
      return;
    }
    this.#server = server;
    this.#restartDelayMs = FIRST_RESTART_DELAY_MS;
    server.finished.then(
      () => this.#stopped(generation, null),
      (err) => this.#stopped(generation, err),
    );
  }

  #stopped(generation: number, err: unknown): void {
    if (this.#closing || generation !== this.#generation) return;
    this.#address = null;
    this.#scheduleRestart(err);
  }

  #scheduleRestart(err: unknown): void {
    if (this.#closing) return;
    const why = err instanceof Error ? err.message : "it stopped";
    this.#log.refused(
      `new requests: the HTTP server stopped (${why}); starting it again in ` +
        `${this.#restartDelayMs} ms`,
    );
    this.#restartTimer = setTimeout(() => this.#listen(), this.#restartDelayMs);
    this.#restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, this.#restartDelayMs * 2);
  }
}
