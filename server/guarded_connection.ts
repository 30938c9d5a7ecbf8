/**
 * One client connection behind the connection guard: its request heads are
 * read and checked before anything reaches the HTTP server, each forwarded
 * head carries the guard's header (connection id and client address), and
 * the server's answers are copied back. The connection knows at every moment
 * whether it is receiving a request, waiting for an answer, writing one, or
 * idle, so the guard can time out each state and evict only idle ones.
 *
 * @module
 */
import { sameBytes } from "../live/session_file.ts";
import type { RefusalLog } from "../web/refusal_log.ts";
import type { AnswerDoor, DoorTicket } from "./answer_door.ts";
import {
  findHeadEnd,
  GUARD_HEADER,
  type HeadRefusal,
  parseRequestHead,
  type RequestHead,
  type RequestHeadLimits,
} from "./request_head.ts";

/**
 * Limits a guarded connection enforces.
 *
 * @example
 * ```ts
 * import type { ConnectionLimits } from "./guarded_connection.ts";
 * const limits: ConnectionLimits = {
 *   idleTimeoutMs: 30_000,
 *   headerTimeoutMs: 10_000,
 *   maxHeadBytes: 16_384,
 *   maxHeaders: 100,
 *   maxBodyBytes: 65_536,
 * };
 * ```
 */
export interface ConnectionLimits extends RequestHeadLimits {
  /** Close a connection with no request under way and no byte moving for this long. */
  idleTimeoutMs: number;
  /** A request (head and body) must arrive whole within this long of its first byte. */
  headerTimeoutMs: number;
  /** Largest request head. */
  maxHeadBytes: number;
}

/**
 * What a connection needs from the guard that owns it.
 *
 * @example
 * ```ts
 * import type { ConnectionOwner } from "./guarded_connection.ts";
 * import { RefusalLog } from "../web/refusal_log.ts";
 * const owner: ConnectionOwner = {
 *   limits: { idleTimeoutMs: 30_000, headerTimeoutMs: 10_000, maxHeadBytes: 16_384, maxHeaders: 100, maxBodyBytes: 65_536 },
 *   secret: "s",
 *   log: new RefusalLog(),
 *   connectUpstream: () => Deno.connect({ hostname: "127.0.0.1", port: 8001 }),
 *   mayLinger: () => true,
 *   closed: () => {},
 * };
 * ```
 */
export interface ConnectionOwner {
  /** The limits to enforce. */
  readonly limits: ConnectionLimits;
  /** The secret that proves a forwarded request came through the guard. */
  readonly secret: string;
  /** Where refusals are logged. */
  readonly log: RefusalLog;
  /** Open a connection to the HTTP server behind the guard. */
  connectUpstream(): Promise<Deno.Conn>;
  /** Answers the guard gives itself, or `null` to forward every request. */
  readonly door?: AnswerDoor | null;
  /** Called once for each answer the door gave, when it has been written. */
  answeredAtDoor?(): void;
  /**
   * Requests the guard hands to the app itself, in this process, and whose answers it writes
   * to the client itself (live streams: no server connection and copy loop in between), or
   * `null` to forward every request.
   */
  readonly servedHere?: ServedHere | null;
  /** Whether a refused connection may stay open a moment to read what the client still sends. */
  mayLinger(): boolean;
  /** Called when a refused connection starts lingering (its answer is out). */
  lingering?(connection: GuardedConnection): void;
  /** Called once when the connection has closed. */
  closed(connection: GuardedConnection): void;
}

/**
 * Requests a guarded connection hands to the app in this process (see
 * {@linkcode ConnectionOwner.servedHere}).
 *
 * @example
 * ```ts
 * import type { ServedHere } from "./guarded_connection.ts";
 * const servedHere: ServedHere = {
 *   takes: (target) => target.endsWith("/stream"),
 *   answer: (req, client) => Promise.resolve(new Response(`hello ${client}`)),
 * };
 * ```
 */
export interface ServedHere {
  /** Whether a plain `GET` of `target` (the path and query, as sent) is served here. */
  takes(target: string): boolean;
  /** The app's answer to `req` from `client` (an IP address). */
  answer(req: Request, client: string): Promise<Response>;
  /** Called once for each request served here, when its answer has started. */
  served?(): void;
}

