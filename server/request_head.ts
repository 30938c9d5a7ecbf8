/**
 * The connection guard's reader of HTTP/1.x request heads. It checks only
 * what the guard must know before a request reaches the server: where the
 * head ends, that the request line is `METHOD /path HTTP/1.x` (an
 * absolute-form `GET http://host/ HTTP/1.1` is refused), that the `Host`
 * header is one strict value, and how long the body is (`Content-Length`;
 * chunked request bodies are refused, the dashboard takes none). Everything
 * else is left to the HTTP server behind the guard.
 *
 * @module
 */
import { parseHostHeader } from "../web/host_header.ts";

/**
 * A request head that may be forwarded.
 *
 * @example
 * ```ts
 * import type { RequestHead } from "./request_head.ts";
 * const head: RequestHead = {
 *   method: "GET",
 *   version: "1.1",
 *   target: "/healthz",
 *   headers: [["host", "127.0.0.1:8000"]],
 *   requestLineEnd: 16,
 *   bodyLength: 0,
 * };
 * ```
 */
export interface RequestHead {
  /** The method, as sent. */
  method: string;
  /** The HTTP version. */
  version: "1.0" | "1.1";
  /** The request target as sent (origin form: the path and query; or `*`). */
  target: string;
  /**
   * The header lines in order: each name lower-cased, each value without the
   * spaces around it.
   */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Offset just after the request line's line break (where the guard adds its own header). */
  requestLineEnd: number;
  /** Bytes of body that follow the head (`Content-Length`, 0 without). */
  bodyLength: number;
}

/**
 * Why a request is refused before it reaches the server: the status, a
 * stable code and a sentence for the client.
 *
 * @example
 * ```ts
 * import type { HeadRefusal } from "./request_head.ts";
 * const refusal: HeadRefusal = { status: 400, code: "invalid_host", detail: "the Host header is empty" };
 * ```
 */
export interface HeadRefusal {
  /** HTTP status of the answer. */
  status: number;
  /** Stable machine code, as in the app's `{error, detail}` answers. */
  code: string;
  /** What was wrong and what to send instead. */
  detail: string;
}

/**
 * Limits of {@linkcode parseRequestHead}.
 *
 * @example
 * ```ts
 * import type { RequestHeadLimits } from "./request_head.ts";
 * const limits: RequestHeadLimits = { maxHeaders: 100, maxBodyBytes: 65536 };
 * ```
 */
export interface RequestHeadLimits {
  /** Most header lines. */
  maxHeaders: number;
  /** Largest `Content-Length` taken. */
  maxBodyBytes: number;
}

/**
 * Name of the header through which the guard tells the server behind it
 * which connection and client a request came from. A client that sends it
 * is refused, so it cannot be forged from outside.
 *
 * @example
 * ```ts
 * import { GUARD_HEADER } from "./request_head.ts";
 * console.log(GUARD_HEADER); // "x-peak-guard"
 * ```
 */
export const GUARD_HEADER = "x-peak-guard";

const LF = 0x0a;
const CR = 0x0d;
const latin1 = new TextDecoder("latin1");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^ ]+) HTTP\/(\d)\.(\d)$/;

/**
 * Where the head in `buf` ends (the offset just after its empty line), or
 * -1 while it is incomplete. Lines end in CRLF or a bare LF. Pass the length
 * already searched (minus 3) as `from` so a head that arrives byte by byte
 * is not scanned again from the start each time.
 *
 * @example
 * ```ts
 * import { findHeadEnd } from "./request_head.ts";
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest");
 * console.log(findHeadEnd(bytes, 0)); // 27
 * ```
 */
