import assert from "node:assert/strict";
import { join } from "node:path";
import { parseRetentionInterval, startRetentionSchedule } from "../../server/retention_schedule.ts";
import { runServeCommand } from "../../cli/serve.ts";
import { type DashboardServer, startDashboardServer } from "../../server/dashboard_server.ts";
import { memoryIo } from "../../cli/io.ts";
import { parseExecutionConfig } from "../../execution/config.ts";
import { DAY, exists, withRoot, writeSession } from "../ops/retention/helpers.ts";

/** A log sink whose lines can be awaited. */
function lines() {
  const seen: string[] = [];
  let wake = (): void => {};
  return {
    seen,
    log: (line: string) => {
      seen.push(line);
      wake();
    },
    /** Resolves once `n` lines were logged (only a bound on a broken schedule times out). */
    waitFor(n: number): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${n} log lines within 20 s`)), 20_000);
        wake = () => {
          if (seen.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    },
  };
}

Deno.test("retention intervals are durations from one minute to seven days", () => {
  assert.equal(parseRetentionInterval("1h"), 3_600_000);
  assert.equal(parseRetentionInterval("30m"), 1_800_000);
  assert.equal(parseRetentionInterval("60s"), 60_000);
  assert.equal(parseRetentionInterval("7d"), 7 * 86_400_000);
  assert.equal(parseRetentionInterval("1h30m"), 5_400_000);
  for (const bad of ["59s", "8d", "1", "h", "1.5h", "-1h", "", "2w"]) {
    assert.equal(parseRetentionInterval(bad), null, bad);
  }
  assert.throws(
    () => startRetentionSchedule({ logDir: ".", intervalMs: 1000, log: () => {} }),
    /between 1 minute and 7 days/,
  );
});

Deno.test("the schedule runs at once, logs one line per run, and stop waits for the run", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "old", 5, Date.now() - 100 * DAY);
    const log = lines();
    const schedule = startRetentionSchedule({
      logDir: root,
      intervalMs: 3_600_000,
      policy: { keepLastN: 0 },
      home: null,
      log: log.log,
    });
    await log.waitFor(1);
    await schedule.stop();
    assert.equal(log.seen.length, 1);
    assert.match(log.seen[0], /^retention: 1 done, 0 failed, 0 skipped; /);
    assert.ok(!(await exists(join(root, "old.jsonl"))));
    assert.ok(await exists(join(root, ".last_retention_run")));
  });
});

Deno.test("a run that cannot start is logged as not run", async () => {
  const log = lines();
  const schedule = startRetentionSchedule({
    logDir: "/",
    intervalMs: 60_000,
    home: null,
    log: log.log,
  });
  await log.waitFor(1);
  await schedule.stop();
  assert.match(log.seen[0], /^retention: not run: refusing to run retention on "\/"/);
});

Deno.test("startDashboardServer refuses scheduled retention on an unsafe root before listening", async () => {
  await assert.rejects(
    startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: "/etc",
      retentionEveryMs: 3_600_000,
      home: null,
    }),
    /refusing to run retention on "\/etc"/,
  );
});

Deno.test("serve --retention-interval runs the policy from --retention-config and logs it", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "old", 5, Date.now() - 100 * DAY);
    await writeSession(root, "young", 5, Date.now() - 10 * DAY);
    const config = join(root, "..", "retention.toml");
    await Deno.writeTextFile(
      config,
      "[execution.telemetry.retention]\nkeep_last_n_sessions = 0\ncompress_after_days = 0\n",
    );
    let output = "";
    let wake = (): void => {};
    const io = {
      ...memoryIo({ env: { HOME: "/nonexistent-home" } }),
      out: (text: string) => {
        output += text;
        wake();
      },
    };
    const logged = new Promise<void>((resolve) => {
      wake = () => output.includes("retention:") && resolve();
    });
    const stop = new AbortController();
    const started = Promise.withResolvers<DashboardServer>();
    const exit = runServeCommand(
      [
        "--port",
        "0",
        "--log-dir",
        root,
        "--retention-interval",
        "1h",
        "--retention-config",
        config,
      ],
      io,
      { signal: stop.signal, onListen: started.resolve },
    );
    try {
      await Promise.race([started.promise, exit]);
      await logged;
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
    assert.match(output, /retention: 1 done, 0 failed, 0 skipped/);
    assert.ok(!(await exists(join(root, "old.jsonl"))));
    // compress_after_days = 0 from the file: the ten-day-old session stays plain.
    assert.ok(await exists(join(root, "young.jsonl")));
  });
});

Deno.test("serve exits 2 on bad retention flags", async () => {
  const cases: [string[], RegExp][] = [
    [["--retention-interval", "5s"], /--retention-interval must be a duration from 1m to 7d/],
    [["--retention-interval", "soon"], /--retention-interval must be a duration/],
    [["--retention-config", "x.toml"], /--retention-config needs --retention-interval/],
    [
      ["--retention-interval", "off", "--retention-config", "x.toml"],
      /--retention-config needs --retention-interval/,
    ],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await runServeCommand(args, io), 2, args.join(" "));
    assert.match(io.stderr(), message);
  }
});

Deno.test("without --retention-config the schedule applies the --config file's retention table, from startSchedules()", async () => {
  await withRoot(async (root) => {
    await writeSession(root, "old", 5, Date.now() - 100 * DAY);
    const log = lines();
    const server = await startDashboardServer({
      port: 0,
      hostname: "127.0.0.1",
      logDir: root,
      config: parseExecutionConfig(
        "[execution.telemetry.retention]\nkeep_last_n_sessions = 0\ncompress_after_days = 0\n",
      ),
      retentionEveryMs: 3_600_000,
      home: null,
      log: (text) => log.log(text.replace(/\n$/, "")),
    });
    try {
      server.startSchedules();
      await log.waitFor(1);
    } finally {
      await server.shutdown();
    }
    assert.match(log.seen.find((l) => l.startsWith("retention:"))!, /^retention: 1 done, 0 failed/);
    assert.ok(!(await exists(join(root, "old.jsonl"))));
  });
});
