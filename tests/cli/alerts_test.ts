// `alerts`: the rejection spike of the dry-run demo fires rejection_rate_high exactly once across
// two runs and a restart, resolves once; acks hold back a warning but not a critical alert; the
// other subcommands and their exit codes.
import assert from "node:assert/strict";
import { runAlertsCommand } from "../../cli/alerts.ts";
import { runDemoScenario } from "../../cli/dry_run.ts";
import { memoryIo } from "../../cli/io.ts";
import { decisions, errorEvent, MINUTE, withRoot, writeSession } from "../ops/helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

interface Line {
  rule: string;
  severity: string;
  state: string;
  dedupe_key: string;
  repeat: boolean;
}

async function run(args: string[], now?: number) {
  const io = memoryIo();
  const code = await runAlertsCommand(args, io, {
    now: now === undefined ? undefined : () => now,
    measureFree: () => Promise.resolve({ space: null, problem: "not measured in tests" }),
  });
  const lines = io.stdout().split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as Line
  );
  return { code, lines, stdout: io.stdout(), stderr: io.stderr() };
}

/** `main.ts alerts …` in a fresh process: nothing of an earlier run is left in memory. */
async function runInNewProcess(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CONFIG, MAIN, "alerts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    lines: stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Line),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** The demo scenario four times into one session: 52 intents, 24 of them blocked (46 %). */
async function demoSpike(root: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await runDemoScenario({ logDir: root, sessionId: "spike", io: memoryIo(), quiet: true });
  }
}

Deno.test("the demo's rejection spike fires rejection_rate_high once across two runs and a restart, and resolves once", async () => {
  await withRoot(async (root) => {
    await demoSpike(root);
    const first = await run(["run", "--log-dir", root, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      first.lines.map((l) => [l.rule, l.severity, l.state, l.dedupe_key]),
      [["rejection_rate_high", "warn", "firing", "rejection_rate_high"]],
    );
    assert.deepEqual((await run(["run", "--log-dir", root, "--json"])).lines, []);
    const restarted = await runInNewProcess(["run", "--log-dir", root, "--json"]);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.deepEqual(restarted.lines, [], "a new process does not notify what was notified");

    // The rate falls: many passing decisions in the same window.
    await writeSession(root, "spike", decisions("spike", Date.now(), 200, 0));
    const resolved = await run(["run", "--log-dir", root, "--json"]);
    assert.deepEqual(resolved.lines.map((l) => [l.rule, l.state]), [[
      "rejection_rate_high",
      "resolved",
    ]]);
    assert.deepEqual((await run(["run", "--log-dir", root, "--json"])).lines, []);
    assert.deepEqual((await runInNewProcess(["run", "--log-dir", root, "--json"])).lines, []);

    const history = await run(["history", "--log-dir", root, "--json"]);
    const records = history.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.state), ["resolved", "firing"], "newest first");
  });
});

Deno.test("an ack holds back a warning but not a critical alert", async () => {
  await withRoot(async (root) => {
    const config = `${root}/ops.toml`;
    // `for` keeps both pending on the first run, so they can be acked before they notify. The
    // second run is 10 minutes later, when the sessions look stale: that rule is off here.
    await Deno.writeTextFile(
      config,
      '[execution.alerts.rules.rejection_rate_high]\nfor = "10m"\n' +
        '[execution.alerts.rules.execution_errors]\nfor = "10m"\n' +
        "[execution.alerts.rules.session_stale]\nenabled = false\n",
    );
    await demoSpike(root);
    await writeSession(root, "broken", errorEvent("broken", Date.now()));
    const now = Date.now();
    const first = await run(["run", "--log-dir", root, "--config", config, "--json"], now);
    assert.deepEqual(first.lines, [], "both pending");
    for (const key of ["rejection_rate_high", "execution_errors"]) {
      const ack = await run(["ack", key, "--log-dir", root, "--config", config], now);
      assert.equal(ack.code, 0, ack.stderr);
    }
    const later = await run(
      ["run", "--log-dir", root, "--config", config, "--json"],
      now + 10 * MINUTE,
    );
    assert.deepEqual(later.lines.map((l) => [l.rule, l.severity]), [[
      "execution_errors",
      "critical",
    ]]);
    assert.equal(later.code, 2, "a critical alert fired");
    const stats = JSON.parse(
      (await run(["stats", "--log-dir", root, "--json"], now + 10 * MINUTE)).stdout,
    );
    assert.deepEqual(stats.by_status, { sent: 1, skipped: 1 });
    assert.deepEqual(
      stats.firing.map((a: { rule: string; suppressed: string | null }) => [a.rule, a.suppressed]),
      [["execution_errors", null], ["rejection_rate_high", "acked"]],
    );
  });
});

