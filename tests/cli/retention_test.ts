import assert from "node:assert/strict";
import { join } from "node:path";
import { runRetentionCommand } from "../../cli/retention.ts";
import { memoryIo } from "../../cli/io.ts";
import { main } from "../../main.ts";
import { DAY, exists, hashTree, withRoot, writeSession } from "../ops/retention/helpers.ts";

/** An io whose home is nowhere near the test directories. */
function io() {
  return memoryIo({ env: { HOME: "/nonexistent-home" } });
}

Deno.test("retention --help lists every option and exits 0; main knows the command", async () => {
  const out = io();
  assert.equal(await runRetentionCommand(["--help"], out), 0);
  for (
    const flag of [
      "--log-dir",
      "--root",
      "--apply",
      "--max-age-days",
      "--keep-last-n",
      "--max-total-mb",
      "--compress-after-days",
      "--protect-keep-last",
      "--active-grace-minutes",
      "--disabled",
      "--config",
      "--json",
    ]
  ) {
    assert.ok(out.stdout().includes(flag), flag);
  }
  const viaMain = io();
  assert.equal(await main(["retention", "--help"], viaMain), 0);
  assert.match(viaMain.stdout(), /^Usage: peak-trade retention/);
  const usage = io();
  await main(["--help"], usage);
  assert.match(usage.stdout(), /retention +delete and compress old session logs/);
});

Deno.test("retention exits 2 on bad input, naming the flag and what is wrong", async () => {
  await withRoot(async (root) => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--max-age-days", "soon"], /--max-age-days: expected a number, got "soon"/],
      [["--keep-last-n", "-1"], /--keep-last-n: expected a number ≥ 0, got -1/],
      [["--keep-last-n", "1.5"], /--keep-last-n: expected a whole number, got 1\.5/],
      [["--active-grace-minutes", "0"], /--active-grace-minutes: expected a number ≥ 1, got 0/],
      [["--max-total-mb", "1e3"], /--max-total-mb: expected a number, got "1e3"/],
      [["--log-dir", root, "--root", "/elsewhere"], /--log-dir and --root name the same option/],
      [["--config", join(root, "missing.toml")], /config file not found/],
    ];
    for (const [args, message] of cases) {
      const out = io();
      assert.equal(await runRetentionCommand(["--log-dir", root, ...args], out), 2, args.join(" "));
      assert.match(out.stderr(), message, args.join(" "));
    }
  });
});

Deno.test("retention exits 2 on an unsafe root and touches nothing", async () => {
  for (const root of ["/", "/etc", "/usr/lib", "/home"]) {
    const out = io();
    assert.equal(await runRetentionCommand(["--log-dir", root, "--apply"], out), 2, root);
    assert.match(out.stderr(), /refusing to run retention on/, root);
  }
  await withRoot(async (dir) => {
    const out = memoryIo({ env: { HOME: dir } });
    assert.equal(await runRetentionCommand(["--root", dir], out), 2);
    assert.match(out.stderr(), /is the home directory/);
  });
});

Deno.test("retention on a root that does not exist is no logs: exit 0", async () => {
  await withRoot(async (root) => {
    const out = io();
    assert.equal(await runRetentionCommand(["--log-dir", join(root, "none"), "--apply"], out), 0);
    assert.match(out.stdout(), /does not exist: no logs/);
    assert.ok(!(await exists(join(root, "none"))), "the root is not created");
  });
});

Deno.test("--disabled does nothing, also with --apply", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "old", 5, Date.now() - 100 * DAY);
    const before = await hashTree(root);
    const out = io();
    assert.equal(await runRetentionCommand(["--log-dir", root, "--disabled", "--apply"], out), 0);
    assert.match(out.stdout(), /disabled/);
    assert.equal(await hashTree(root), before);
  });
});

Deno.test("--config reads [execution.telemetry.retention] and base_path; flags override the file", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "ten-days", 5, Date.now() - 10 * DAY);
    const config = join(root, "..", "execution.toml");
    await Deno.writeTextFile(
      config,
      `[execution.telemetry]\nbase_path = ${JSON.stringify(root)}\n\n` +
        "[execution.telemetry.retention]\nmax_age_days = 5\nkeep_last_n_sessions = 0\n",
    );
    const fromFile = io();
    assert.equal(await runRetentionCommand(["--config", config, "--json"], fromFile), 0);
    const plan = JSON.parse(fromFile.stdout());
    assert.equal(plan.policy.max_age_days, 5);
    assert.equal(plan.root_real_path, await Deno.realPath(root));
    assert.deepEqual(plan.actions.map((a: { kind: string }) => a.kind), ["delete-session"]);
    const overridden = io();
    assert.equal(
      await runRetentionCommand(["--config", config, "--max-age-days", "30", "--json"], overridden),
      0,
    );
    const kept = JSON.parse(overridden.stdout());
    assert.equal(kept.policy.max_age_days, 30);
    assert.equal(kept.policy.keep_last_n_sessions, 0);
    assert.equal(kept.actions[0].kind, "compress-session");
  });
});

Deno.test("a bad retention table is exit 2 with file, line and column", async () => {
  await withRoot(async (root) => {
    const config = join(root, "..", "bad.toml");
    await Deno.writeTextFile(
      config,
      "[execution.telemetry.retention]\nmax_age_days = -3\nkeep_last_n = 10\n",
    );
    const out = io();
    assert.equal(await runRetentionCommand(["--config", config, "--log-dir", root], out), 2);
    assert.match(
      out.stderr(),
      /bad\.toml:2:16: execution\.telemetry\.retention\.max_age_days: expected a number ≥ 0, got -3/,
    );
    assert.match(
      out.stderr(),
      /bad\.toml:3:1: execution\.telemetry\.retention\.keep_last_n: unknown key \(allowed here: enabled, max_age_days, keep_last_n_sessions/,
    );
  });
});

Deno.test("a problem while looking at the root is exit 3, also in a dry-run", async () => {
  await withRoot(async (root) => {
    await Deno.symlink("/tmp", join(root, ".segments"));
    const out = io();
    assert.equal(await runRetentionCommand(["--log-dir", root], out), 3);
    assert.match(out.stdout(), /Problems:\n {2}\.segments is a symbolic link/);
  });
});

Deno.test("--json prints the plan with dry_run true and changes nothing", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "old", 5, Date.now() - 100 * DAY);
    const before = await hashTree(root);
    const out = io();
    assert.equal(
      await runRetentionCommand(["--log-dir", root, "--keep-last-n", "0", "--json"], out),
      0,
    );
    const plan = JSON.parse(out.stdout());
    assert.equal(plan.dry_run, true);
    assert.equal(plan.actions[0].kind, "delete-session");
    assert.equal(plan.actions[0].status, "planned");
    assert.equal(plan.actions[0].bytes_before, plan.bytes_before);
    assert.equal(plan.bytes_after, 0);
    assert.equal(await hashTree(root), before);
  });
});
