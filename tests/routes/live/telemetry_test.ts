// The telemetry console: real checks, sessions with size, age and compression, the retention
// policy in force, the trend, the alerts with their forms; no script; the header badge.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { runAlerts } from "../../../ops/alert_engine.ts";
import { defaultAlertsSettings } from "../../../execution/alerts_config.ts";
import { defaultHealthSettings } from "../../../execution/health_config.ts";
import { appendSnapshot, snapshotOf, snapshotTime } from "../../../ops/health_snapshots.ts";
import { acknowledge } from "../../../ops/operator_actions.ts";
import { AlertStore } from "../../../ops/alert_store.ts";
import { retentionPolicyOf } from "../../../ops/ops_settings.ts";
import { parseExecutionConfig } from "../../../execution/config.ts";
import {
  DAY,
  decisions,
  errorEvent,
  HOUR,
  setMtime,
  withRoot,
  writeSession,
} from "../../ops/helpers.ts";
import { telemetryApp } from "../telemetry_fixtures.ts";

async function page(
  root: string,
  query = "",
  toml = "",
): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await telemetryApp(root, toml).request(`/live/telemetry${query}`);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function fire(root: string): Promise<void> {
  await writeSession(root, "s", decisions("s", Date.now(), 50, 15) + errorEvent("s", Date.now()));
  await runAlerts({
    root,
    alerts: defaultAlertsSettings(),
    health: defaultHealthSettings(),
    console: () => {},
    measureFree: () => Promise.resolve({ space: null, problem: "" }),
  });
}

Deno.test("the console shows every check with its status and message", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "spike", decisions("spike", Date.now(), 50, 20));
    const { status, html, headers } = await page(root);
    assert.equal(status, 200);
    assert.match(headers.get("content-security-policy") ?? "", /script-src 'self'/);
    for (
      const name of [
        "disk_usage",
        "retention_staleness",
        "compression_failures",
        "parse_error_rate",
        "free_space",
        "rejection_rate",
        "execution_errors",
        "telemetry_dropped",
        "stale_sessions",
      ]
    ) {
      assert.ok(html.includes(`>${name}</th>`), name);
    }
    assert.match(html, /<title>WARN · Telemetry health<\/title>/);
    assert.match(html, /20 of 50 intents blocked/);
    // Forms and links need no island of the console's own: the only island is the header's
    // theme switch, and every script is an external file of the server's.
    const islands = JSON.parse(
      /<script type="application\/json" id="__islands">(.*?)<\/script>/s
        .exec(html)?.[1] ?? "[]",
    ) as { name: string }[];
    assert.deepEqual(islands.map((i) => i.name), ["ThemeToggle"]);
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      assert.match(tag, /src="\/static\/|type="application\/json"/, tag);
    }
  });
});

Deno.test("sessions are listed with size, age and compression", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "active", decisions("active", Date.now(), 1, 0));
    await Deno.writeFile(
      `${root}/archived.jsonl.gz`,
      gzipSync(decisions("archived", Date.now(), 1, 0)),
    );
    await setMtime(`${root}/archived.jsonl.gz`, Date.now() - 3 * DAY);
    await Deno.mkdir(`${root}/.segments/rotated`, { recursive: true });
    await Deno.writeFile(`${root}/.segments/rotated/000001.jsonl.gz`, gzipSync("x\n"));
    await Deno.writeTextFile(`${root}/.segments/rotated/000002.jsonl`, "x\n");
    await writeSession(root, "rotated", "");
    const { html } = await page(root);
    assert.match(
      html,
      /href="\/live\/execution\/archived">archived<\/a>.*?3 d ago.*?archived \(\.jsonl\.gz\)/s,
    );
    assert.match(html, /rotated<\/a>.*?1 of 2 closed segment\(s\) compressed, active file plain/s);
    assert.match(html, /active<\/a>.*?<td>plain<\/td>/s);
    assert.match(html, /3 of 3 sessions shown/);
  });
});

Deno.test("the retention policy shown is the one in force, not hard-coded", async () => {
  await withRoot(async (root) => {
    const { html } = await page(root);
    assert.match(html, /defaults \(the config has no \[execution\.telemetry\.retention\]\)/);
    assert.match(html, /<dd>2048 MB<\/dd>/);
    // The typed table of the one config schema; what it leaves out has the defaults.
    const config = parseExecutionConfig(
      "[execution.telemetry.retention]\nmax_age_days = 10\nkeep_last_n_sessions = 5\n" +
        "max_total_mb = 512\n",
    );
    const policy = retentionPolicyOf(config);
    assert.deepEqual(
      [
        policy.source,
        policy.max_age_days,
        policy.keep_last_n_sessions,
        policy.max_total_mb,
        policy.compress_after_days,
      ],
      ["config", 10, 5, 512, 7],
    );
  });
});

