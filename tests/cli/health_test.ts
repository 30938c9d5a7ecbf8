import assert from "node:assert/strict";
import { runHealthCommand } from "../../cli/health.ts";
import { memoryIo } from "../../cli/io.ts";
import { decisions, withRoot, writeSession } from "../ops/helpers.ts";

const unknownSpace = () => Promise.resolve({ space: null, problem: "not measured in tests" });

async function health(args: string[]) {
  const io = memoryIo();
  const code = await runHealthCommand(args, io, { measureFree: unknownSpace });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

Deno.test("health --help lists the flags and exits 0", async () => {
  const { code, stdout } = await health(["--help"]);
  assert.equal(code, 0);
  for (const flag of ["--log-dir", "--config", "--json", "--snapshot", "Exit codes"]) {
    assert.ok(stdout.includes(flag), flag);
  }
});

Deno.test("exit codes: 0 ok, 2 warn, 3 critical", async () => {
  await withRoot(async (root) => {
    assert.equal((await health(["--log-dir", root])).code, 0);
    await writeSession(root, "spike", decisions("spike", Date.now(), 50, 10));
    const warn = await health(["--log-dir", root]);
    assert.equal(warn.code, 2);
    assert.match(warn.stdout, /^Telemetry health: WARN \(exit 2\)/);
    assert.match(warn.stdout, /WARN\s+rejection_rate\s+10 of 50 intents blocked/);
    await writeSession(root, "spike", decisions("spike", Date.now(), 50, 50));
    assert.equal((await health(["--log-dir", root])).code, 3);
  });
});

Deno.test("--json prints the original's report shape plus unit and details", async () => {
  await withRoot(async (root) => {
    const { code, stdout } = await health(["--log-dir", root, "--json"]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(Object.keys(report), ["timestamp", "status", "exit_code", "checks"]);
    assert.deepEqual(report.checks.map((c: { name: string }) => c.name), [
      "disk_usage",
      "retention_staleness",
      "compression_failures",
      "parse_error_rate",
      "free_space",
      "rejection_rate",
      "execution_errors",
      "telemetry_dropped",
      "stale_sessions",
    ]);
    assert.deepEqual(Object.keys(report.checks[0]), [
      "name",
      "status",
      "message",
      "value",
      "threshold_warn",
      "threshold_critical",
      "unit",
      "details",
    ]);
    assert.doesNotMatch(stdout, new RegExp(root.replaceAll("/", "\\/")), "no path in the JSON");
  });
});

Deno.test("thresholds come from the config's [execution.telemetry.health]", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "s", decisions("s", Date.now(), 10, 1));
    const config = `${root}/ops.toml`;
    await Deno.writeTextFile(
      config,
      "[execution.telemetry.health]\nrejection_min_intents = 5\nrejection_warn_pct = 10\nrejection_critical_pct = 10\n",
    );
    assert.equal((await health(["--log-dir", root])).code, 0, "too few intents by default");
    assert.equal((await health(["--log-dir", root, "--config", config])).code, 3);
  });
});

Deno.test("--snapshot appends a snapshot line; with --json stdout is the report only", async () => {
  await withRoot(async (root) => {
    const text = await health(["--log-dir", root, "--snapshot"]);
    assert.match(text.stdout, /Snapshot appended to .*\.health\/snapshots\.jsonl/);
    const json = await health(["--log-dir", root, "--snapshot", "--json"]);
    JSON.parse(json.stdout);
    const lines = (await Deno.readTextFile(`${root}/.health/snapshots.jsonl`)).trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0]).schema_version, 1);
  });
});

Deno.test("a refused log root or a bad config exits 2 and says what to fix", async () => {
  await withRoot(async (root) => {
    await Deno.writeTextFile(`${root}/file`, "");
    const cases: Array<[string[], RegExp]> = [
      [["--log-dir", "/"], /\/ is the root of the file system, not a log root/],
      [["--log-dir", "/etc"], /system directory/],
      [["--log-dir", `${root}/file`], /is not a directory/],
      [["--log-dir", `${root}/missing`, "--snapshot"], /does not exist/],
      [["--log-dir", root, "--root", root], /give the log root once/],
      [["--bogus"], /Unknown option '--bogus'/],
      [["--config", `${root}/none.toml`], /config file not found/],
    ];
    for (const [args, message] of cases) {
      const result = await health(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, message, args.join(" "));
    }
    await Deno.writeTextFile(`${root}/bad.toml`, "[execution.telemetry.health]\nwindow = 5\n");
    const bad = await health(["--log-dir", root, "--config", `${root}/bad.toml`]);
    assert.match(
      bad.stderr,
      /bad\.toml:2:10: execution\.telemetry\.health\.window: expected a duration string/,
    );
  });
});

Deno.test("a log root that does not exist yet is healthy and empty (nothing is created)", async () => {
  await withRoot(async (root) => {
    const { code } = await health(["--log-dir", `${root}/not-yet`]);
    assert.equal(code, 0);
    await assert.rejects(() => Deno.stat(`${root}/not-yet`), Deno.errors.NotFound);
  });
});
