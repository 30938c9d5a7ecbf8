import assert from "node:assert/strict";
import {
  fleetStatusSubject,
  fleetSubject,
  fleetSubjectFilter,
  isValidStreamName,
  parseFleetSubject,
} from "../../../execution/fleet/subjects.ts";
import { InvalidHostIdError, isValidHostId } from "../../../execution/fleet/host_id.ts";
import { InvalidSessionIdError } from "../../../execution/session_id.ts";
import { subjectMatches } from "../../../execution/fleet/fleet_stream.ts";

Deno.test("a session's dots travel as ~ in its subject and come back", () => {
  const subject = fleetSubject("ny4-01", "paper.2026-11-25.a");
  assert.equal(subject, "peak.exec.ny4-01.paper~2026-11-25~a");
  assert.deepEqual(parseFleetSubject(subject), {
    hostId: "ny4-01",
    sessionId: "paper.2026-11-25.a",
  });
});

Deno.test("parseFleetSubject refuses subjects that are not the fleet's", () => {
  for (
    const s of ["orders.new", "peak.exec.a", "peak.exec.a.b.c", "peak.other.a.b", "peak.exec.a.~b"]
  ) {
    assert.equal(parseFleetSubject(s), null, s);
  }
});

Deno.test("fleetSubject refuses an invalid host or session id", () => {
  assert.throws(() => fleetSubject("a.b", "s"), InvalidHostIdError);
  assert.throws(() => fleetSubject("a", "../s"), InvalidSessionIdError);
});

Deno.test("host ids are letters, digits, _ and -, without dots, up to 63", () => {
  assert.ok(isValidHostId("ny4_trader-01"));
  assert.ok(isValidHostId("a".repeat(63)));
  for (const bad of ["", "a.b", "-a", "a b", "a".repeat(64), 5, null]) {
    assert.equal(isValidHostId(bad), false, String(bad));
  }
});

Deno.test("subject filters and the status subject name the host", () => {
  assert.equal(fleetSubjectFilter(), "peak.exec.>");
  assert.equal(fleetSubjectFilter("h1"), "peak.exec.h1.*");
  assert.equal(fleetStatusSubject("h1"), "peak.fleet.status.h1");
});

Deno.test("stream names exclude dots, wildcards and spaces", () => {
  assert.ok(isValidStreamName("PEAK_EXEC"));
  for (const bad of ["a.b", "a*", "a>", "a b", "", "x".repeat(65)]) {
    assert.equal(isValidStreamName(bad), false, bad);
  }
});

Deno.test("subjectMatches follows NATS wildcards", () => {
  assert.ok(subjectMatches("peak.exec.>", "peak.exec.h.s"));
  assert.ok(subjectMatches("peak.exec.*.*", "peak.exec.h.s"));
  assert.ok(subjectMatches(">", "peak.exec.h.s"));
  assert.equal(subjectMatches("peak.exec.>", "peak.exec"), false);
  assert.equal(subjectMatches("peak.exec.*", "peak.exec.h.s"), false);
  assert.equal(subjectMatches("peak.other.>", "peak.exec.h.s"), false);
});
