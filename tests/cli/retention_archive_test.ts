// A session that `retention --apply` compressed into <sid>.jsonl.gz is still a session for every
// reader: `sessions`, `timeline`, `summary` and the dashboard's API see the same events as before.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runRetentionCommand } from "../../cli/retention.ts";
import { runSessionsCommand } from "../../cli/sessions.ts";
import { runSummaryCommand } from "../../cli/summary.ts";
import { runTimelineCommand } from "../../cli/timeline.ts";
import { memoryIo } from "../../cli/io.ts";
import { createApp } from "../../server/app.ts";
import { DAY, exists, withRoot, writeSession } from "../ops/retention/helpers.ts";

const EVENTS = 12;

/** What the readers say about session `sid` of `root`, through the CLI and the API. */
async function readersOf(root: string, sid: string) {
  const sessions = memoryIo();
  assert.equal(await runSessionsCommand(["--log-dir", root, "--json"], sessions), 0);
  const timeline = memoryIo();
  assert.equal(
    await runTimelineCommand([sid, "--log-dir", root, "--json", "--limit", "100"], timeline),
    0,
    timeline.stderr(),
  );
  const summary = memoryIo();
  assert.equal(await runSummaryCommand([sid, "--log-dir", root, "--json"], summary), 0);
  const app = createApp({ logDir: root });
  const apiSessions = await (await app.request("/api/live/sessions")).json();
  const apiTimeline = await app.request(`/api/live/execution/${sid}?limit=100`);
  const apiSummary = await app.request(`/api/live/execution/${sid}/summary`);
  assert.equal(apiTimeline.status, 200);
  assert.equal(apiSummary.status, 200);
  const listed = JSON.parse(sessions.stdout()).find((s: { session_id: string }) =>
    s.session_id === sid
  );
  return {
    listed: [listed?.event_count, listed?.first_ts, listed?.last_ts],
    timeline: timeline.stdout().trim().split("\n").map((line) => JSON.parse(line).seq),
    summary: JSON.parse(summary.stdout()).event_count,
    apiListed: apiSessions.sessions.find((s: { session_id: string }) => s.session_id === sid)
      ?.event_count,
    apiTimeline: (await apiTimeline.json()).timeline.map((r: { seq: number }) => r.seq),
    apiSummary: (await apiSummary.json()).event_count,
  };
}

Deno.test("a session compressed by retention --apply lists, reads and summarises as before", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "archived", EVENTS, Date.now() - 10 * DAY);
    const before = await readersOf(root, "archived");
    assert.deepEqual(
      [before.listed[0], before.timeline.length, before.summary, before.apiListed],
      [EVENTS, EVENTS, EVENTS, EVENTS],
    );
    assert.deepEqual([before.apiTimeline.length, before.apiSummary], [EVENTS, EVENTS]);
    const out = memoryIo({ env: { HOME: "/nonexistent-home" } });
    assert.equal(
      await runRetentionCommand(
        ["--log-dir", root, "--keep-last-n", "0", "--max-age-days", "0", "--apply"],
        out,
      ),
      0,
      out.stderr(),
    );
    assert.match(out.stdout(), /compressed session archived into archived\.jsonl\.gz/);
    assert.ok(await exists(join(root, "archived.jsonl.gz")));
    assert.ok(!(await exists(join(root, "archived.jsonl"))));
    assert.deepEqual(await readersOf(root, "archived"), before);
  });
});
