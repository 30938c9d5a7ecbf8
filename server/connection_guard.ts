/**
 * The connection guard: the dashboard's public TCP listener. `Deno.serve`
 * has no idle or header timeout and no connection limit, and it ends (the
 * process exits) when `accept` fails for want of file descriptors, so the
 * HTTP server listens on a private socket and this guard stands in front:
 *
 * - at most `maxConnections` client connections; one more evicts the
 *   connection idle the longest, or, when every connection has a request
 *   under way, is answered `503 too_many_connections` with `Retry-After`;
 * - a connection with nothing under way closes after `idleTimeoutMs`; a
 *   request must arrive whole within `headerTimeoutMs` of its first byte
 *   (`408`), and a client that stops reading an answer is closed;
 * - request heads are checked before anything reaches the server (a strict
 *   `Host`, no absolute-form target, bounded head and body: `400`, `431`,
 *   `413`), each refusal one line in the log;
 * - when `accept` fails for want of file descriptors, the guard closes an
 *   idle connection or waits a moment and accepts again: it refuses, it
 *   never exits.
 *
 * A connection costs one descriptor until its first request is complete,
 * so idle connections are cheap until they are closed.
 *
 * Deno 2.9's `Deno.serve` offers none of this (its options are the address,
 * `signal`, `onError`, `onListen`, compression and the listen backlog; a
 * `keepAliveTimeout` for HTTP/1.1 is proposed upstream in denoland/deno#34172,
 * which would cover idle keep-alive connections only, not a connection
 * limit, header timeouts or the EMFILE exit).
 *
 * @module
 */
import type { RefusalLog } from "../web/refusal_log.ts";
import type { AnswerDoor } from "./answer_door.ts";
import type { ServedHere } from "./guarded_connection.ts";
import { REFUSING_CONNECTIONS } from "./fd_limit.ts";
import {
  type ConnectionLimits,
  type ConnectionOwner,
  GuardedConnection,
} from "./guarded_connection.ts";

/**
 * Options of {@linkcode ConnectionGuard}.
 *
 * @example
 * ```ts
 * import type { ConnectionGuardOptions } from "./connection_guard.ts";
 * import { RefusalLog } from "../web/refusal_log.ts";
 * const options: ConnectionGuardOptions = {
 *   connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: 8001 }),
 *   maxConnections: 1024,
 *   limits: { idleTimeoutMs: 30_000, headerTimeoutMs: 10_000, maxHeadBytes: 16_384, maxHeaders: 100, maxBodyBytes: 65_536 },
 *   secret: crypto.randomUUID(),
 *   log: new RefusalLog(),
 * };
 * ```
 */
export interface ConnectionGuardOptions {
  /** Open a connection to the HTTP server behind the guard. */
  connectUpstream: () => Promise<Deno.Conn>;
  /** Most client connections open at once. */
  maxConnections: number;
  /**
   * Most refused connections open at once (their `503` being written, or
   * read from for a moment afterwards so the client does not lose it to a
   * reset). Each holds a descriptor: with this many open, the guard accepts
   * no one until one is done (newcomers wait in the kernel's queue), and only
   * half of them may stay to be read from.
   * @default {REFUSING_CONNECTIONS} (16)
   */
  maxRefusing?: number;
  /** Timeouts and sizes each connection enforces. */
  limits: ConnectionLimits;
  /** Proves to the server that a request came through the guard (sent in its header). */
  secret: string;
  /** Where refusals are logged, one line each. */
  log: RefusalLog;
  /**
   * Answers the guard gives itself (repeated reads of cached API answers),
   * written straight to the client; without it every request is forwarded.
   * @default {undefined}
   */
  door?: AnswerDoor;
  /**
   * Requests the guard hands to the app in this process, writing their answers to the client
   * itself (live streams); without it every request is forwarded.
   * @default {undefined}
   */
  servedHere?: ServedHere;
}

/**
 * Counts of what the guard did, for health checks, tests and load scripts.
 *
 * @example
 * ```ts
 * import type { ConnectionStats } from "./connection_guard.ts";
 * const stats: ConnectionStats = {
 *   open: 3,
 *   halfClosed: 0,
 *   endedStreams: 0,
 *   accepted: 10,
 *   evicted: 0,
 *   refused: 0,
 *   acceptFailures: 0,
 *   answeredAtDoor: 0,
 *   servedHere: 0,
 * };
 * ```
 */