Deno.test("run --dry-run shows what would be sent and changes nothing", async () => {
  await withRoot(async (root) => {
    await demoSpike(root);
    const dry = await run(["run", "--log-dir", root, "--dry-run"]);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /Would send to console, store:/);
    assert.match(dry.stdout, /\[WARN\] Gate rejection rate/);
    await assert.rejects(() => Deno.stat(`${root}/.alerts`), Deno.errors.NotFound);
    assert.equal((await run(["run", "--log-dir", root, "--json"])).lines.length, 1, "still new");
  });
});

Deno.test("run exits 1 when the webhook sink is misconfigured", async () => {
  await withRoot(async (root) => {
    const config = `${root}/ops.toml`;
    await Deno.writeTextFile(config, "[execution.alerts.webhook]\nenabled = true\n");
    const result = await run(["run", "--log-dir", root, "--config", config]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\[execution\.alerts\.webhook\] is enabled but has no url/);
    const asked = await run(["run", "--log-dir", root, "--sink", "webhook"]);
    assert.equal(asked.code, 1);
    assert.match(asked.stderr, /webhook sink was asked for/);
  });
});

Deno.test("ack, snooze and unsnooze say what they did; bad input exits 2 naming the problem", async () => {
  await withRoot(async (root) => {
    await demoSpike(root);
    await run(["run", "--log-dir", root]);
    const ack = await run(["ack", "rejection_rate_high", "--ttl", "2h", "--log-dir", root]);
    assert.equal(ack.code, 0);
    assert.match(ack.stdout, /Acknowledged rejection_rate_high until \d{4}-/);
    const cases: Array<[string[], RegExp]> = [
      [
        ["ack", "session_stale", "--log-dir", root],
        /no alert with key "session_stale" is firing or pending/,
      ],
      [["ack", "--log-dir", root], /missing KEY/],
      [
        ["ack", "rejection_rate_high", "--ttl", "2 hours", "--log-dir", root],
        /--ttl: expected a duration/,
      ],
      [["snooze", "session_stale", "--log-dir", root], /needs --ttl/],
      [["snooze", "nope", "--ttl", "1h", "--log-dir", root], /unknown rule "nope"/],
      [["history", "--severity", "page", "--log-dir", root], /--severity must be one of/],
      [["history", "--since", "yesterday", "--log-dir", root], /--since: cannot read/],
      [["frobnicate"], /unknown subcommand "frobnicate"/],
      [["run", "--log-dir", "/etc"], /system directory/],
      [["ack", "x", "--log-dir", `${root}/missing`], /does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, message, args.join(" "));
    }
    const snooze = await run(["snooze", "session_stale", "--ttl", "30m", "--log-dir", root]);
    assert.match(snooze.stdout, /Snoozed session_stale until/);
    assert.match((await run(["unsnooze", "session_stale", "--log-dir", root])).stdout, /lifted/);
    assert.match(
      (await run(["unsnooze", "session_stale", "--log-dir", root])).stdout,
      /was not snoozed/,
    );
  });
});

Deno.test("a config error exits 2 with the file, line and column", async () => {
  await withRoot(async (root) => {
    const config = `${root}/bad.toml`;
    await Deno.writeTextFile(config, '[execution.alerts]\nrepeat_interval = "often"\n');
    const result = await run(["run", "--log-dir", root, "--config", config]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /bad\.toml:2:19: execution\.alerts\.repeat_interval: expected a duration/,
    );
  });
});

Deno.test("corrupt lines in the state are skipped, counted and reported; the run goes on", async () => {
  await withRoot(async (root) => {
    await demoSpike(root);
    await run(["run", "--log-dir", root]);
    await Deno.writeTextFile(`${root}/.alerts/state.jsonl`, "garbage\n", { append: true });
    await Deno.writeTextFile(`${root}/.alerts/history.jsonl`, "{oops\n", { append: true });
    const again = await run(["run", "--log-dir", root, "--json"]);
    assert.equal(again.code, 0);
    assert.deepEqual(again.lines, [], "the notified alert's line survived: no second notification");
    assert.match(again.stderr, /skipped 1 corrupt line\(s\) in \.alerts\/state\.jsonl/);
    const history = await run(["history", "--log-dir", root]);
    assert.match(history.stderr, /skipped 1 corrupt line\(s\) in \.alerts\/history\.jsonl/);
    assert.match(history.stdout, /rejection_rate_high/);
  });
});