Deno.test("the trend is drawn from the snapshots of the chosen range", async () => {
  await withRoot(async (root) => {
    const now = Date.now();
    for (
      const [at, status] of [[now - 3 * DAY, "critical"], [now - 2 * HOUR, "warn"], [
        now - HOUR,
        "ok",
      ]] as const
    ) {
      await appendSnapshot(
        root,
        snapshotOf({
          timestamp: snapshotTime(at),
          status,
          exit_code: 0,
          checks: [{
            name: "disk_usage",
            status,
            message: "",
            value: 5,
            threshold_warn: 1500,
            threshold_critical: 1900,
            unit: "MB",
            details: null,
          }],
        }),
        90 * DAY,
        at,
      );
    }
    const day = (await page(root)).html;
    assert.match(day, /<svg viewBox="0 0 720 170"/);
    assert.equal(day.match(/class="trend-(ok|warn|critical)"/g)?.length, 2, "the last 24 hours");
    const week = (await page(root, "?range=7d")).html;
    assert.equal(week.match(/class="trend-(ok|warn|critical)"/g)?.length, 3);
    assert.match(week, /aria-current="page">last 7 days/);
    const empty = (await page(root, "?range=nonsense")).html;
    assert.match(empty, /aria-current="page">last 24 hours/);
  });
});

Deno.test("alerts are listed with acknowledge and snooze forms; an acked one has no ack button", async () => {
  await withRoot(async (root) => {
    await fire(root);
    let { html } = await page(root);
    assert.match(html, /<form method="post" action="\/api\/telemetry\/alerts\/ack"/);
    assert.match(html, /name="dedupe_key" value="rejection_rate_high"/);
    assert.match(html, /name="dedupe_key" value="execution_errors"/);
    assert.match(html, /action="\/api\/telemetry\/alerts\/snooze"/);
    assert.match(html, /Latest notifications/);
    await acknowledge(new AlertStore(root), "rejection_rate_high", null);
    ({ html } = await page(root));
    assert.doesNotMatch(html, /name="dedupe_key" value="rejection_rate_high"/);
    assert.match(html, /Ack of <code>rejection_rate_high<\/code> until it resolves/);
  });
});

Deno.test("only known notices are shown; the parameter is never echoed", async () => {
  await withRoot(async (root) => {
    assert.match((await page(root, "?notice=acked")).html, /Alert acknowledged\./);
    const { html } = await page(root, "?notice=%3Cimg%20src=x%3E");
    assert.doesNotMatch(html, /img src/);
    assert.doesNotMatch(html, /class="notice"/);
  });
});

Deno.test("every page's header links the console and shows a badge while alerts fire", async () => {
  await withRoot(async (root) => {
    const quiet = await (await telemetryApp(root).request("/")).text();
    assert.match(quiet, /<header class="site-header">.*href="\/live\/telemetry"/s);
    assert.doesNotMatch(quiet, /firing<\/span>/);
    await fire(root);
    for (const path of ["/", "/live/telemetry", "/live/execution/s"]) {
      const html = await (await telemetryApp(root).request(path)).text();
      assert.match(html, /class="badge badge-critical"[^>]*>2 firing<\/span>/, path);
    }
  });
});

Deno.test("the login form has no header (nothing about alerts before the token)", async () => {
  await withRoot(async (root) => {
    await fire(root);
    const res = await telemetryApp(root, "", "s3cret-token").request("/live/telemetry", {
      headers: { accept: "text/html" },
    });
    assert.equal(res.status, 401);
    const html = await res.text();
    assert.doesNotMatch(html, /site-header|firing/);
  });
});

Deno.test("/metrics exposes the firing alerts as peak_exec_alerts_firing{rule,severity}", async () => {
  await withRoot(async (root) => {
    const quiet = await (await telemetryApp(root).request("/metrics")).text();
    assert.match(quiet, /# TYPE peak_exec_alerts_firing gauge/);
    assert.doesNotMatch(quiet, /^peak_exec_alerts_firing\{/m, "no sample while nothing fires");
    await fire(root);
    const text = await (await telemetryApp(root).request("/metrics")).text();
    const samples = text.split("\n").filter((l) => l.startsWith("peak_exec_alerts_firing{"));
    assert.equal(samples.length, 2, samples.join("\n"));
    assert.ok(samples.some((l) => /rule="rejection_rate_high"/.test(l) && / 1$/.test(l)), text);
  });
});
