import assert from "node:assert/strict";
import { ExecutionMetrics, JsonlExecutionLogger } from "../../mod.ts";
import { DashboardMetrics } from "../../web/dashboard_metrics.ts";
import { promtool, ROOT, skipPrometheusTests } from "./prometheus_tools.ts";

interface Target {
  expr: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  id: unknown;
  uid?: unknown;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}

const PATH = new URL("deploy/grafana/peak_exec_dashboard.json", ROOT).pathname;
const text = await Deno.readTextFile(PATH);
const dashboard = JSON.parse(text) as Dashboard;
/** Top-level panels and the panels of collapsed rows. */
const panels: Panel[] = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = panels.filter((p) => p.type !== "row");
const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Every value stored under the key `key`, anywhere in `value`. */
function valuesOfKey(value: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) { for (const v of value) valuesOfKey(v, key, out); }
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      valuesOfKey(v, key, out);
    }
  }
  return out;
}

Deno.test("the Grafana dashboard has a datasource variable and no hard-coded UID", () => {
  const variable = dashboard.templating.list.find((v) => v.name === "datasource");
  assert.ok(variable !== undefined, "a variable named datasource");
  assert.equal(variable.type, "datasource");
  assert.equal(variable.query, "prometheus");
  assert.equal(dashboard.id, null, "import creates the id");
  assert.equal(dashboard.uid, undefined, "import creates the uid");
  const uids = valuesOfKey(dashboard, "uid");
  assert.ok(uids.length > 0);
  for (const uid of uids) assert.equal(uid, "${datasource}");
  assert.ok(!text.includes("${DS_"), "no __inputs placeholder to map on import");
});

Deno.test("every panel and query of the Grafana dashboard uses the datasource variable", () => {
  assert.ok(queryPanels.length >= 10);
  for (const panel of queryPanels) {
    assert.deepEqual(panel.datasource, { type: "prometheus", uid: "${datasource}" }, panel.title);
    assert.ok((panel.targets ?? []).length > 0, `${panel.title}: no query`);
    const refIds = new Set<string>();
    for (const target of panel.targets!) {
      assert.deepEqual(target.datasource, { type: "prometheus", uid: "${datasource}" });
      assert.ok(!refIds.has(target.refId), `${panel.title}: duplicate refId ${target.refId}`);
      refIds.add(target.refId);
      assert.match(target.expr, /job=~"\$job",instance=~"\$instance"/, panel.title);
    }
  }
});

Deno.test("the Grafana dashboard's panels have unique ids and do not overlap", () => {
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const cells = new Set<string>();
  for (const { title, gridPos: g } of panels) {
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${title}: within 24 columns`);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    }
  }
});

Deno.test("the Grafana dashboard shows what the issue asks for", () => {
  const uses = (pattern: RegExp) => exprs.some((e) => pattern.test(e));
  const checks: Array<[string, RegExp]> = [
    ["events by kind", /sum by \(kind\) \(rate\(peak_exec_events_total/],
    [
      "rejection ratio by gate",
      /sum by \(gate\)[\s\S]*result="block"[\s\S]*\/[\s\S]*sum by \(gate\)/,
    ],
    ["fills", /peak_exec_fills_total/],
    ["notional", /peak_exec_fill_notional_total/],
    ["fees", /peak_exec_fill_fees_total/],
    ["errors", /peak_exec_errors_total/],
    ["writer drops", /peak_exec_writer_dropped_events_total/],
    ["latency p50", /histogram_quantile\(0\.5, .*peak_exec_http_request_duration_seconds_bucket/],
    ["latency p99", /histogram_quantile\(0\.99, .*peak_exec_http_request_duration_seconds_bucket/],
    ["SSE clients", /peak_exec_sse_clients/],
    ["disk", /peak_exec_filesystem_avail_bytes/],
  ];
  for (const [what, pattern] of checks) assert.ok(uses(pattern), what);
});

Deno.test("every family the Grafana dashboard queries is exposed by the server or the library", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logger = new JsonlExecutionLogger({ baseDir: dir, handleSignals: false });
    const exposed = (await new DashboardMetrics({ logDir: dir }).render()) +
      (await new ExecutionMetrics({ writer: logger }).render());
    await logger.close();
    const families = new Set([...exposed.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const expr of exprs) {
      for (const [name] of expr.matchAll(/\b(?:peak_exec|process)_[a-z_]+/g)) {
        const family = name.replace(/_(bucket|sum|count)$/, "");
        assert.ok(families.has(family) || families.has(name), `${name} is not exposed`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "every query of the Grafana dashboard is valid PromQL (promtool)",
  ignore: skipPrometheusTests,
  async fn() {
    // Grafana's variables replaced by what they stand for, each query as a recording rule.
    const rules = exprs.map((expr, i) =>
      `      - record: grafana_panel_query_${i}\n        expr: ${
        JSON.stringify(
          expr.replaceAll("$__rate_interval", "5m").replaceAll("$job", ".*").replaceAll(
            "$instance",
            ".*",
          ),
        )
      }`
    );
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/queries.yml`;
      await Deno.writeTextFile(
        file,
        `groups:\n  - name: grafana\n    rules:\n${rules.join("\n")}\n`,
      );
      const { code, output } = await promtool(["check", "rules", file]);
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
