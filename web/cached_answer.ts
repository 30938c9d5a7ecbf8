/**
 * The HTTP answer of a cached JSON body: `200` with its strong `ETag`, or
 * `304 Not Modified` when the request's `If-None-Match` names that tag. The
 * headers go in when the response is built, security headers included.
 *
 * @module
 */
import type { CachedAnswer } from "./response_cache.ts";
import { securedResponse, SECURITY_HEADERS } from "./security_headers.ts";

type HeaderList = [string, string][];
const SECURITY: HeaderList = SECURITY_HEADERS.map(([name, value]) => [name, value]);
const JSON_HEADERS: HeaderList = [
  ["content-type", "application/json"],
  ["cache-control", "no-store"],
  ...SECURITY,
];
const NOT_MODIFIED_HEADERS: HeaderList = [["cache-control", "no-store"], ...SECURITY];

/**
 * Whether an `If-None-Match` value names `etag` (weak comparison, as RFC
 * 9110 asks for this header; `*` matches any current answer).
 *
 * @example
 * ```ts
 * import { ifNoneMatches } from "./cached_answer.ts";
 * console.log(ifNoneMatches('W/"a", "b"', '"b"')); // true
 * console.log(ifNoneMatches('"a"', '"b"')); // false
 * ```
 */
export function ifNoneMatches(header: string | null, etag: string): boolean {
  if (header === null) return false;
  if (header === etag) return true; // the usual case: the tag the client was given, alone
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*" || tag === etag || (tag.startsWith("W/") && tag.slice(2) === etag)) {
      return true;
    }
  }
  return false;
}

/**
 * The answer to `req` from a cached JSON body: `304` (no body) when
 * `If-None-Match` names its tag, else `200` with the body. Both carry the
 * `ETag` and `cache-control: no-store` (browsers keep no copy; a client that
 * keeps the tag may ask conditionally).
 *
 * @example
 * ```ts
 * import { cachedJsonAnswer } from "./cached_answer.ts";
 * const answer = { body: '{"ok":true}', etag: '"x1"' };
 * const fresh = cachedJsonAnswer(new Request("http://localhost/api"), answer);
 * const again = cachedJsonAnswer(
 *   new Request("http://localhost/api", { headers: { "if-none-match": '"x1"' } }),
 *   answer,
 * );
 * console.log(fresh.status, again.status); // 200 304
 * ```
 */
export function cachedJsonAnswer(req: Request, answer: CachedAnswer): Response {
  const etag = answer.etag;
  if (ifNoneMatches(req.headers.get("if-none-match"), etag)) {
    return securedResponse(
      new Response(null, { status: 304, headers: [["etag", etag], ...NOT_MODIFIED_HEADERS] }),
    );
  }
  // A string body: Deno.serve sends a string faster than the same bytes as a Uint8Array.
  return securedResponse(new Response(answer.body, { headers: [["etag", etag], ...JSON_HEADERS] }));
}