const encoder = new TextEncoder();
const CR = 0x0d;
const LF = 0x0a;
/** Client reads are requests: small. */
const CLIENT_READ_BYTES = 8 * 1024;
/** Server reads are answers: large enough for one read per usual API answer (about 60 KB). */
const UPSTREAM_READ_BYTES = 64 * 1024;
/**
 * A connection whose answers fill the read buffer (a live stream's batches of a busy session,
 * ~150 KB each at 5,000 events/s) reads in this size instead: one read and one write per batch,
 * fewer turns of the event loop for every other request to wait behind.
 */
const LARGE_UPSTREAM_READ_BYTES = 256 * 1024;
/** A head of at most this many bytes is remembered, with its parse, for the next request. */
const REMEMBERED_HEAD_BYTES = 2048;
/** How long a refused connection keeps reading, so the client gets the answer, not a reset. */
const LINGER_MS = 1000;

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  413: "Content Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * The bytes of a refusal answer: a complete HTTP/1.1 response with the
 * app's `{error, detail}` body that closes the connection.
 *
 * @example
 * ```ts
 * import { refusalResponse } from "./guarded_connection.ts";
 * const bytes = refusalResponse({ status: 408, code: "header_timeout", detail: "too slow" });
 * console.log(new TextDecoder().decode(bytes).split("\r\n")[0]); // "HTTP/1.1 408 Request Timeout"
 * ```
 */
export function refusalResponse(refusal: HeadRefusal, retryAfterSeconds?: number): Uint8Array {
  const body = JSON.stringify({ error: refusal.code, detail: refusal.detail });
  const head = [
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status] ?? "Error"}`,
    "content-type: application/json",
    `content-length: ${encoder.encode(body).length}`,
    "cache-control: no-store",
    "x-content-type-options: nosniff",
    "connection: close",
    ...(retryAfterSeconds === undefined ? [] : [`retry-after: ${retryAfterSeconds}`]),
  ];
  return encoder.encode(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const EMPTY = new Uint8Array(0);
/** Headers about the framing of an answer, which `answerHead` decides. */
const FRAMING_HEADERS = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);
/** The end of a chunked body. */
const LAST_CHUNK = encoder.encode("0\r\n\r\n");

/**
 * The status line and header lines of `res` as `Deno.serve` would send them for a body
 * of unknown length (header names in the `Headers` order; the body chunked, then the
 * connection closed), or with no body at all for a `204` or `304`.
 *
 * @example
 * ```ts
 * import { answerHead } from "./guarded_connection.ts";
 * const res = new Response("", { headers: { "content-type": "text/event-stream" } });
 * console.log(new TextDecoder().decode(answerHead(res, 0)).split("\r\n")[0]); // "HTTP/1.1 200 OK"
 * ```
 */
export function answerHead(res: Response, now: number = Date.now()): Uint8Array {
  let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? (res.statusText || "Unknown")}\r\n`;
  for (const [name, value] of res.headers) {
    // The framing is decided here, whatever the app's headers say.
    if (!FRAMING_HEADERS.has(name)) head += `${name}: ${value}\r\n`;
  }
  if (!hasNoBody(res)) head += "transfer-encoding: chunked\r\n";
  head += `connection: close\r\ndate: ${new Date(now).toUTCString()}\r\n\r\n`;
  return encoder.encode(head);
}

/** A status whose answer never has a body. */
function hasNoBody(res: Response): boolean {
  return res.status === 204 || res.status === 304;
}

/**
 * The request `parsed` describes, with the very URL `Deno.serve` would give it (`http://`, the
 * `Host` and the target as sent), or `null` when a `Request` cannot carry that URL unchanged:
 * the URL parser would rewrite the host (a default port, IPv6, a name that reads as a number) or
 * the path (dot segments, backslashes), and the app must judge the same URL on either path.
 */
function requestOf(parsed: RequestHead): Request | null {
  let host: string | null = null;
  for (const [name, value] of parsed.headers) if (name === "host") host = value;
  if (host === null) return null;
  const url = `http://${host}${parsed.target}`;
  let request: Request;
  try {
    request = new Request(url, { headers: parsed.headers as [string, string][] });
  } catch {
    return null;
  }
  return request.url === url ? request : null;
}

