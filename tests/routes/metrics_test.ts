import assert from "node:assert/strict";
import { runDemoScenario } from "../../cli/dry_run.ts";
import { memoryIo } from "../../cli/io.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { getExecutionSummary, readExecutionEvents } from "../../mod.ts";
import { createApp } from "../../server/app.ts";
import { checkMetrics, skipPrometheusTests } from "../deploy/prometheus_tools.ts";
import { appendEvents, demoEvents, withLogDir } from "./fixtures.ts";

/** Every sample of the exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** The sum of the samples of `family` whose labels include every `label="value"` given. */
function total(all: Map<string, number>, family: string, ...labels: string[]): number {
  let sum = 0;
  for (const [series, value] of all) {
    const name = series.includes("{") ? series.slice(0, series.indexOf("{")) : series;
    if (name === family && labels.every((l) => series.includes(l))) sum += value;
  }
  return sum;
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

async function demoLogDir(dir: string): Promise<string> {
  const { sessionId } = await runDemoScenario({ logDir: dir, io: memoryIo(), quiet: true });
  return sessionId;
}

Deno.test("after the demo dry-run every family has the value the summary says", async () => {
  await withLogDir(async (dir) => {
    const sessionId = await demoLogDir(dir);
    const res = await createApp({ logDir: dir }).request("/metrics");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const all = samples(await res.text());
    const summary = await getExecutionSummary(sessionId, { baseDir: dir });

    assert.equal(total(all, "peak_exec_events_total"), summary.event_count);
    for (const kind of ["intent", "gate", "order", "fill", "error"]) {
      assert.equal(
        total(all, "peak_exec_events_total", `kind="${kind}"`),
        summary.kind_counts[kind] ?? 0,
        kind,
      );
    }
    for (const [gate, blocks] of Object.entries(summary.gate_blocks)) {
      assert.equal(total(all, "peak_exec_gate_blocks_total", `gate="${gate}"`), blocks, gate);
      assert.equal(
        total(all, "peak_exec_gate_decisions_total", `gate="${gate}"`, 'result="block"'),
        blocks,
      );
    }
    assert.equal(
      total(all, "peak_exec_gate_decisions_total", 'result="block"'),
      Object.values(summary.gate_blocks).reduce((a, b) => a + b, 0),
    );
    assert.equal(
      total(all, "peak_exec_gate_decisions_total"),
      summary.kind_counts.gate,
      "one decision per gate event",
    );
    assert.equal(total(all, "peak_exec_fills_total"), summary.fills.count);
    assert.ok(near(total(all, "peak_exec_fill_notional_total"), summary.fills.notional));
    assert.ok(near(total(all, "peak_exec_fill_fees_total"), summary.fills.fees));
    assert.equal(total(all, "peak_exec_errors_total"), summary.kind_counts.error ?? 0);
    assert.equal(total(all, "peak_exec_invalid_lines_total"), summary.invalid_lines);
    assert.equal(all.get('peak_exec_sessions{state="active"}'), 1);
    assert.equal(all.get("peak_exec_log_bytes"), summary.size_bytes);
    // end_time has microseconds; Date.parse keeps the milliseconds.
    const endSeconds = Date.parse(summary.end_time!) / 1000 +
      Number(summary.end_time!.slice(23, 26)) / 1e6;
    assert.ok(near(all.get("peak_exec_last_event_timestamp_seconds")!, endSeconds));
  });
});

Deno.test("after the demo dry-run blocks by gate and code and fills by side match the events", async () => {
  await withLogDir(async (dir) => {
    const sessionId = await demoLogDir(dir);
    const all = samples(await (await createApp({ logDir: dir }).request("/metrics")).text());
    const blocks = new Map<string, number>();
    const sides = new Map<string, number>();
    for await (const e of readExecutionEvents(`${dir}/${sessionId}.jsonl`)) {
      const p = e.payload as Record<string, unknown>;
      if (e.kind === "gate" && p.passed === false) {
        const key = `gate="${p.gate_name}",code="${p.code}"`;
        blocks.set(key, (blocks.get(key) ?? 0) + 1);
      }
      if (e.kind === "fill") sides.set(String(p.side), (sides.get(String(p.side)) ?? 0) + 1);
    }
    assert.ok(blocks.size >= 4, "the demo blocks orders at several gates");
    for (const [labels, n] of blocks) {
      assert.equal(all.get(`peak_exec_gate_blocks_total{${labels}}`), n, labels);
    }
    assert.equal(
      total(all, "peak_exec_gate_blocks_total"),
      [...blocks.values()].reduce((a, b) => a + b),
    );
    for (const side of ["buy", "sell"]) {
      assert.equal(all.get(`peak_exec_fills_total{side="${side}"}`), sides.get(side) ?? 0, side);
    }
    for (const [series] of all) {
      assert.ok(!series.includes('"other"') || series.startsWith("peak_exec_errors_total"), series);
    }
  });
});

Deno.test("/metrics counts the events appended since the previous scrape", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    await appendEvents(dir, "s1", demoEvents("s1", 10));
    const before = samples(await (await app.request("/metrics")).text());
    await appendEvents(dir, "s1", demoEvents("s1", 5));
    const after = samples(await (await app.request("/metrics")).text());
    assert.equal(total(before, "peak_exec_events_total"), 10);
    assert.equal(total(after, "peak_exec_events_total"), 15);
  });
});

