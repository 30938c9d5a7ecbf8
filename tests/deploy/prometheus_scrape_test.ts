// A real Prometheus (Debian's) scrapes a dashboard server over the demo session, with the
// metrics token as its bearer credential and the alert rules loaded, and its query API returns
// the summary's numbers.
import assert from "node:assert/strict";
import { runDemoScenario } from "../../cli/dry_run.ts";
import { memoryIo } from "../../cli/io.ts";
import { startDashboardServer } from "../../cli/serve.ts";
import { getExecutionSummary } from "../../mod.ts";
import { PROMETHEUS, ROOT, skipPrometheusTests } from "./prometheus_tools.ts";

/** How long Prometheus may take to start and scrape on a busy machine. */
const DEADLINE_MS = 90_000;

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** A free loopback port: bound, read, released (Prometheus cannot report a port 0 choice). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A running Prometheus, with its log kept for failure messages. */
class PrometheusProcess {
  readonly base: string;
  readonly #child: Deno.ChildProcess;
  readonly #log: Promise<string>;

  constructor(dir: string, port: number) {
    this.base = `http://127.0.0.1:${port}`;
    this.#child = new Deno.Command(PROMETHEUS, {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#log = new Response(this.#child.stderr).text();
  }

  /** Resolves with the exit status once the process has ended. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Stop it (SIGTERM, then SIGKILL if it lingers) and return what it logged. */
  async stop(): Promise<string> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }, 10_000);
    try {
      await this.#child.status;
    } finally {
      clearTimeout(timer);
    }
    return await this.#log;
  }

  /** GET a path of its API as JSON, or `null` while it does not answer. */
  async get(path: string): Promise<unknown> {
    try {
      const res = await fetch(this.base + path);
      if (!res.ok) {
        await res.body?.cancel();
        return null;
      }
      return await res.json();
    } catch {
      return null;
    }
  }

  /** An instant query's result vector. */
  async query(promql: string): Promise<QueryResult[]> {
    const body = await this.get(`/api/v1/query?query=${encodeURIComponent(promql)}`) as
      | { status: string; data: { result: QueryResult[] } }
      | null;
    return body?.status === "success" ? body.data.result : [];
  }
}

/** Poll `probe` until it returns a value, failing with `what` (and the process log) at the deadline. */
async function until<T>(
  prometheus: PrometheusProcess,
  what: string,
  deadline: number,
  probe: () => Promise<T | null>,
): Promise<T> {
  let exited = false;
  prometheus.status.then(() => exited = true);
  while (true) {
    const value = await probe();
    if (value !== null) return value;
    if (exited) throw new Error(`prometheus exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

Deno.test({
  name: "a real Prometheus scrapes /metrics and its query returns the summary's counts",
  ignore: skipPrometheusTests,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "prometheus-scrape-" });
    const logDir = `${dir}/logs`;
    const { sessionId } = await runDemoScenario({ logDir, io: memoryIo(), quiet: true });
    const summary = await getExecutionSummary(sessionId, { baseDir: logDir });
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir,
      token: "dashboard-token-0123456789",
      metricsToken: "prometheus-token-0123456789",
    });
    await Deno.writeTextFile(`${dir}/token`, "prometheus-token-0123456789\n");
    await Deno.copyFile(
      new URL("deploy/prometheus/rules/peak_exec_alerts.yml", ROOT).pathname,
      `${dir}/alerts.yml`,
    );
    await Deno.writeTextFile(
      `${dir}/prometheus.yml`,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - alerts.yml",
        "scrape_configs:",
        "  - job_name: peak-exec-dashboard",
        "    authorization:",
        `      credentials_file: ${dir}/token`,
        "    static_configs:",
        `      - targets: ["127.0.0.1:${server.port}"]`,
        "",
      ].join("\n"),
    );
    const prometheus = new PrometheusProcess(dir, freePort());
    let log = "";
    try {
      const deadline = Date.now() + DEADLINE_MS;
      await until(prometheus, "/-/ready", deadline, async () => {
        try {
          const res = await fetch(`${prometheus.base}/-/ready`);
          await res.body?.cancel();
          return res.ok ? true : null;
        } catch {
          return null;
        }
      });
      const byKind = await until(prometheus, "a scrape with the events", deadline, async () => {
        const result = await prometheus.query(
          'sum by (kind) (peak_exec_events_total{job="peak-exec-dashboard"})',
        );
        return result.some((r) => Number(r.value[1]) > 0) ? result : null;
      });
      const scraped = Object.fromEntries(
        byKind.filter((r) => Number(r.value[1]) > 0).map((
          r,
        ) => [r.metric.kind, Number(r.value[1])]),
      );
      assert.deepEqual(scraped, summary.kind_counts);

      const blocks = await prometheus.query("sum by (gate) (peak_exec_gate_blocks_total)");
      assert.deepEqual(
        Object.fromEntries(blocks.map((r) => [r.metric.gate, Number(r.value[1])])),
        summary.gate_blocks,
      );
      const [fills] = await prometheus.query("sum(peak_exec_fills_total)");
      assert.equal(Number(fills.value[1]), summary.fills.count);

      const up = await prometheus.query('up{job="peak-exec-dashboard"}');
      assert.equal(up[0]?.value[1], "1", "the target is up (the bearer token was accepted)");
      const rules = await prometheus.get("/api/v1/rules?type=alert") as {
        data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
      };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      assert.equal(loaded.length, 6);
      for (const rule of loaded) assert.notEqual(rule.health, "err", rule.name);
    } catch (err) {
      log = await prometheus.stop();
      throw new Error(`${err instanceof Error ? err.message : err}\nprometheus log:\n${log}`);
    } finally {
      await prometheus.stop();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
