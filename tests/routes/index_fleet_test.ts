import assert from "node:assert/strict";
import { createApp } from "../../server/app.ts";
import { appendEvents, wireEvent, withLogDir } from "./fixtures.ts";
import {
  writeCentralSessionMeta,
  writeConsumerStatus,
  writeHostStatus,
} from "../../fleet/collect_state.ts";
import { SHIP_STATUS_FORMAT } from "../../fleet/ship_status.ts";

/** A central root: two hosts' sessions as collect writes them, and the hosts' statuses. */
async function centralRoot(dir: string, now: number): Promise<void> {
  for (const [host, session] of [["host-a", "s1"], ["host-b", "s1"]]) {
    const id = `${host}.${session}`;
    await appendEvents(dir, id, [wireEvent(id, 1, "intent"), wireEvent(id, 2, "gate")]);
    writeCentralSessionMeta(dir, {
      central_session_id: id,
      host_id: host,
      session_id: session,
      first_seen: new Date(now).toISOString(),
      gaps: [],
      gap_count: 0,
    });
  }
  const status = (host: string, behind: number, since: number | null) => ({
    format: SHIP_STATUS_FORMAT,
    host_id: host,
    stream: "PEAK_EXEC",
    at: new Date(now).toISOString(),
    connected: true,
    behind_bytes: behind,
    behind_since: since === null ? null : new Date(since).toISOString(),
    sessions: [],
    sessions_total: 1,
    shipped_lines: 2,
    shipped_batches: 1,
    last_error: null,
  });
  writeHostStatus(dir, {
    status: status("host-a", 0, null),
    received_at: new Date(now).toISOString(),
  });
  writeHostStatus(dir, {
    status: status("host-b", 5_000_000, now - 60_000),
    received_at: new Date(now).toISOString(),
  });
  writeConsumerStatus(dir, {
    stream: "PEAK_EXEC",
    durable: "peak-collect",
    filter_subject: "peak.exec.>",
    num_pending: 12,
    num_ack_pending: 0,
    at: new Date(now).toISOString(),
  });
}

Deno.test("over a central root the index shows each session's host and each host's lag", async () => {
  await withLogDir(async (dir) => {
    await centralRoot(dir, Date.now());
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.match(html, /<th scope="col">Host<\/th>/);
    assert.match(html, /href="\/\?host=host-a">host-a<\/a>/);
    assert.match(html, /up to date/);
    assert.match(html, /4\.8 MiB to ship, for (60 s|1 min)/);
  });
});

Deno.test("the header says which hosts are behind and what waits in the stream", async () => {
  await withLogDir(async (dir) => {
    await centralRoot(dir, Date.now());
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    const note = /<p class="fleet-note"[^>]*>(.*?)<\/p>/s.exec(html)?.[1] ?? "";
    assert.match(note, /1 host is behind/);
    assert.match(note, /host-b/);
    assert.doesNotMatch(note, /host-a/);
    assert.match(note, /12 messages wait in the stream/);
  });
});

Deno.test("a host that stopped reporting is shown as silent", async () => {
  await withLogDir(async (dir) => {
    await centralRoot(dir, Date.now() - 120_000);
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.match(html, /silent for 2 min/);
    assert.match(html, /2 hosts are behind/);
  });
});

Deno.test("?host= shows one host's sessions", async () => {
  await withLogDir(async (dir) => {
    await centralRoot(dir, Date.now());
    const html = await (await createApp({ logDir: dir }).request("/?host=host-b")).text();
    const links = [...html.matchAll(/href="\/live\/execution\/([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(links, ["host-b.s1"]);
    assert.match(html, /Only host-b/);
  });
});

Deno.test("an invalid ?host= is a 400 with a JSON error", async () => {
  await withLogDir(async (dir) => {
    const res = await createApp({ logDir: dir }).request("/?host=a.b");
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: "invalid_host",
      detail: "host: expected a host id (A-Z a-z 0-9 _ -)",
    });
  });
});

Deno.test("a log root without a collector shows no host column", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "local", [wireEvent("local", 1, "intent")]);
    const html = await (await createApp({ logDir: dir }).request("/")).text();
    assert.doesNotMatch(html, /Host<\/th>|fleet-note/);
  });
});