/** `bytes` as one chunk of a chunked body, in one buffer (one write). */
function chunkOf(bytes: Uint8Array): Uint8Array {
  const size = encoder.encode(`${bytes.length.toString(16)}\r\n`);
  const out = new Uint8Array(size.length + bytes.length + 2);
  out.set(size);
  out.set(bytes, size.length);
  out[out.length - 2] = CR;
  out[out.length - 1] = LF;
  return out;
}

/** Write all of `bytes`; `beforeEach` runs before every write (each partial write is progress). */
async function writeAll(
  conn: Deno.Conn,
  bytes: Uint8Array,
  beforeEach?: () => void,
): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    beforeEach?.();
    written += await conn.write(bytes.subarray(written));
  }
}

/**
 * A client connection and, once its first request is accepted, its
 * connection to the HTTP server behind the guard.
 *
 * @example
 * ```ts ignore
 * import { GuardedConnection } from "./guarded_connection.ts";
 * // Built by ConnectionGuard for each accepted connection:
 * // new GuardedConnection(id, conn, owner).run();
 * ```
 */
export class GuardedConnection {
  /** The id the forwarded requests carry (for {@linkcode GuardedConnection.responded}). */
  readonly id: number;
  /** The client's IP address. */
  readonly address: string;
  /** When the request being received began (ms), or `null` between requests. */
  receivingSince: number | null = null;
  /** When a byte last moved either way (ms). */
  lastActivity: number;
  /** When the write to the client under way began (ms), or `null` when none is. */
  writingSince: number | null = null;
  /** Requests forwarded whose answer has not completed yet. */
  awaiting = 0;

  #client: Deno.Conn;
  #owner: ConnectionOwner;
  #upstream: Deno.Conn | null = null;
  #head = new Uint8Array(0);
  #headLength = 0;
  #scanFrom = 0;
  #bodyRemaining = 0;
  #refusal: { refusal: HeadRefusal; retryAfter?: number } | null = null;
  /** The guard's header line for this connection (its values never change). */
  readonly #guardLine: Uint8Array;
  /**
   * The last head forwarded, its parse and the bytes sent for it: a client
   * that repeats a request (polling, keep-alive) sends the same head, which
   * then costs one byte comparison instead of a parse and a copy.
   */
  #lastHead: Uint8Array | null = null;
  #lastParsed: RequestHead | null = null;
  #lastForwarded: Uint8Array | null = null;
  /** What the door made of the last head (`undefined`: not asked yet). */
  #lastTicket: DoorTicket | null | undefined = undefined;
  /** The copy loop of the server connection's answers, while there is one. */
  #pumping: Promise<void> = Promise.resolve();
  /** The server connection is being let go so the door can answer (see `#retireUpstream`). */
  #retiring = false;
  /** A request is being answered by the door (not idle: neither evicted nor timed out as idle). */
  #atDoor = false;
  #lingerUntil: number | null = null;
  #clientEnded = false;
  #streaming = false;
  /** A request is served in this process (`#serveHere`): the connection closes after it. */
  #servingHere = false;
  /** The body of its answer, while it is written. */
  #bodyReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #draining = false;
  /**
   * Drained while an answer was under way: once it is written, the connection sends its end and
   * reads until the client's before it closes (`#finishGently`), so no unread request of a
   * pipelining client resets it and drops the answer's end.
   */
  #gentle = false;
  /** The server connection has been sent its end (`#finishUpstream`). */
  #upstreamEnding = false;
  /**
   * Drained with nothing under way and nothing copied since: when its server connection ends,
   * no answer can be on its way, and it closes at once (an idle keep-alive browser tab).
   */
  #idleAtDrain = false;
  #closed = false;

  /** Take over `client`, accepted by `owner`'s listener. */
  constructor(id: number, client: Deno.Conn, owner: ConnectionOwner) {
    this.id = id;
    this.#client = client;
    this.#owner = owner;
    const remote = client.remoteAddr;
    this.address = "hostname" in remote ? remote.hostname : "-";
    this.lastActivity = Date.now();
    this.#guardLine = encoder.encode(`${GUARD_HEADER}: ${owner.secret} ${id} ${this.address}\r\n`);
  }

  /** Whether the client has stopped sending (FIN) while the connection is still open. */
  get halfClosed(): boolean {
    return this.#clientEnded && !this.#closed;
  }