Deno.test("request durations are labelled by route pattern, never by the raw path", async () => {
  await withLogDir(async (dir) => {
    await appendEvents(dir, "secret-session-42", demoEvents("secret-session-42", 5));
    const app = createApp({ logDir: dir });
    await app.request("/api/live/execution/secret-session-42");
    await app.request("/api/live/execution/secret-session-42/summary");
    await app.request("/api/live/execution/bad%2Fid");
    await app.request("/no/such/page");
    const text = await (await app.request("/metrics")).text();
    assert.ok(!text.includes("secret-session-42"), "no session id in any label");
    const all = samples(text);
    const count = (route: string, status: string) =>
      all.get(
        `peak_exec_http_request_duration_seconds_count{route="${route}",method="GET",status_class="${status}"}`,
      );
    assert.equal(count("/api/live/execution/:session", "2xx"), 1);
    assert.equal(count("/api/live/execution/:session/summary", "2xx"), 1);
    assert.equal(count("/api/live/execution/:session", "4xx"), 1);
    assert.equal(count("unmatched", "4xx"), 1);
  });
});

Deno.test({
  name: "promtool check metrics accepts the live /metrics of a server over the demo session",
  ignore: skipPrometheusTests,
  async fn() {
    await withLogDir(async (dir) => {
      const sessionId = await demoLogDir(dir);
      const server = await startDashboardServer({ port: 0, hostname: "127.0.0.1", logDir: dir });
      try {
        const page = await fetch(new URL(`/live/execution/${sessionId}`, server.url));
        await page.body?.cancel();
        const res = await fetch(new URL("/metrics", server.url));
        assert.equal(res.status, 200);
        const text = await res.text();
        assert.match(text, /peak_exec_http_request_duration_seconds_bucket\{/);
        const { code, output } = await checkMetrics(text);
        assert.equal(code, 0, output);
        assert.equal(output.trim(), "", "no lint finding");
      } finally {
        await server.shutdown();
      }
    });
  },
});

Deno.test("with the dashboard token, /metrics needs it as a bearer (as Prometheus sends it)", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: "dash-token" });
    const refused = await app.request("/metrics");
    assert.equal(refused.status, 401);
    const wrong = await app.request("/metrics", { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    const ok = await app.request("/metrics", { headers: { authorization: "Bearer dash-token" } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /peak_exec_events_total/);
  });
});

Deno.test("a metrics token opens /metrics and nothing else; the dashboard token works there too", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, token: "dash-token", metricsToken: "prom-token" });
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    assert.equal((await app.request("/metrics", bearer("prom-token"))).status, 200);
    assert.equal((await app.request("/metrics", bearer("dash-token"))).status, 200);
    const refused = await app.request("/metrics");
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("www-authenticate"), 'Bearer realm="metrics"');
    assert.equal((await refused.json()).error, "unauthorized");
    assert.equal((await app.request("/metrics", bearer("nope"))).status, 401);
    const api = await app.request("/api/live/sessions", bearer("prom-token"));
    assert.equal(api.status, 401, "the metrics token does not read the logs");
  });
});

Deno.test("a metrics token without a dashboard token protects /metrics only", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir, metricsToken: "prom-token" });
    assert.equal((await app.request("http://127.0.0.1/metrics")).status, 401);
    const ok = await app.request("http://127.0.0.1/metrics", {
      headers: { authorization: "Bearer prom-token" },
    });
    assert.equal(ok.status, 200);
    assert.equal((await app.request("http://127.0.0.1/api/live/sessions")).status, 200);
  });
});

Deno.test("without any token /metrics is open on loopback, like every route", async () => {
  await withLogDir(async (dir) => {
    const app = createApp({ logDir: dir });
    assert.equal((await app.request("http://127.0.0.1:8000/metrics")).status, 200);
    const rebound = await app.request("http://evil.example/metrics");
    assert.equal(rebound.status, 403, "another Host is refused as for every route");
  });
});

Deno.test("an empty log root has no last-event sample (0 would read as stale since 1970)", async () => {
  await withLogDir(async (dir) => {
    const text = await (await createApp({ logDir: dir }).request("/metrics")).text();
    assert.match(text, /^# TYPE peak_exec_last_event_timestamp_seconds gauge$/m);
    assert.doesNotMatch(text, /^peak_exec_last_event_timestamp_seconds /m);
    assert.match(text, /^peak_exec_sessions\{state="active"\} 0$/m);
    assert.match(text, /^peak_exec_filesystem_avail_bytes \d+$/m);
  });
});
