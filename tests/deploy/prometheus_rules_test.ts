import assert from "node:assert/strict";
import { promtool, ROOT, skipPrometheusTests } from "./prometheus_tools.ts";

const DIR = new URL("deploy/prometheus/", ROOT).pathname;
const RULES = `${DIR}rules/peak_exec_alerts.yml`;
const RULE_TESTS = `${DIR}tests/peak_exec_alerts_test.yml`;
const OPERATIONS = new URL("docs/operations.md", ROOT).pathname;

/** The alert names of the rules file, in order. */
function alertNames(rules: string): string[] {
  return [...rules.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
}

/** The GitHub-style anchor of each Markdown heading. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1].trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")
    ),
  );
}

Deno.test({
  name: "promtool check rules accepts the alert rules",
  ignore: skipPrometheusTests,
  async fn() {
    const { code, output } = await promtool(["check", "rules", RULES]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 6 rules found/);
  },
});

Deno.test({
  name: "promtool test rules passes every firing and not-firing case",
  ignore: skipPrometheusTests,
  async fn() {
    const { code, output } = await promtool(["test", "rules", RULE_TESTS], undefined, DIR);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  },
});

Deno.test({
  name: "promtool test rules fails when an expected alert does not fire",
  ignore: skipPrometheusTests,
  async fn() {
    // The same tests against a rule file whose rejection threshold nothing reaches.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/rules`);
      await Deno.mkdir(`${dir}/tests`);
      const rules = await Deno.readTextFile(RULES);
      await Deno.writeTextFile(
        `${dir}/rules/peak_exec_alerts.yml`,
        rules.replace(") > 0.5", ") > 0.99"),
      );
      await Deno.copyFile(RULE_TESTS, `${dir}/tests/peak_exec_alerts_test.yml`);
      const { code, output } = await promtool(
        ["test", "rules", "tests/peak_exec_alerts_test.yml"],
        undefined,
        dir,
      );
      assert.notEqual(code, 0);
      assert.match(output, /alertname: PeakExecGateRejectionHigh/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("every alert rule has a unit test where it fires and one where it does not", async () => {
  const names = alertNames(await Deno.readTextFile(RULES));
  assert.equal(names.length, 6);
  const tests = await Deno.readTextFile(RULE_TESTS);
  // Each case is "alertname: X" followed by its "exp_alerts:" line ("[]" = must not fire).
  const cases = [...tests.matchAll(/alertname: (\S+)\n\s*exp_alerts:(.*)$/gm)].map((m) => ({
    alert: m[1],
    fires: m[2].trim() !== "[]",
  }));
  for (const name of names) {
    assert.ok(cases.some((c) => c.alert === name && c.fires), `${name}: no firing case`);
    assert.ok(cases.some((c) => c.alert === name && !c.fires), `${name}: no not-firing case`);
  }
});

Deno.test("every alert rule has a summary, a description and a runbook in docs/operations.md", async () => {
  const rules = await Deno.readTextFile(RULES);
  const anchors = headingAnchors(await Deno.readTextFile(OPERATIONS));
  // One block per rule: from its "- alert:" line to the next.
  const blocks = rules.split(/^\s*- alert: /m).slice(1);
  assert.equal(blocks.length, 6);
  for (const block of blocks) {
    const name = block.slice(0, block.indexOf("\n"));
    assert.match(block, /^\s+summary: \S/m, `${name}: summary`);
    assert.match(block, /^\s+description: \S/m, `${name}: description`);
    assert.match(block, /^\s+severity: (warning|critical)$/m, `${name}: severity`);
    const runbook = block.match(/^\s+runbook_url: docs\/operations\.md#(\S+)$/m);
    assert.ok(runbook !== null, `${name}: runbook_url into docs/operations.md`);
    assert.equal(runbook[1], name.toLowerCase(), `${name}: the runbook anchor is the alert name`);
    assert.ok(anchors.has(runbook[1]), `${name}: docs/operations.md has no heading #${runbook[1]}`);
  }
});

Deno.test({
  name: "promtool check config accepts the example scrape configuration",
  ignore: skipPrometheusTests,
  async fn() {
    // promtool checks that the token file exists: point it at a temporary one.
    const dir = await Deno.makeTempDir();
    try {
      const config = await Deno.readTextFile(`${DIR}prometheus.yml`);
      const tokenFile = `${dir}/token`;
      await Deno.writeTextFile(tokenFile, "s3cret\n");
      const local = config.replace("/etc/prometheus/secrets/peak_exec_metrics_token", tokenFile);
      assert.notEqual(local, config, "the example names a credentials_file");
      await Deno.writeTextFile(`${dir}/prometheus.yml`, local);
      await Deno.mkdir(`${dir}/rules`);
      await Deno.copyFile(RULES, `${dir}/rules/peak_exec_alerts.yml`);
      const { code, output } = await promtool(["check", "config", `${dir}/prometheus.yml`]);
      assert.equal(code, 0, output);
      assert.match(output, /SUCCESS: 6 rules found/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
