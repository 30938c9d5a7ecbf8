/**
 * A strict reader of the HTTP `Host` header: a DNS name, a dotted IPv4
 * address or a bracketed IPv6 address, optionally followed by `:port`.
 * Anything else (userinfo such as `evil.com@127.0.0.1`, spaces, a second
 * value, a port out of range, percent-encoding, IPv4 shorthand) is refused
 * with a reason, so a request cannot be addressed one way to the host check
 * and another way to the URL parser.
 *
 * @module
 */

/**
 * A `Host` header that parsed.
 *
 * @example
 * ```ts
 * import type { HostHeader } from "./host_header.ts";
 * const host: HostHeader = { hostname: "127.0.0.1", port: 8000 };
 * ```
 */
export interface HostHeader {
  /** The host name in lower case; an IPv6 address keeps its brackets (`[::1]`). */
  readonly hostname: string;
  /** The port, or `null` when the header named none. */
  readonly port: number | null;
}

/** A DNS label: letters, digits, `-` and `_` (seen in container names), at most 63 characters. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Why `name` (lower case, no port) is no host name or IPv4 address, or `null`. */
function nameProblem(name: string): string | null {
  if (name.length > 253) return "the host name is longer than 253 characters";
  // One trailing dot is the fully qualified form of the same name.
  const labels = (name.endsWith(".") ? name.slice(0, -1) : name).split(".");
  if (labels.every((label) => /^\d+$/.test(label))) {
    // All digits: an IPv4 address, written out in full (no `127.1`, no octal-looking `0127`).
    if (labels.length !== 4) return "an IPv4 address needs four dot-separated numbers";
    for (const label of labels) {
      if (label.length > 1 && label.startsWith("0")) return "IPv4 numbers have no leading zeros";
      if (Number(label) > 255) return "IPv4 numbers are 0 to 255";
    }
    return null;
  }
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return "a host name is dot-separated labels of letters, digits, `-` and `_`";
    }
  }
  return null;
}

/** Whether `inner` (between the brackets) is an IPv6 address the URL parser accepts. */
function isIpv6(inner: string): boolean {
  if (!/^[0-9a-f:.]+$/.test(inner) || !inner.includes(":")) return false;
  try {
    new URL(`http://[${inner}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parse a `Host` header value strictly: the parsed host, or a sentence
 * saying what is wrong with it.
 *
 * @example
 * ```ts
 * import { parseHostHeader } from "./host_header.ts";
 * console.log(parseHostHeader("127.0.0.1:8000")); // { hostname: "127.0.0.1", port: 8000 }
 * console.log(typeof parseHostHeader("evil.com@127.0.0.1")); // "string"
 * console.log(typeof parseHostHeader("127.0.0.1:99999")); // "string"
 * ```
 */
export function parseHostHeader(value: string): HostHeader | string {
  // HOT PATH: every request is checked (by the connection guard, then the app), and a server is
  // reached by very few names: remember the last answers.
  const known = recent.get(value);
  if (known !== undefined) return known;
  const parsed = parseUncached(value);
  if (typeof parsed !== "string") Object.freeze(parsed);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(value, parsed);
  return parsed;
}

/** Host values parsed lately (the shared results are frozen). */
const recent = new Map<string, HostHeader | string>();
const RECENT_MAX = 64;

function parseUncached(value: string): HostHeader | string {
  if (value === "") return "the Host header is empty";
  if (value.length > 300) return "the Host header is longer than 300 characters";
  if (!/^[\x21-\x7e]+$/.test(value)) {
    return "the Host header holds a space, a control or a non-ASCII character";
  }
  const lower = value.toLowerCase();
  const match = /^(\[[^\]]*\]|[^:\[\]]*)(?::(\d{1,5}))?$/.exec(lower);
  if (match === null) {
    return lower.includes("@")
      ? "the Host header holds userinfo (`name@`), which is refused"
      : "the Host header is not `host` or `host:port`";
  }
  const [, host, portText] = match;
  let port: number | null = null;
  if (portText !== undefined) {
    port = Number(portText);
    if (port < 1 || port > 65535) return "the port in the Host header is not 1 to 65535";
  }
  if (host.startsWith("[")) {
    return isIpv6(host.slice(1, -1))
      ? { hostname: host, port }
      : "the bracketed address in the Host header is no IPv6 address";
  }
  if (host.includes("@")) return "the Host header holds userinfo (`name@`), which is refused";
  if (host === "") return "the Host header names no host";
  const problem = nameProblem(host);
  return problem === null ? { hostname: host, port } : `${problem} (Host header)`;
}
