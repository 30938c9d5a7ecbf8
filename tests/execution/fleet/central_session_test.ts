import assert from "node:assert/strict";
import { centralSessionId } from "../../../execution/fleet/central_session.ts";
import { isValidSessionId } from "../../../execution/session_id.ts";
import { InvalidHostIdError } from "../../../execution/fleet/host_id.ts";

Deno.test("a central session id is <host>.<session>", () => {
  assert.equal(centralSessionId("ny4-01", "paper.1"), "ny4-01.paper.1");
});

Deno.test("a central session id that would be too long is cut and hashed, and stays valid", () => {
  const host = "h".repeat(63);
  const a = centralSessionId(host, `${"s".repeat(100)}-a`);
  const b = centralSessionId(host, `${"s".repeat(100)}-b`);
  for (const id of [a, b]) {
    assert.ok(isValidSessionId(id), id);
    assert.equal(id.length, 128);
    assert.ok(id.startsWith(`${host}.sss`));
  }
  assert.notEqual(a, b, "sessions that share a long prefix stay apart");
  assert.equal(centralSessionId(host, `${"s".repeat(100)}-a`), a, "the mapping is stable");
});

Deno.test("centralSessionId refuses an invalid host id", () => {
  assert.throws(() => centralSessionId("a.b", "s"), InvalidHostIdError);
});
