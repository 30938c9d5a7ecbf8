import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { describeLag, FleetHosts, formatAge } from "../../components/FleetHosts.tsx";
import { FleetLagNote } from "../../components/FleetLagNote.tsx";
import type { FleetHost } from "../../fleet/fleet_overview.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");

function host(partial: Partial<FleetHost>): FleetHost {
  return {
    host_id: "h1",
    sessions: 1,
    behind_bytes: 0,
    behind_since: null,
    status_age_s: 2,
    state: "current",
    last_error: null,
    ...partial,
  };
}

Deno.test("ages read in seconds, minutes or hours", () => {
  assert.equal(formatAge(45), "45 s");
  assert.equal(formatAge(180), "3 min");
  assert.equal(formatAge(3 * 3600), "3 h");
});

Deno.test("the lag column says up to date, bytes to ship and for how long, silent, or no status", () => {
  assert.equal(describeLag(host({}), NOW), "up to date");
  assert.equal(
    describeLag(
      host({ state: "behind", behind_bytes: 2048, behind_since: "2026-11-25T09:59:00Z" }),
      NOW,
    ),
    "2.0 KiB to ship, for 60 s",
  );
  assert.equal(describeLag(host({ state: "silent", status_age_s: 600 }), NOW), "silent for 10 min");
  assert.equal(describeLag(host({ state: "unknown", behind_bytes: null }), NOW), "no status yet");
});

Deno.test("the selected host is not a link, the others are", () => {
  const html = renderToString(
    <FleetHosts hosts={[host({}), host({ host_id: "h2" })]} lastEvents={{}} selected="h1" />,
  );
  assert.match(html, /<strong>h1<\/strong>/);
  assert.match(html, /href="\/\?host=h2"/);
  assert.match(html, /href="\/">all hosts<\/a>/);
});

Deno.test("the header note is absent when every host is current and the stream is drained", () => {
  const html = renderToString(
    <FleetLagNote fleet={{ sessionHosts: {}, hosts: [host({})], pendingMessages: 0 }} />,
  );
  assert.equal(html, "");
});
