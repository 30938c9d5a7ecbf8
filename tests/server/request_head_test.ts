import assert from "node:assert/strict";
import {
  findHeadEnd,
  GUARD_HEADER,
  type HeadRefusal,
  parseRequestHead,
  type RequestHead,
} from "../../server/request_head.ts";

const LIMITS = { maxHeaders: 100, maxBodyBytes: 1000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function parse(head: string): RequestHead | HeadRefusal {
  return parseRequestHead(bytes(head), LIMITS);
}

function refusal(head: string): HeadRefusal {
  const result = parse(head);
  assert.ok("status" in result, `expected a refusal for ${JSON.stringify(head)}`);
  return result;
}

Deno.test("the end of a head is found after CRLF CRLF or LF LF, resuming a search", () => {
  assert.equal(findHeadEnd(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 0), 27);
  assert.equal(findHeadEnd(bytes("GET / HTTP/1.1\nHost: a\n\nbody"), 0), 24);
  assert.equal(findHeadEnd(bytes("GET / HTTP/1.1\r\nHost: a\r\n"), 0), -1);
  const head = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(findHeadEnd(head, head.length - 3 - 1), 27);
});

Deno.test("an origin-form request with one valid Host is taken, with its body length", () => {
  assert.deepEqual(parse("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"), {
    method: "GET",
    version: "1.1",
    target: "/healthz",
    headers: [["host", "127.0.0.1:8000"]],
    requestLineEnd: 23,
    bodyLength: 0,
  });
  const post = parse("POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12\r\n\r\n");
  assert.equal((post as RequestHead).bodyLength, 12);
  assert.equal((parse("GET / HTTP/1.0\r\n\r\n") as RequestHead).version, "1.0");
  assert.equal((parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") as RequestHead).method, "OPTIONS");
});

Deno.test("absolute-form and other non-path targets are refused", () => {
  for (const target of ["http://evil.example/", "HTTPS://127.0.0.1/healthz", "h2c://x/"]) {
    const r = refusal(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.equal(r.status, 400);
    assert.equal(r.code, "absolute_form_refused", target);
  }
  assert.equal(
    refusal("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: a\r\n\r\n").code,
    "invalid_request_target",
  );
  assert.equal(refusal("GET * HTTP/1.1\r\nHost: a\r\n\r\n").code, "invalid_request_target");
});

Deno.test("a missing, repeated or malformed Host is refused", () => {
  assert.match(refusal("GET / HTTP/1.1\r\n\r\n").detail, /needs a Host header/);
  assert.match(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").detail, /one Host/);
  for (const host of ["127.0.0.1:99999", "127.0.0.1 evil.com", "evil.com@127.0.0.1", ""]) {
    const r = refusal(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.deepEqual([r.status, r.code], [400, "invalid_host"], host);
  }
});

Deno.test("malformed request lines and header lines are refused", () => {
  const cases: [string, number, string][] = [
    ["GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid_request_line"],
    ["GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400, "invalid_request_line"],
    ["GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid_request_target"],
    ["GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid_request_target"],
    ["GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported"],
    ["PRI * HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"],
    ["GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "invalid_header"],
    ["GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n", 400, "invalid_header"],
    ["GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, "invalid_header"],
    [
      `GET / HTTP/1.1\r\nHost: a\r\n${GUARD_HEADER}: forged 1 10.0.0.1\r\n\r\n`,
      400,
      "invalid_header",
    ],
  ];
  for (const [head, status, code] of cases) {
    const r = refusal(head);
    assert.deepEqual([r.status, r.code], [status, code], JSON.stringify(head));
  }
});

Deno.test("request bodies: chunked is refused, lengths must agree and stay under the cap", () => {
  const head = (headers: string) => `POST /login HTTP/1.1\r\nHost: a\r\n${headers}\r\n`;
  assert.equal(refusal(head("Transfer-Encoding: chunked\r\n")).status, 411);
  assert.equal(refusal(head("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n")).status, 400);
  assert.equal(refusal(head("Content-Length: 3\r\nContent-Length: 4\r\n")).status, 400);
  assert.equal(refusal(head("Content-Length: -1\r\n")).status, 400);
  assert.equal(refusal(head("Content-Length: 1001\r\n")).status, 413);
  assert.equal((parse(head("Content-Length: 5, 5\r\n")) as RequestHead).bodyLength, 5);
});

Deno.test("more header lines than the limit are refused with 431", () => {
  const many = Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join("");
  assert.equal(refusal(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`).status, 431);
});
