import assert from "node:assert/strict";
import { Counter, Registry } from "prom-client";
import {
  buildExecutionPipeline,
  CompositeEmitter,
  ExecutionMetrics,
  JsonlExecutionLogger,
  METRICS_CONTENT_TYPE,
  parseExecutionConfig,
  serveMetrics,
  type WriterStats,
} from "../../mod.ts";
import { checkMetrics, skipPrometheusTests } from "../deploy/prometheus_tools.ts";

/** The value of the sample `name{labels}` (labels as written in the exposition), or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Run a paper fill and a live order (planned, no fill) through a logged, counted pipeline. */
async function tradedMetrics(dir: string): Promise<{ metrics: ExecutionMetrics; text: string }> {
  const logger = new JsonlExecutionLogger({ baseDir: dir, handleSignals: false });
  const metrics = new ExecutionMetrics({ writer: logger });
  const pipeline = buildExecutionPipeline(parseExecutionConfig(""), {
    emitter: new CompositeEmitter([logger, metrics.emitter]),
  });
  await pipeline.execute(0.5, 0.1, {
    mode: "paper",
    symbol: "BTC-USD",
    price: 100_000,
    sessionId: "p1",
  });
  await pipeline.execute(0.5, 0.1, {
    mode: "live",
    symbol: "BTC-USD",
    price: 100_000,
    sessionId: "p1",
  });
  await logger.close();
  return { metrics, text: await metrics.render() };
}

Deno.test("the library exposition counts the pipeline's events and the writer's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { text } = await tradedMetrics(dir);
    const lines = (await Deno.readTextFile(`${dir}/p1.jsonl`)).trim().split("\n");
    const written = lines.map((l) => JSON.parse(l) as { kind: string; mode: string });
    for (const mode of ["paper", "live"]) {
      for (const kind of ["intent", "gate", "order", "fill"]) {
        const n = written.filter((e) => e.kind === kind && e.mode === mode).length;
        assert.equal(sample(text, `peak_exec_events_total{kind="${kind}",mode="${mode}"}`), n);
      }
    }
    assert.equal(sample(text, 'peak_exec_fills_total{side="buy"}'), 1);
    assert.equal(sample(text, "peak_exec_writer_events_total"), lines.length);
    assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="other"}'), 0);
    assert.equal(sample(text, "peak_exec_writer_buffered_bytes"), 0);
    assert.ok((sample(text, "process_resident_memory_bytes") ?? 0) > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "promtool check metrics accepts the library exposition",
  ignore: skipPrometheusTests,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { text } = await tradedMetrics(dir);
      const { code, output } = await checkMetrics(text);
      assert.equal(code, 0, output);
      assert.equal(output.trim(), "", "no lint finding");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "promtool check metrics catches a non-counter named _total (the check can fail)",
  ignore: skipPrometheusTests,
  async fn() {
    const bad = "# HELP x_active_total Bad.\n# TYPE x_active_total gauge\nx_active_total 1\n";
    const { code, output } = await checkMetrics(bad);
    assert.notEqual(code, 0);
    assert.match(output, /non-counter metrics should not have "_total" suffix/);
  },
});

Deno.test("without a breakdown from the writer, drops are refused or other and errors are other", async () => {
  const stats: WriterStats = { written: 9, dropped: 3, errors: 2, refused: 1, bufferedBytes: 512 };
  const text = await new ExecutionMetrics({ writer: { stats }, processMetrics: false }).render();
  assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="refused"}'), 1);
  assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="other"}'), 3);
  assert.equal(sample(text, 'peak_exec_writer_errors_total{op="other"}'), 2);
  assert.equal(sample(text, "peak_exec_writer_buffered_bytes"), 512);
  assert.ok(
    !text.includes("peak_exec_writer_bytes_total"),
    "bytes only once the writer counts them",
  );
  for (const trigger of ["size", "daily", "manual"]) {
    assert.equal(sample(text, `peak_exec_writer_rotations_total{trigger="${trigger}"}`), 0);
  }
});

