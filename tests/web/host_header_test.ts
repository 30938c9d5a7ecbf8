import assert from "node:assert/strict";
import { parseHostHeader } from "../../web/host_header.ts";

Deno.test("a Host header that is a name, an IPv4 or a bracketed IPv6 address, with a port, parses", () => {
  const cases: [string, string, number | null][] = [
    ["127.0.0.1:8000", "127.0.0.1", 8000],
    ["localhost", "localhost", null],
    ["Dashboard.Example.COM", "dashboard.example.com", null],
    ["dashboard.example.com.:443", "dashboard.example.com.", 443],
    ["my_host-1:65535", "my_host-1", 65535],
    ["[::1]:8000", "[::1]", 8000],
    ["[2001:db8::7]", "[2001:db8::7]", null],
  ];
  for (const [value, hostname, port] of cases) {
    assert.deepEqual(parseHostHeader(value), { hostname, port }, value);
  }
});

Deno.test("a malformed Host header is refused with a reason, never parsed leniently", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["127.0.0.1:99999", /port .* 1 to 65535/],
    ["127.0.0.1:0", /port .* 1 to 65535/],
    ["127.0.0.1:", /not `host` or `host:port`/],
    ["127.0.0.1 evil.com", /space/],
    ["evil.com@127.0.0.1", /userinfo/],
    ["evil.com@127.0.0.1:8000", /userinfo/],
    ["user:pass@127.0.0.1", /userinfo/],
    ["127.0.0.1, evil.com", /space/],
    ["127.0.0.1,evil.com", /labels/],
    ["127.1", /four dot-separated numbers/],
    ["127.0.0.256", /0 to 255/],
    ["0127.0.0.1", /leading zeros/],
    ["evil%2ecom", /labels/],
    ["a..b", /labels/],
    ["-bad.example", /labels/],
    ["[::1", /not `host` or `host:port`/],
    ["[not-ipv6]:80", /no IPv6 address/],
    ["[fe80::1%25eth0]", /no IPv6 address/],
    ["caf\u00e9.example", /non-ASCII/],
    ["a\tb", /control/],
    ["x".repeat(301), /longer than 300/],
    [`${"a".repeat(63)}.`.repeat(4), /longer than 253/],
  ];
  for (const [value, reason] of cases) {
    const parsed = parseHostHeader(value);
    assert.equal(typeof parsed, "string", JSON.stringify(value));
    assert.match(parsed as string, reason, JSON.stringify(value));
  }
});