  /**
   * Whether this is a live stream whose client has stopped sending (FIN): a closed tab,
   * noticed otherwise only when the stream's next write fails.
   */
  get endedStream(): boolean {
    return this.halfClosed && this.#streaming;
  }

  /** The answer under way is a live stream (it ends only when the client goes). */
  streaming(): void {
    this.#streaming = true;
  }

  /** Whether its refusal was sent and it is being read from for a moment before it closes. */
  get lingering(): boolean {
    return this.#lingerUntil !== null && !this.#closed;
  }

  /**
   * Whether and how readily the guard may close this connection to make room, or `null` when
   * it may not: `0` lingering after its refusal was sent, `1` a live stream whose client has
   * stopped sending ({@linkcode endedStream}), `2` nothing under way. A client that half-closes
   * after an ordinary request still waits for its answer: that connection is not evictable.
   */
  get evictionRank(): number | null {
    if (this.#closed) return null;
    if (this.#lingerUntil !== null) return 0;
    if (this.endedStream) return 1;
    return this.#refusal === null && this.awaiting === 0 && this.writingSince === null &&
        !this.#atDoor && !this.#servingHere
      ? 2
      : null;
  }

  /** Read requests until the client goes away or is refused. */
  async run(): Promise<void> {
    const buf = new Uint8Array(CLIENT_READ_BYTES);
    while (!this.#closed && this.#refusal === null) {
      let n: number | null;
      try {
        n = await this.#client.read(buf);
      } catch {
        this.close();
        return;
      }
      if (n === null) {
        if (this.#lingerUntil !== null) {
          this.close(); // drained and finished: the client has read to the end and closed
          return;
        }
        // The client is done sending; answers under way still go out (`responded` ends it).
        this.#clientEnded = true;
        // An answer served here is still written (a live stream whose client has gone ends at
        // its next write, or when the guard needs the room: `endedStream`).
        if (this.awaiting === 0 && !this.#servingHere) this.#end();
        return;
      }
      this.lastActivity = Date.now();
      // Drained and finished: what the client still sends is read and dropped until it closes.
      // A client that still sends is alive and may still be reading the answer's end: it gets
      // another LINGER_MS (the shutdown's time limit bounds it all).
      if (this.#lingerUntil !== null) {
        if (this.#gentle) this.#lingerUntil = Date.now() + LINGER_MS;
        continue;
      }
      if (this.#draining && this.awaiting === 0 && !this.#servingHere) {
        this.#end();
        // An answer may still be on its way to the client: read on (see `#gentle`).
        if (this.#gentle) continue;
        return;
      }
      try {
        await this.#receive(buf.subarray(0, n));
      } catch {
        this.close();
        return;
      }
    }
  }

  /** Refuse right away (nothing was read): the guard is at its limit or cannot reach the server. */
  refuseNow(refusal: HeadRefusal, retryAfterSeconds: number): void {
    this.#refuse(refusal, retryAfterSeconds);
  }

  /** The server finished answering one request of this connection. */
  responded(): void {
    this.awaiting = Math.max(0, this.awaiting - 1);
    if (this.awaiting === 0) this.#streaming = false;
    if (this.awaiting > 0) return;
    if (this.#refusal !== null || this.#clientEnded || this.#draining) this.#finishUpstream();
  }

  /** Close once the answers under way are out (shutdown): now, when nothing is under way. */
  drain(): void {
    this.#draining = true;
    // An answer served here ends on its own (a live stream at the app's shutdown signal); one
    // the door is writing ends the connection once written.
    const idle = this.awaiting === 0 && !this.#servingHere && !this.#atDoor &&
      this.writingSince === null && !this.#retiring;
    if (idle && this.#upstream === null) {
      this.close();
      return;
    }
    this.#gentle = true;
    this.#idleAtDrain = idle;
    if (this.awaiting === 0 && !this.#servingHere && !this.#atDoor) this.#end();
  }

  /**
   * Apply the timeouts; called by the guard's periodic sweep at time `now` (ms). A refused or
   * finished connection stops lingering at `now`; the other timeouts judge what the connection
   * had done by `asOf` (the guard's previous sweep): bytes that reached it since, and are not
   * read yet after a stall of the event loop, do not make it look idle or stuck.
   */
  check(now: number, asOf: number): void {
    if (this.#closed) return;
    const { idleTimeoutMs, headerTimeoutMs } = this.#owner.limits;
    if (this.#lingerUntil !== null) {
      if (now >= this.#lingerUntil) this.close();
      return;
    }
    if (this.writingSince !== null && asOf - this.writingSince > idleTimeoutMs) {
      // The client stopped reading: its answer would hold the server's buffers forever.
      this.#owner.log.refused(
        `connection from ${this.address}: closed, it read nothing for ${idleTimeoutMs / 1000} s`,
      );
      this.close();
      return;
    }
    if (this.#refusal !== null) return;
    if (this.receivingSince !== null) {
      if (asOf - this.receivingSince > headerTimeoutMs) {
        if (this.#bodyRemaining > 0) {
          // The server is waiting for this body: no answer can come before the connection ends.
          this.#owner.log.refused(
            `connection from ${this.address}: closed, the request body did not arrive within ` +
              `${headerTimeoutMs / 1000} s`,
          );
          this.close();
          return;
        }
        this.#refuse({
          status: 408,
          code: "header_timeout",
          detail: `the request did not arrive whole within ${headerTimeoutMs / 1000} s`,
        });
      }
      return;
    }
    if (
      this.awaiting === 0 && !this.#atDoor && !this.#servingHere &&
      asOf - this.lastActivity > idleTimeoutMs
    ) {
      this.close();
    }
  }

  /** Close both sides now. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#client.close();
    } catch {
      // Already closed by the peer's reset.
    }
    try {
      this.#upstream?.close();
    } catch {
      // Already closed by the server.
    }
    // A stream written here is released now (its follower, its heartbeat), not at its next write.
    this.#bodyReader?.cancel().catch(() => {});
    this.#owner.closed(this);
  }

  /** Take the bytes the client sent: heads are checked and forwarded, bodies passed on. */
  async #receive(chunk: Uint8Array): Promise<void> {
    // A request served here owns the connection until it closes after the answer: what the
    // client sends meanwhile is not a request anyone could answer in order.
    if (this.#servingHere) return;
    let data = chunk;
    while (data.length > 0 && !this.#closed && this.#refusal === null) {
      if (this.#bodyRemaining > 0) {
        const take = Math.min(this.#bodyRemaining, data.length);
        await this.#forward(data.subarray(0, take));
        this.#bodyRemaining -= take;
        data = data.subarray(take);
        if (this.#bodyRemaining === 0) this.receivingSince = null;
        continue;
      }
      if (this.#headLength === 0) {
        // The first byte starts the request's clock, even an empty line: a client cannot keep a
        // connection open by sending line breaks. Empty lines before a request line are allowed
        // (RFC 9112, 2.2) and skipped.
        this.receivingSince ??= Date.now();
        let skip = 0;
        while (skip < data.length && (data[skip] === CR || data[skip] === LF)) skip++;
        data = data.subarray(skip);
        if (data.length === 0) return;
        if (this.#draining) {
          // Shutting down: no new request is taken on this connection.
          if (this.awaiting === 0) this.#end();
          return;
        }
      }
      this.#appendHead(data);
      data = new Uint8Array(0);
      const { maxHeadBytes } = this.#owner.limits;
      const end = findHeadEnd(this.#head.subarray(0, this.#headLength), this.#scanFrom);
      if (end === -1 || end > maxHeadBytes) {
        if (this.#headLength > maxHeadBytes) {
          this.#refuse({
            status: 431,
            code: "header_too_large",
            detail: `a request head may have at most ${maxHeadBytes} bytes`,
          });
        }
        this.#scanFrom = Math.max(0, this.#headLength - 3);
        return;
      }
      const head = this.#head.subarray(0, end);
      let parsed: RequestHead | HeadRefusal;
      let forwarded: Uint8Array;
      const repeated = this.#lastParsed !== null && sameBytes(head, this.#lastHead!);
      if (repeated) {
        parsed = this.#lastParsed!;
        forwarded = this.#lastForwarded!;
      } else {
        parsed = parseRequestHead(head, this.#owner.limits);
        if ("status" in parsed) {
          this.#refuse(parsed);
          return;
        }
        forwarded = this.#withGuardHeader(head, parsed.requestLineEnd);
        const remember = head.length <= REMEMBERED_HEAD_BYTES;
        this.#lastHead = remember ? head.slice() : null;
        this.#lastParsed = remember ? parsed : null;
        this.#lastForwarded = remember ? forwarded : null;
        this.#lastTicket = undefined;
      }
      const rest = end === this.#headLength ? EMPTY : this.#head.slice(end, this.#headLength);
      const here = this.#owner.servedHere;
      const request = here && this.awaiting === 0 && parsed.method === "GET" &&
          parsed.version === "1.1" && parsed.bodyLength === 0 && here.takes(parsed.target)
        ? requestOf(parsed)
        : null;
      if (here && request !== null) {
        // Arrived whole. The connection belongs to this request until it closes after it; the
        // client is still read meanwhile, so a closed tab's FIN is seen (`endedStream`).
        this.receivingSince = null;
        this.#servingHere = true;
        this.#streaming = true;
        void this.#serveHere(here, request);
        return;
      }
      if (
        this.#owner.door && this.awaiting === 0 && parsed.method === "GET" &&
        parsed.bodyLength === 0
      ) {
        // The request has arrived whole: no header timeout while it is answered.
        this.receivingSince = null;
        this.#atDoor = true;
        let answered: boolean;
        try {
          answered = await this.#answerAtDoor(this.#owner.door, parsed, repeated);
        } finally {
          this.#atDoor = false;
        }
        // Drained meanwhile and finished (its end sent): no request is taken any more.
        if (this.#refusal !== null || this.#closed || this.#lingerUntil !== null) return;
        if (answered && this.#draining) {
          this.#end(); // shutting down: the answer is out, no other request is taken
          return;
        }
        if (answered) {
          this.#headLength = 0;
          this.#scanFrom = 0;
          if (this.#head.length > CLIENT_READ_BYTES) this.#head = new Uint8Array(0);
          data = rest;
          continue;
        }
      }
      // Counted before it is sent: the answer may complete before this continuation runs.
      this.awaiting++;
      await this.#forward(forwarded);
      if (this.#refusal !== null || this.#closed) return;
      this.#headLength = 0;
      this.#scanFrom = 0;
      if (this.#head.length > CLIENT_READ_BYTES) this.#head = new Uint8Array(0);
      this.#bodyRemaining = parsed.bodyLength;
      if (this.#bodyRemaining === 0) this.receivingSince = null;
      data = rest;
    }
  }

  /**
   * Answer the request here when the door can (true once its answer is written): a server
   * connection with nothing under way is let go first, so no answer of the server's can still
   * be on its way behind the door's.
   */
  async #answerAtDoor(door: AnswerDoor, parsed: RequestHead, repeated: boolean): Promise<boolean> {
    let ticket = repeated ? this.#lastTicket : undefined;
    if (ticket === undefined) {
      ticket = await door.ticket(parsed);
      if (this.#lastParsed === parsed) this.#lastTicket = ticket;
    }
    if (ticket === null || this.#closed) return false;
    const answer = door.answer(ticket, this.address);
    if (answer === null) return false;
    if (this.#upstream !== null && !(await this.#retireUpstream())) return false;
    if (this.#refusal !== null || this.#closed) return false;
    const bytes = answer.bytes;
    this.writingSince = Date.now();
    // One write takes a whole answer almost always; the rest, if any, as any answer's.
    const written = await this.#client.write(bytes);
    if (written < bytes.length) {
      await writeAll(this.#client, bytes.subarray(written), this.#markWriting);
    }
    this.writingSince = null;
    this.lastActivity = Date.now();
    door.delivered(answer, this.address);
    this.#owner.answeredAtDoor?.();
    return true;
  }

  /**
   * Let the server connection go: it closes once its last answer is written, and the copy loop
   * copies that answer out first. True when the connection is still open, with no server
   * connection (the next request that needs the server opens a new one).
   */
  async #retireUpstream(): Promise<boolean> {
    this.#retiring = true;
    const pumping = this.#pumping;
    this.#finishUpstream();
    await pumping;
    this.#retiring = false;
    return this.#upstream === null && !this.#closed && this.#lingerUntil === null;
  }

  /**
   * Hand `parsed` to the app in this process and write its answer here: a live stream chunk
   * by chunk as the app yields it, straight to the client. A server connection with nothing
   * under way is let go first, so every earlier answer is out before this one. The connection
   * closes after the answer; what the client sends meanwhile is not read as requests.
   */
  async #serveHere(here: ServedHere, request: Request): Promise<void> {
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    let started = false;
    try {
      if (this.#upstream !== null && !(await this.#retireUpstream())) return;
      if (this.#refusal !== null || this.#closed) return;
      let res: Response;
      try {
        res = await here.answer(request, this.address);
      } catch (err) {
        // As `Deno.serve` does with a handler that throws: a 500, and the error on record.
        this.#owner.log.refused(
          `500 internal_error from ${this.address}: GET ${
            new URL(request.url).pathname.slice(0, 200)
          }` +
            ` failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        res = new Response(
          JSON.stringify({ error: "internal_error", detail: "the server failed to answer" }),
          { status: 500, headers: { "content-type": "application/json" } },
        );
      }
      if (this.#closed) {
        await res.body?.cancel().catch(() => {});
        return;
      }
      here.served?.();
      reader = hasNoBody(res) ? null : res.body?.getReader() ?? null;
      if (reader === null) await res.body?.cancel();
      this.#bodyReader = reader;
      this.writingSince = Date.now();
      started = true;
      await writeAll(this.#client, answerHead(res), this.#markWriting);
      this.writingSince = null;
      this.lastActivity = Date.now();
      while (reader !== null && !this.#closed) {
        const next = await reader.read();
        if (next.done) break;
        if (next.value.length === 0) continue;
        this.writingSince = Date.now();
        await writeAll(this.#client, chunkOf(next.value), this.#markWriting);
        this.writingSince = null;
        this.lastActivity = Date.now();
      }
      if (!this.#closed && !hasNoBody(res)) {
        await writeAll(this.#client, LAST_CHUNK, this.#markWriting);
      }
    } catch (err) {
      // The client went away (a failed write), or the answer's body failed midway: the
      // connection closes below; a failure of ours is put on record.
      if (!this.#closed && !started) {
        this.#owner.log.refused(
          `connection from ${this.address}: closed, its request could not be served: ${
            err instanceof Error ? err.message : String(err)
          }`,
        );
      }
    } finally {
      this.writingSince = null;
      reader?.cancel().catch(() => {});
      this.#closeOrFinish();
    }
  }

  #appendHead(data: Uint8Array): void {
    const needed = this.#headLength + data.length;
    if (needed > this.#head.length) {
      const grown = new Uint8Array(Math.max(1024, needed, this.#head.length * 2));
      grown.set(this.#head.subarray(0, this.#headLength));
      this.#head = grown;
    }
    this.#head.set(data, this.#headLength);
    this.#headLength = needed;
  }

  /** `head` with the guard's header after the request line. */
  #withGuardHeader(head: Uint8Array, requestLineEnd: number): Uint8Array {
    const line = this.#guardLine;
    const out = new Uint8Array(head.length + line.length);
    out.set(head.subarray(0, requestLineEnd));
    out.set(line, requestLineEnd);
    out.set(head.subarray(requestLineEnd), requestLineEnd + line.length);
    return out;
  }

  /** Send `bytes` to the server, connecting on the first request. */
  async #forward(bytes: Uint8Array): Promise<void> {
    if (this.#upstream === null) {
      try {
        this.#upstream = await this.#owner.connectUpstream();
      } catch (err) {
        const busy = (err as { code?: string }).code === "EMFILE";
        this.awaiting = 0; // nothing reached the server
        this.#refuse({
          status: 503,
          code: busy ? "server_busy" : "server_unavailable",
          detail: busy
            ? "the server has too many files and connections open right now; retry shortly"
            : "the server is restarting; retry shortly",
        }, 2);
        return;
      }
      if (this.#closed) {
        this.#upstream.close();
        return;
      }
      this.#upstreamEnding = false;
      this.#pumping = this.#pumpAnswers(this.#upstream);
    }
    await writeAll(this.#upstream, bytes);
  }

  #markWriting = (): void => {
    this.writingSince = Date.now();
  };

  /** Copy the server's answers to the client until the server closes. */
  async #pumpAnswers(upstream: Deno.Conn): Promise<void> {
    let buf = new Uint8Array(UPSTREAM_READ_BYTES);
    try {
      while (true) {
        const n = await upstream.read(buf);
        if (n === null) break;
        // "Writing since" is since the last progress: a client that reads slowly but steadily
        // is not cut as one that reads nothing.
        this.#idleAtDrain = false;
        await writeAll(this.#client, buf.subarray(0, n), this.#markWriting);
        this.writingSince = null;
        this.lastActivity = Date.now();
        // Kept once grown (a pending read holds it anyway): shrinking after a small read cost a
        // busy stream an allocation per batch; an idle connection is closed at the idle timeout.
        if (n === buf.length && n < LARGE_UPSTREAM_READ_BYTES) {
          buf = new Uint8Array(LARGE_UPSTREAM_READ_BYTES);
        }
      }
    } catch {
      // Either side went away: close both below.
    }
    this.writingSince = null;
    if (this.#refusal !== null && !this.#closed) {
      await this.#sendRefusal();
      return;
    }
    if (
      this.#retiring && !this.#closed && !this.#draining &&
      // A client that half-closed after a request served here still gets its answer.
      (!this.#clientEnded || this.#servingHere)
    ) {
      // Let go for the door (`#retireUpstream`): the client connection carries on.
      try {
        upstream.close();
      } catch {
        // Already closed by the server.
      }
      this.#upstream = null;
      return;
    }
    if (this.#gentle && !this.#closed && !this.#idleAtDrain) {
      this.#upstream = null;
      try {
        upstream.close();
      } catch {
        // Already closed by the server.
      }
      this.#closeOrFinish();
      return;
    }
    this.close();
  }

  /**
   * Close with nothing under way: at once without a server connection; else let the server
   * close after its last answer, so the bytes of that answer still on their way are copied.
   */
  #end(): void {
    if (this.#upstream === null) this.#closeOrFinish();
    else this.#finishUpstream();
  }

  /** Close now, or, drained while an answer was under way, finish gently (see `#gentle`). */
  #closeOrFinish(): void {
    if (!this.#gentle || this.#clientEnded) {
      // Nothing unread is left once the client has ended: the close is graceful.
      this.close();
      return;
    }
    if (this.#closed || this.#lingerUntil !== null) return;
    // The answers are written: the end follows them; `run()` reads until the client's end, and
    // the guard's sweep closes the connection once LINGER_MS pass without a byte from the client
    // (checked every second at most).
    this.#lingerUntil = Date.now() + LINGER_MS;
    this.#owner.lingering?.(this);
    this.#client.closeWrite().catch(() => this.close());
  }

  /** Let the server finish: it closes after its last answer, and the copy loop sees the end. */
  #finishUpstream(): void {
    if (this.#upstream === null || this.#upstreamEnding) return;
    this.#upstreamEnding = true;
    this.#upstream.closeWrite().catch(() => this.close());
  }

  /** Refuse the connection's current request: answer once nothing else is under way, then close. */
  #refuse(refusal: HeadRefusal, retryAfter?: number): void {
    if (this.#refusal !== null || this.#closed) return;
    this.#refusal = { refusal, retryAfter };
    this.#owner.log.refused(
      `${refusal.status} ${refusal.code} from ${this.address}: ${refusal.detail}`,
    );
    if (this.#upstream === null) void this.#sendRefusal();
    else if (this.awaiting === 0) this.#finishUpstream();
    // Otherwise `responded()` finishes the server side once the answers under way are out.
  }

  /** Write the refusal, then read (and drop) what the client still sends for a moment, and close. */
  async #sendRefusal(): Promise<void> {
    const { refusal, retryAfter } = this.#refusal!;
    this.writingSince = Date.now();
    try {
      await writeAll(this.#client, refusalResponse(refusal, retryAfter));
      await this.#client.closeWrite();
    } catch {
      this.close();
      return;
    }
    this.writingSince = null;
    if (!this.#owner.mayLinger()) {
      this.close();
      return;
    }
    // Closing with unread bytes would reset the connection, and the client could lose the answer.
    this.#lingerUntil = Date.now() + LINGER_MS;
    this.#owner.lingering?.(this);
    const buf = new Uint8Array(1024);
    try {
      while (!this.#closed && (await this.#client.read(buf)) !== null) {
        // Dropped: the connection is refused.
      }
    } catch {
      // Reset by the client: nothing left to read.
    }
    this.close();
  }
}