export function findHeadEnd(buf: Uint8Array, from: number): number {
  let i = buf.indexOf(LF, Math.max(0, from));
  while (i !== -1) {
    if (buf[i + 1] === LF) return i + 2;
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}

function refuse(status: number, code: string, detail: string): HeadRefusal {
  return { status, code, detail };
}

/**
 * Read a complete request head (up to and including its empty line; no
 * leading empty lines): the facts the guard needs, or why it is refused.
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "./request_head.ts";
 * const limits = { maxHeaders: 100, maxBodyBytes: 65536 };
 * const ok = new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n");
 * console.log(parseRequestHead(ok, limits)); // { method: "GET", version: "1.1", requestLineEnd: 23, bodyLength: 0 }
 * const absolute = new TextEncoder().encode("GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
 * console.log(parseRequestHead(absolute, limits)); // { status: 400, code: "absolute_form_refused", … }
 * ```
 */
export function parseRequestHead(
  head: Uint8Array,
  limits: RequestHeadLimits,
): RequestHead | HeadRefusal {
  // Heads are bytes; a single-byte decoding keeps one character per byte, so every byte above
  // 0x7f shows up as a non-ASCII character and is refused where it matters.
  const text = latin1.decode(head);
  const lines = text.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
  const requestLine = lines[0];
  const requestLineEnd = text.indexOf("\n") + 1;
  const match = REQUEST_LINE.exec(requestLine);
  if (match === null) {
    return /^PRI \* HTTP\/2/.test(requestLine)
      ? refuse(505, "http_version_not_supported", "HTTP/2 without TLS is not served; use HTTP/1.1")
      : refuse(
        400,
        "invalid_request_line",
        "the request line is not `METHOD /path HTTP/1.1` (one space between the parts)",
      );
  }
  const [, method, target, major, minor] = match;
  if (major !== "1" || (minor !== "0" && minor !== "1")) {
    return refuse(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served");
  }
  const version = minor === "1" ? "1.1" : "1.0";
  if (!/^[\x21-\x7e]+$/.test(target)) {
    return refuse(
      400,
      "invalid_request_target",
      "the request target holds a control or non-ASCII character; percent-encode it",
    );
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) {
    return refuse(
      400,
      "absolute_form_refused",
      "the request line named a full URL (absolute form); send the path only, with the host in " +
        "the Host header",
    );
  }
  if (!target.startsWith("/") && !(target === "*" && method === "OPTIONS")) {
    return refuse(400, "invalid_request_target", "the request target must be a path (`/…`)");
  }

  const hosts: string[] = [];
  const lengths: string[] = [];
  const headers: [string, string][] = [];
  let chunked = false;
  const headerLines = lines.slice(1, -2); // the head ends with its empty line (two "" entries)
  if (headerLines.length > limits.maxHeaders) {
    return refuse(431, "too_many_headers", `send at most ${limits.maxHeaders} header lines`);
  }
  for (const line of headerLines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      return refuse(400, "invalid_header", "folded header lines (obs-fold) are refused");
    }
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) {
      return refuse(400, "invalid_header", "a header line is not `Name: value`");
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    // deno-lint-ignore no-control-regex -- finding control characters is the point
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
      return refuse(400, "invalid_header", `the ${name} header holds a control character`);
    }
    const lower = name.toLowerCase();
    headers.push([lower, value]);
    switch (lower) {
      case "host":
        hosts.push(value);
        break;
      case "content-length":
        lengths.push(...value.split(",").map((part) => part.trim()));
        break;
      case "transfer-encoding":
        chunked = true;
        break;
      case GUARD_HEADER:
        return refuse(400, "invalid_header", `the ${GUARD_HEADER} header is the server's own`);
    }
  }
  if (hosts.length > 1) return refuse(400, "invalid_host", "send one Host header, not several");
  if (hosts.length === 0 && version === "1.1") {
    return refuse(400, "invalid_host", "an HTTP/1.1 request needs a Host header");
  }
  if (hosts.length === 1) {
    const host = parseHostHeader(hosts[0]);
    if (typeof host === "string") return refuse(400, "invalid_host", host);
  }
  if (chunked) {
    return lengths.length > 0
      ? refuse(400, "invalid_header", "send Content-Length or Transfer-Encoding, not both")
      : refuse(411, "length_required", "chunked request bodies are refused; send Content-Length");
  }
  let bodyLength = 0;
  if (lengths.length > 0) {
    if (!lengths.every((length) => /^\d{1,15}$/.test(length) && length === lengths[0])) {
      return refuse(400, "invalid_header", "Content-Length must be one decimal number");
    }
    bodyLength = Number(lengths[0]);
    if (bodyLength > limits.maxBodyBytes) {
      return refuse(
        413,
        "body_too_large",
        `a request body may have at most ${limits.maxBodyBytes} bytes`,
      );
    }
  }
  return { method, version, target, headers, requestLineEnd, bodyLength };
}