export interface ConnectionStats {
  /** Client connections open now. */
  open: number;
  /** Of those, how many clients have stopped sending (FIN) while answers still go out. */
  halfClosed: number;
  /**
   * Of those, live streams whose client has stopped sending (a closed tab, until the stream's
   * next write fails): the first to be closed to make room, after refusals lingering.
   */
  endedStreams: number;
  /** Connections accepted since the start. */
  accepted: number;
  /** Idle connections closed to make room for a new one. */
  evicted: number;
  /** Connections answered `503` because every slot had a request under way. */
  refused: number;
  /** `accept` calls that failed for want of file descriptors. */
  acceptFailures: number;
  /** Requests the guard answered itself from the app's cache (its door, `answer_door.ts`). */
  answeredAtDoor: number;
  /** Requests the guard handed to the app itself and answered itself (live streams). */
  servedHere: number;
}

/** Whether `err` is "too many open files" (of the process, or of the whole system). */
function isOutOfFiles(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/**
 * Connections evicted to admit others before the accept loop waits a turn of
 * the event loop: an evicted socket's descriptor is released only once its
 * pending read has been cancelled, so a flood would otherwise hold one
 * descriptor per eviction until the flood ends.
 */
const MAX_UNRELEASED = 8;
/** Longest pause between `accept` attempts while no descriptor is free. */
const MAX_ACCEPT_BACKOFF_MS = 1000;

/**
 * Accepts client connections on `listener` and forwards their requests to
 * the HTTP server behind it, within limits.
 *
 * @example
 * ```ts ignore
 * import { ConnectionGuard } from "./connection_guard.ts";
 * import { RefusalLog } from "../web/refusal_log.ts";
 * const guard = new ConnectionGuard(Deno.listen({ hostname: "127.0.0.1", port: 0 }), {
 *   connectUpstream: () => Deno.connect({ transport: "unix", path: "/tmp/app.sock" }),
 *   maxConnections: 1024,
 *   limits: { idleTimeoutMs: 30_000, headerTimeoutMs: 10_000, maxHeadBytes: 16_384, maxHeaders: 100, maxBodyBytes: 65_536 },
 *   secret: crypto.randomUUID(),
 *   log: new RefusalLog(),
 * });
 * guard.stopAccepting();
 * guard.closeAll();
 * ```
 */
export class ConnectionGuard {
  #listener: Deno.TcpListener;
  #options: ConnectionGuardOptions;
  #connections = new Map<number, GuardedConnection>();
  /** Refused connections not yet closed: their answer being written, or lingering after it. */
  #refusing = new Set<GuardedConnection>();
  /** Waiting for every connection to have its answers out (`whenAnswered`). */
  #answeredWaiters: Array<() => void> = [];
  /** Waiting for no client connection to be open (`whenClosed`). */
  #closedWaiters: Array<() => void> = [];
  #maxRefusing: number;
  /** Resolves the accept loop's wait for a refused connection to close. */
  #refusalDone: (() => void) | null = null;
  #owner: ConnectionOwner;
  #nextId = 1;
  #stopping = false;
  #sweep: ReturnType<typeof setInterval>;
  /** When the sweep last ran (ms): the next one judges the connections as they were then. */
  #lastSweep: number;
  #backoff: { timer: ReturnType<typeof setTimeout>; wake: () => void } | null = null;
  #stats = {
    accepted: 0,
    evicted: 0,
    refused: 0,
    acceptFailures: 0,
    answeredAtDoor: 0,
    servedHere: 0,
  };
  #accepting: Promise<void>;

  /** Start accepting on `listener` (the guard owns it from now on). */
  constructor(listener: Deno.TcpListener, options: ConnectionGuardOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#maxRefusing = Math.max(1, options.maxRefusing ?? REFUSING_CONNECTIONS);
    const maxLingering = Math.floor(this.#maxRefusing / 2);
    this.#owner = {
      limits: options.limits,
      secret: options.secret,
      log: options.log,
      connectUpstream: options.connectUpstream,
      door: options.door ?? null,
      servedHere: options.servedHere === undefined ? null : {
        takes: (target) => options.servedHere!.takes(target),
        answer: (req, client) => options.servedHere!.answer(req, client),
        served: () => {
          this.#stats.servedHere++;
          options.servedHere!.served?.();
        },
      },
      answeredAtDoor: () => void this.#stats.answeredAtDoor++,
      mayLinger: () => {
        let lingering = 0;
        for (const connection of this.#refusing) if (connection.lingering) lingering++;
        return lingering < maxLingering;
      },
      closed: (connection) => {
        this.#connections.delete(connection.id);
        if (this.#refusing.delete(connection)) this.#refusalDone?.();
        this.#wakeWaiters();
      },
      lingering: () => this.#wakeWaiters(),
    };
    const { idleTimeoutMs, headerTimeoutMs } = options.limits;
    // One timer for every connection: a quarter of the shortest timeout, 25 ms to 1 s.
    const every = Math.min(1000, Math.max(25, Math.min(idleTimeoutMs, headerTimeoutMs) / 4));
    this.#lastSweep = Date.now();
    this.#sweep = setInterval(() => this.#check(), every);
    this.#accepting = this.#acceptLoop();
  }

  /** The address the guard listens on. */
  get addr(): Deno.Addr {
    return this.#listener.addr;
  }

  /** Resolves once the guard has stopped accepting connections. */
  get accepting(): Promise<void> {
    return this.#accepting;
  }

  /**
   * The connection and client a forwarded request came from, read from the
   * value of its guard header, or `null` when the value does not carry the
   * guard's secret (the request did not come through this guard).
   */
  identify(headerValue: string | null): { connection: number; client: string } | null {
    if (headerValue === null) return null;
    const [secret, id, client] = headerValue.split(" ");
    if (secret !== this.#options.secret || client === undefined) return null;
    return { connection: Number(id), client };
  }

  /**
   * The answer under way on `connection` (its id from {@linkcode identify}) is a live stream:
   * once its client stops sending, the connection may be closed to make room.
   */
  streaming(connection: number): void {
    this.#connections.get(connection)?.streaming();
  }

  /** The server finished answering one request of `connection` (its id from {@linkcode identify}). */
  responded(connection: number): void {
    this.#connections.get(connection)?.responded();
  }

  /** What the guard has done so far. */
  stats(): ConnectionStats {
    let halfClosed = 0;
    let endedStreams = 0;
    for (const connection of this.#connections.values()) {
      if (connection.halfClosed) halfClosed++;
      if (connection.endedStream) endedStreams++;
    }
    return {
      open: this.#connections.size,
      halfClosed,
      endedStreams,
      ...this.#stats,
    };
  }

  /** Stop accepting: close the listener (connections already open carry on). */
  stopAccepting(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    if (this.#backoff !== null) {
      clearTimeout(this.#backoff.timer);
      this.#backoff.wake();
    }
    this.#refusalDone?.();
  }

  /** Close idle connections now, and the others once their answers under way are out. */
  closeIdle(): void {
    for (const connection of [...this.#connections.values()]) connection.drain();
  }

  /**
   * Resolves once no connection has anything left to send (at once when none
   * has): after {@linkcode closeIdle}, once every answer under way has reached
   * its client. A refused connection that only lingers (its answer is out, it
   * reads what the client still sends for a moment) counts as done.
   */
  whenAnswered(): Promise<void> {
    if (this.#allAnswered()) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#answeredWaiters.push(resolve);
    return promise;
  }

  #allAnswered(): boolean {
    for (const connection of this.#connections.values()) if (!connection.lingering) return false;
    for (const connection of this.#refusing) if (!connection.lingering) return false;
    return true;
  }

  #wakeWaiters(): void {
    if (this.#closedWaiters.length > 0 && this.#connections.size === 0) {
      const closed = this.#closedWaiters;
      this.#closedWaiters = [];
      for (const resolve of closed) resolve();
    }
    if (this.#answeredWaiters.length === 0 || !this.#allAnswered()) return;
    const waiters = this.#answeredWaiters;
    this.#answeredWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves once no client connection is open (refused ones aside): after
   * {@linkcode whenAnswered}, once each client has read its answers to the
   * end and closed, or the guard has closed the connection after waiting a
   * moment for it.
   */
  whenClosed(): Promise<void> {
    if (this.#connections.size === 0) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#closedWaiters.push(resolve);
    return promise;
  }

  /** Close every connection now and stop the timeout sweep. */
  closeAll(): void {
    this.stopAccepting();
    clearInterval(this.#sweep);
    for (const connection of [...this.#connections.values(), ...this.#refusing]) {
      connection.close();
    }
  }

  async #acceptLoop(): Promise<void> {
    let backoffMs = 0;
    let evictedSincePause = 0;
    while (!this.#stopping) {
      // Each refused connection holds a descriptor until it is closed: with as many open as
      // allowed, newcomers wait in the kernel's queue instead of taking descriptors (under a
      // flood on a busy machine the answers go out more slowly than clients arrive).
      if (this.#refusing.size >= this.#maxRefusing) {
        await new Promise<void>((resolve) => this.#refusalDone = resolve);
        this.#refusalDone = null;
        continue;
      }
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        backoffMs = 0;
      } catch (err) {
        if (this.#stopping) break;
        if (isOutOfFiles(err)) {
          this.#stats.acceptFailures++;
          // Free a descriptor by closing the connection idle the longest; with none idle, wait
          // (the kernel queues new clients meanwhile) and try again. Never give up.
          if (this.#evictOne()) {
            // Said every time (the log limits its own rate): an operator sees the limit met.
            this.#options.log.refused(
              "new connections: out of file descriptors, closed the connection idle the longest",
            );
            // The closed socket's descriptor is released once its pending read is cancelled, on
            // a later turn of the event loop: accepting before that would evict another.
            await this.#pause(0);
            continue;
          }
          backoffMs = Math.min(MAX_ACCEPT_BACKOFF_MS, backoffMs === 0 ? 10 : backoffMs * 2);
          this.#options.log.refused(
            `new connections: out of file descriptors, accepting again in ${backoffMs} ms`,
          );
          await this.#pause(backoffMs);
          continue;
        }
        if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted) {
          break; // the listener was closed
        }
        continue; // a client that went away before it was accepted
      }
      if (this.#stopping) {
        // Accepted in the very turn the guard stopped: nothing was asked yet, and a connection
        // admitted now would miss the drain and hold the shutdown to its time limit.
        try {
          conn.close();
        } catch {
          // Already closed by the client.
        }
        break;
      }
      if (this.#admit(conn) && ++evictedSincePause >= MAX_UNRELEASED) {
        // Each took an evicted connection's place: let their descriptors go (see above).
        evictedSincePause = 0;
        await this.#pause(0);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#backoff = null;
        resolve();
      };
      this.#backoff = { timer: setTimeout(wake, ms), wake };
    });
  }

  /** Serve `conn`, or refuse it when full; true when a connection was evicted to make room. */
  #admit(conn: Deno.TcpConn): boolean {
    this.#stats.accepted++;
    // Answers go out in several writes; Nagle's algorithm would hold the last one back until
    // the client's delayed ACK (tens of milliseconds per answer).
    try {
      conn.setNoDelay(true);
    } catch {
      // The client already went away; reading it will say so.
    }
    const connection = new GuardedConnection(this.#nextId++, conn, this.#owner);
    const full = this.#connections.size >= this.#options.maxConnections;
    const evicted = full && this.#evictOne();
    if (full && !evicted) {
      this.#stats.refused++;
      this.#refusing.add(connection);
      connection.refuseNow({
        status: 503,
        code: "too_many_connections",
        detail: `the server has ${this.#options.maxConnections} connections with requests under ` +
          "way (its limit, --max-connections); retry shortly",
      }, 5);
      return false;
    }
    this.#connections.set(connection.id, connection);
    void connection.run();
    return evicted;
  }

  /**
   * Close one connection to make room: one lingering after its refusal, else a live stream
   * whose client has gone, else the one idle the longest (or receiving the oldest request);
   * false when none may be closed.
   */
  #evictOne(): boolean {
    let oldest: GuardedConnection | null = null;
    let best = { rank: Infinity, since: Infinity };
    for (const connection of this.#connections.values()) {
      const rank = connection.evictionRank;
      if (rank === null || rank > best.rank) continue;
      const since = connection.receivingSince ?? connection.lastActivity;
      if (rank < best.rank || since < best.since) {
        oldest = connection;
        best = { rank, since };
      }
    }
    if (oldest === null) return false;
    this.#stats.evicted++;
    oldest.close();
    return true;
  }

  /**
   * Apply every connection's timeouts as the connections were at the previous sweep. This one
   * may run right after the event loop stalled (a long synchronous task, a starved process), and
   * a timer that is due runs before the reads that completed meanwhile are delivered: a client
   * whose request is already in its socket would look idle since before the stall and be closed
   * unanswered. Whatever had arrived by the previous sweep has been read by now. A timeout thus
   * takes effect up to one more sweep (a quarter of it, at most 1 s) later.
   */
  #check(): void {
    const now = Date.now();
    const asOf = this.#lastSweep;
    this.#lastSweep = now;
    for (const connection of [...this.#connections.values(), ...this.#refusing]) {
      connection.check(now, asOf);
    }
  }
}