Deno.test("a writer's breakdowns replace the fallbacks, on bounded labels", async () => {
  const stats: WriterStats = {
    written: 9,
    dropped: 5,
    errors: 4,
    refused: 1,
    bufferedBytes: 0,
    writtenBytes: 4096,
    droppedByReason: { buffer_full: 3, refused: 1, made_up: 1 },
    errorsByOp: { write: 3, fsync: 1 },
    rotationsByTrigger: { size: 2, daily: 1 },
  };
  const text = await new ExecutionMetrics({ writer: { stats }, processMetrics: false }).render();
  assert.equal(sample(text, "peak_exec_writer_bytes_total"), 4096);
  assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="buffer_full"}'), 3);
  assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="other"}'), 1);
  assert.equal(sample(text, 'peak_exec_writer_dropped_events_total{reason="closed"}'), 0);
  assert.equal(sample(text, 'peak_exec_writer_errors_total{op="write"}'), 3);
  assert.equal(sample(text, 'peak_exec_writer_errors_total{op="open"}'), 0);
  assert.equal(sample(text, 'peak_exec_writer_rotations_total{trigger="size"}'), 2);
  assert.equal(sample(text, 'peak_exec_writer_rotations_total{trigger="manual"}'), 0);
});

Deno.test("the writer families read the stats at every render", async () => {
  let written = 1;
  const source = {
    get stats(): WriterStats {
      return { written, dropped: 0, errors: 0, refused: 0, bufferedBytes: 0 };
    },
  };
  const metrics = new ExecutionMetrics({ writer: source, processMetrics: false });
  assert.equal(sample(await metrics.render(), "peak_exec_writer_events_total"), 1);
  written = 5;
  assert.equal(sample(await metrics.render(), "peak_exec_writer_events_total"), 5);
});

Deno.test("known kinds, sides and error codes are exposed at 0 before any event", async () => {
  const text = await new ExecutionMetrics({ processMetrics: false }).render();
  assert.equal(sample(text, 'peak_exec_events_total{kind="fill",mode="live"}'), 0);
  assert.equal(sample(text, 'peak_exec_fills_total{side="sell"}'), 0);
  assert.equal(sample(text, 'peak_exec_errors_total{code="ADAPTER_FAILED"}'), 0);
  assert.equal(sample(text, "peak_exec_fill_notional_total"), 0);
  assert.ok(!text.includes("process_"), "process families off");
  assert.ok(!text.includes("peak_exec_writer_"), "no writer given");
});

Deno.test("the metrics can share the application's own registry", async () => {
  const registry = new Registry();
  new Counter({
    name: "app_orders_total",
    help: "The application's own counter.",
    registers: [registry],
  })
    .inc(3);
  const metrics = new ExecutionMetrics({ registry, processMetrics: false });
  assert.equal(metrics.registry, registry);
  const text = await metrics.render();
  assert.equal(sample(text, "app_orders_total"), 3);
  assert.ok(text.includes("# TYPE peak_exec_events_total counter"));
});

Deno.test("response() answers the exposition with its content type and no caching", async () => {
  const res = await new ExecutionMetrics({ processMetrics: false }).response();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), METRICS_CONTENT_TYPE);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match(await res.text(), /^# HELP peak_exec_events_total /);
});

Deno.test("serveMetrics answers /metrics, 404 elsewhere and 405 for other methods", async () => {
  const server = serveMetrics(new ExecutionMetrics({ processMetrics: false }), { port: 0 });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const ok = await fetch(`${base}/metrics`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /peak_exec_events_total/);
    const missing = await fetch(`${base}/other`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveMetrics with a token refuses requests without the bearer token", async () => {
  const server = serveMetrics(new ExecutionMetrics({ processMetrics: false }), {
    port: 0,
    token: "s3cret",
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/metrics`;
    for (const authorization of [undefined, "Bearer wrong", "Bearer s3cre", "Basic s3cret"]) {
      const res = await fetch(url, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      await res.body?.cancel();
    }
    const res = await fetch(url, { headers: { authorization: "Bearer s3cret" } });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

Deno.test("without permissions the library renders its metrics and asks for none", async () => {
  // --no-prompt turns any permission request into an error, so a clean run shows none was made.
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/render.ts`;
    await Deno.writeTextFile(
      script,
      `import { ExecutionMetrics } from ${
        JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
      };\n` +
        `console.log(await new ExecutionMetrics().render());\n`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(text, /^process_cpu_seconds_total [\d.e+-]+$/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.ok(!text.includes("process_open_fds"), "/proc needs --allow-all or --allow-run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
