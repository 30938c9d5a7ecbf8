import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { type FollowConnection, FollowToolbar } from "../../components/FollowToolbar.tsx";

function render(hydrated: boolean, connection: FollowConnection, loading = false): string {
  return renderToString(
    <FollowToolbar
      hydrated={hydrated}
      follow={connection !== "off"}
      connection={connection}
      timeZone="utc"
      loading={loading}
      onFollowChange={() => {}}
      onTimeZoneToggle={() => {}}
    />,
  );
}

Deno.test("before hydration the switches are disabled and say live follow needs JavaScript", () => {
  const html = render(false, "off");
  assert.match(html, /name="follow" disabled/);
  assert.match(html, /class="tz-toggle" disabled/);
  assert.match(html, />live follow needs JavaScript</);
});

Deno.test("once hydrated the status line names the connection state", () => {
  assert.match(render(true, "off"), /class="connection connection-off"[^>]*>not following</);
  for (const state of ["connecting", "connected", "reconnecting"] as const) {
    assert.match(render(true, state), new RegExp(`connection-${state}"[^>]*>${state}<`));
  }
});

Deno.test("the loading indicator shows only while a page loads", () => {
  assert.match(render(true, "off", true), /class="loading">loading…</);
  assert.doesNotMatch(render(true, "off"), /class="loading"/);
});
